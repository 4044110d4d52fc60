package admin

import (
	"fmt"
	"log/slog"
	"net"
	"strings"
	"time"
)

// Config configures a Server. New checks it once; the zero values of the optional
// fields take the defaults named on each.
type Config struct {
	// Addr is the host:port to listen on, e.g. "127.0.0.1:9090"; port 0 picks a free
	// one (Server.URL says which). Required.
	Addr string
	// Token, when set, must be sent by every request as "Authorization: Bearer TOKEN".
	// Required when Addr is not a loopback address (an empty host, as in ":9090", is
	// every interface). It never appears in a log line, an answer or an error.
	Token string
	// TLSCert and TLSKey are PEM files; with them the listener speaks HTTPS. They go
	// together, and are required when Addr is not a loopback address: the token and
	// the pages must not cross a network in clear text.
	TLSCert, TLSKey string
	// ShutdownTimeout bounds how long Serve waits for requests in flight once its
	// context ends. 0 means 5 s.
	ShutdownTimeout time.Duration
	// Logger receives the listener's lines (refused requests, serve errors). Nil
	// discards.
	Logger *slog.Logger
}

// ConfigError is a Config that New refuses; Field names the Config field at fault, so
// that a command can name its own flag instead.
type ConfigError struct {
	Field string
	Err   error
}

func (e *ConfigError) Error() string { return fmt.Sprintf("admin: %s: %v", e.Field, e.Err) }

func (e *ConfigError) Unwrap() error { return e.Err }

const defaultShutdownTimeout = 5 * time.Second

// validate checks cfg and fills in the defaults.
func (cfg *Config) validate() error {
	if cfg.Addr == "" {
		return &ConfigError{Field: "Addr", Err: ErrNoAddr}
	}
	host, _, err := net.SplitHostPort(cfg.Addr)
	if err != nil {
		return &ConfigError{Field: "Addr", Err: fmt.Errorf("%q is not host:port", cfg.Addr)}
	}
	if cfg.Token == "" && !IsLoopback(host) {
		return &ConfigError{Field: "Token", Err: ErrTokenRequired}
	}
	if (cfg.TLSCert == "") != (cfg.TLSKey == "") {
		field := "TLSKey"
		if cfg.TLSCert == "" {
			field = "TLSCert"
		}
		return &ConfigError{Field: field, Err: ErrTLSPair}
	}
	if cfg.TLSCert == "" && !IsLoopback(host) {
		return &ConfigError{Field: "TLSCert", Err: ErrTLSRequired}
	}
	if strings.ContainsAny(cfg.Token, " \t\r\n") {
		return &ConfigError{Field: "Token", Err: fmt.Errorf("contains white space")}
	}
	if cfg.ShutdownTimeout <= 0 {
		cfg.ShutdownTimeout = defaultShutdownTimeout
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return nil
}

// IsLoopback reports whether host (the host part of an address) can only be reached
// from this machine: "localhost" or a loopback IP. An empty host listens on every
// interface, and any other name may resolve to anything: neither is loopback.
func IsLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(strings.Trim(host, "[]"))
	return ip != nil && ip.IsLoopback()
}
