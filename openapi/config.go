package openapi

import (
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Hosts of the platform.
const (
	// ProductionURL is the OpenAPI host for live guilds.
	ProductionURL = "https://api.sgroup.qq.com"
	// SandboxURL is the OpenAPI host where only sandbox guilds are visible.
	SandboxURL = "https://sandbox.api.sgroup.qq.com"
	// DefaultTokenURL is the token service; the client POSTs to {TokenURL}/app/getAppAccessToken.
	DefaultTokenURL = "https://bots.qq.com"
)

const (
	defaultTimeout   = 10 * time.Second
	defaultUserAgent = "luabot"
	tokenPath        = "/app/getAppAccessToken"

	defaultMaxRetries    = 3
	defaultRetryBackoff  = 500 * time.Millisecond
	maxRetryBackoff      = 10 * time.Second
	defaultRouteInterval = 200 * time.Millisecond
)

// Config configures a [Client]. The zero value of every optional field means "use the
// default" described on the field. It is validated once, by [New].
type Config struct {
	// AppID is the bot's application id (机器人ID). Required. It is sent in the
	// X-Union-Appid header and, in the AppSecret flow, in the token request.
	AppID string

	// Secret is the AppSecret used to obtain access tokens from the token service.
	// Exactly one of Secret and Token must be set.
	Secret string

	// Token is the legacy fixed bot token, sent as "Authorization: Bot <AppID>.<Token>".
	// Exactly one of Secret and Token must be set.
	Token string

	// BaseURL is the OpenAPI base URL without a trailing path, e.g. a fake server's
	// "http://127.0.0.1:8080". Empty means ProductionURL, or SandboxURL when Sandbox is set;
	// a non-empty BaseURL wins over Sandbox. Plain http:// is only allowed to loopback hosts.
	BaseURL string

	// Sandbox selects SandboxURL as the default BaseURL.
	Sandbox bool

	// TokenURL is the token service base URL; the client POSTs to
	// {TokenURL}/app/getAppAccessToken. Empty means DefaultTokenURL. Only used with Secret.
	// Plain http:// is only allowed to loopback hosts.
	TokenURL string

	// HTTPClient sends the requests. Nil means a client with a 10 s timeout and a
	// connection pool sized for bursts of concurrent replies. The Client
	// works on a copy whose CheckRedirect refuses every redirect, so credentials are never
	// replayed to another host; the caller's value is not modified.
	HTTPClient *http.Client

	// UserAgent is sent on every request. Empty means "luabot".
	UserAgent string

	// MaxRetries bounds how many times a request answered with 429 or a 5xx (or
	// failing in transport) is sent again. After a 5xx or a transport failure
	// only requests that are safe to repeat are retried: GET/PUT/DELETE, passive
	// replies, and requests that never left (see [Client.Do]). Zero means 3;
	// negative disables retries. Retries never outlast the caller's context.
	MaxRetries int

	// RetryBackoff is the first wait before a retry; each further retry doubles
	// it (up to 10 s) and the wait is jittered. A Retry-After header, when
	// present, is honoured if it is longer. Zero means 500 ms.
	RetryBackoff time.Duration

	// Observer, if set, hears of every HTTP exchange and retry by route template, for
	// metrics. Nil means nobody listens.
	Observer Observer

	// RouteInterval spaces requests to a route (method and path) that was just
	// rate-limited: after a 429 nothing more goes out on that route until the
	// retry backoff has passed, and for 10 s afterwards one request per
	// RouteInterval, so a burst that hit the limit does not keep hitting it.
	// Zero means 200 ms (the platform's 5 messages per second per channel).
	RouteInterval time.Duration

	// RouteBurst, when positive, also puts a standing limit on every route:
	// RouteBurst requests at once, then one per RouteInterval. Zero means no
	// standing limit (the platform's limits differ per route and are mostly
	// undocumented; spacing starts at the first 429).
	RouteBurst int

	// Logger receives debug lines about requests and token fetches (never credentials).
	// Nil means discard.
	Logger *slog.Logger

	// Clock tells the time for token lifetimes and the passive-reply engine's windows.
	// Nil means time.Now. A harness that runs the platform on virtual time (luabot test)
	// passes the platform's clock, so that both agree on how old a message is.
	Clock func() time.Time
}

// Validate reports whether New would accept cfg, without building anything; New calls it
// (through validate) itself, so callers only need it to check a configuration early.
func (cfg Config) Validate() error {
	_, err := cfg.validate()
	return err
}

// validate checks cfg and returns a copy with every default filled in. It is the only place
// configuration is checked.
func (cfg Config) validate() (Config, error) {
	if strings.TrimSpace(cfg.AppID) == "" {
		return cfg, fmt.Errorf("%w: AppID is required", ErrInvalidConfig)
	}
	if !headerSafe(cfg.AppID) {
		return cfg, fmt.Errorf("%w: AppID contains spaces or control characters", ErrInvalidConfig)
	}
	switch {
	case cfg.Secret == "" && cfg.Token == "":
		return cfg, fmt.Errorf("%w: one of Secret or Token is required", ErrInvalidConfig)
	case cfg.Secret != "" && cfg.Token != "":
		return cfg, fmt.Errorf("%w: Secret and Token are mutually exclusive", ErrInvalidConfig)
	}
	// The legacy token goes into a header verbatim; reject values net/http would refuse
	// later with a less helpful message. (The message never quotes the value.)
	if cfg.Token != "" && !headerSafe(cfg.Token) {
		return cfg, fmt.Errorf("%w: Token contains spaces or control characters", ErrInvalidConfig)
	}

	if cfg.BaseURL == "" {
		cfg.BaseURL = ProductionURL
		if cfg.Sandbox {
			cfg.BaseURL = SandboxURL
		}
	}
	base, err := checkURL("BaseURL", cfg.BaseURL)
	if err != nil {
		return cfg, err
	}
	cfg.BaseURL = base

	if cfg.TokenURL == "" {
		cfg.TokenURL = DefaultTokenURL
	}
	tok, err := checkURL("TokenURL", cfg.TokenURL)
	if err != nil {
		return cfg, err
	}
	cfg.TokenURL = tok

	hc := &http.Client{Timeout: defaultTimeout, Transport: pooledTransport()}
	if cfg.HTTPClient != nil {
		c := *cfg.HTTPClient
		hc = &c
	}
	hc.CheckRedirect = refuseRedirect
	cfg.HTTPClient = hc

	switch {
	case cfg.MaxRetries == 0:
		cfg.MaxRetries = defaultMaxRetries
	case cfg.MaxRetries < 0:
		cfg.MaxRetries = 0
	}
	if cfg.RetryBackoff < 0 {
		return cfg, fmt.Errorf("%w: RetryBackoff is negative", ErrInvalidConfig)
	}
	if cfg.RetryBackoff == 0 {
		cfg.RetryBackoff = defaultRetryBackoff
	}
	if cfg.RouteInterval < 0 {
		return cfg, fmt.Errorf("%w: RouteInterval is negative", ErrInvalidConfig)
	}
	if cfg.RouteBurst < 0 {
		return cfg, fmt.Errorf("%w: RouteBurst is negative", ErrInvalidConfig)
	}
	if cfg.RouteInterval == 0 {
		cfg.RouteInterval = defaultRouteInterval
	}
	if cfg.UserAgent == "" {
		cfg.UserAgent = defaultUserAgent
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	return cfg, nil
}

// refuseRedirect stops the HTTP client at the first redirect: the platform does not
// redirect, and following one would resend Authorization (or the secret in a token POST)
// to a host we did not choose. The 3xx answer is then reported as an *Error.
func refuseRedirect(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

// checkURL validates a base URL and returns it without a trailing slash. https is always
// allowed; http only to loopback hosts. Error messages use the redacted form of the URL in
// case it carries user:password.
func checkURL(field, raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", fmt.Errorf("%w: %s is not a URL", ErrInvalidConfig, field)
	}
	if u.Host == "" {
		return "", fmt.Errorf("%w: %s %q has no host", ErrInvalidConfig, field, u.Redacted())
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return "", fmt.Errorf("%w: %s %q must not have a query or fragment", ErrInvalidConfig, field, u.Redacted())
	}
	switch u.Scheme {
	case "https":
	case "http":
		if !isLoopback(u.Hostname()) {
			return "", fmt.Errorf("%w: %s %q uses plain http to a non-loopback host; use https", ErrInsecureURL, field, u.Redacted())
		}
	default:
		return "", fmt.Errorf("%w: %s %q must use https (or http to loopback)", ErrInvalidConfig, field, u.Redacted())
	}
	return strings.TrimRight(raw, "/"), nil
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

// headerSafe reports whether s can be placed in an HTTP header value as one token.
func headerSafe(s string) bool {
	for _, r := range s {
		if r <= ' ' || r == 0x7f {
			return false
		}
	}
	return true
}

// maxIdlePerHost is how many idle connections the default client keeps to
// one host. http.DefaultTransport keeps 2, so a burst of N concurrent
// replies dialled (and TLS-handshook) N-2 connections and closed them again
// every time; a profile of `luabot run` under load had 12 % of its CPU in
// dialConn. Bursts of a few hundred calls in flight are normal for a busy bot;
// with 512, a thousand in flight (luabot bench --window 1000 --latency 50ms)
// still spent 3.8 % of the bot's CPU dialling. Idle connections close after
// the transport's 90 s.
const maxIdlePerHost = 1024

func pooledTransport() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns = maxIdlePerHost
	t.MaxIdleConnsPerHost = maxIdlePerHost
	t.ForceAttemptHTTP2 = true // HTTP/2 wherever a server offers it over TLS: one connection then serves many calls
	return t
}
