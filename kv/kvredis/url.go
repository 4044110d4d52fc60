package kvredis

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
)

// ParseURL reads a store URL, redis://[user:pass@]host:port/db or rediss://
// for TLS, into a Config (without Prefix). redis:// (clear text) is refused
// unless the host is loopback. An error never quotes the URL:
// it may hold a password. url.Parse's own errors do quote it, so they are
// replaced rather than wrapped.
func ParseURL(raw string) (Config, error) {
	scheme, _, ok := strings.Cut(raw, "://")
	if !ok {
		return Config{}, errors.New("want redis://[user:password@]host:port/db (or rediss:// for TLS)")
	}
	switch scheme {
	case "redis", "rediss":
	default:
		if strings.ContainsAny(scheme, ":@/") {
			// Not a scheme but the start of the URL, which may hold the password.
			return Config{}, errors.New("want redis://[user:password@]host:port/db (or rediss:// for TLS), the scheme first")
		}
		return Config{}, fmt.Errorf("the scheme %q is not redis:// or rediss://", scheme)
	}
	u, err := url.Parse(raw)
	if err != nil {
		return Config{}, errors.New("not a valid URL (a password with '@', '/', ':' or '%' must be percent-encoded)")
	}
	cfg := Config{TLS: scheme == "rediss"}
	if u.User != nil {
		cfg.Username = u.User.Username()
		cfg.Password, _ = u.User.Password()
	}
	host, port, err := net.SplitHostPort(u.Host)
	if err != nil || host == "" {
		return Config{}, errors.New("the address must be host:port, e.g. 127.0.0.1:6379")
	}
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		return Config{}, fmt.Errorf("the port %q is not a number from 1 to 65535", port)
	}
	if !cfg.TLS && !isLoopback(host) {
		// As for every other connection: clear text only to this machine.
		return Config{}, fmt.Errorf("redis:// to %s would send the password and every value in clear text: "+
			"use rediss:// (TLS) for a server on another machine; redis:// is for 127.0.0.1, ::1 or localhost", host)
	}
	cfg.Addr = net.JoinHostPort(host, port)
	switch db := strings.TrimPrefix(u.Path, "/"); {
	case db == "":
	default:
		n, err := strconv.Atoi(db)
		if err != nil || n < 0 || n > 1<<20 {
			return Config{}, fmt.Errorf("the database %q is not a number", db)
		}
		cfg.DB = n
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return Config{}, errors.New("the URL takes no query or fragment")
	}
	return cfg, nil
}

// Redacted is the URL of cfg as a log line or a message may show it: the
// password replaced.
func (c Config) Redacted() string {
	u := url.URL{Scheme: "redis", Host: c.Addr, Path: "/" + strconv.Itoa(c.DB)}
	if c.TLS {
		u.Scheme = "rediss"
	}
	switch {
	case c.Password != "":
		u.User = url.UserPassword(c.Username, "xxxxx")
	case c.Username != "":
		u.User = url.User(c.Username)
	}
	return u.String()
}

// isLoopback reports whether host (without port or brackets) names this machine:
// "localhost", 127.0.0.0/8 or ::1.
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
