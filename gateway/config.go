package gateway

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gorilla/websocket"
)

const (
	defaultMinBackoff = time.Second
	defaultMaxBackoff = 60 * time.Second
	dialTimeout       = 15 * time.Second
)

// Config configures a [Client]. The zero value of every optional field means "use the
// default" described on the field. It is validated once, by [New].
type Config struct {
	// URL is the gateway endpoint, normally GatewayBot.URL from GET /gateway/bot. Required.
	// wss:// is always accepted; ws:// only to loopback hosts (127.0.0.0/8, ::1, localhost).
	URL string

	// Token returns the identify credential ("QQBot <access_token>" or the legacy
	// "Bot <appid>.<token>"). Required. It is called before every Identify, so a
	// token-refreshing source such as openapi.Client.IdentifyToken always yields a live one.
	Token func(ctx context.Context) (string, error)

	// Intents selects the event groups to receive (see IntentsFor). 0 means IntentGuilds,
	// as the official SDKs do, because the platform rejects an identify without intents.
	// Ignored when Negotiator is set.
	Intents Intent

	// Negotiator, if set, picks the intents of every Identify instead of Intents, and
	// learns from close 4014 which optional intents the platform does not grant: a 4014
	// in answer to an Identify then leads to another Identify without some of them
	// (after MinBackoff, not counted as a failed attempt) rather than to a stop, as long
	// as the negotiator has a smaller set to try. Share one among all shards.
	Negotiator *IntentNegotiator

	// Shard is [shard id, shard count]. The zero value means [0, 1] (no sharding).
	Shard [2]int

	// Dialer opens the WebSocket. Nil means a dialer with proxy settings from the
	// environment and a 15 s handshake timeout.
	Dialer *websocket.Dialer

	// Logger receives connection lifecycle lines (never the token). Nil means discard.
	Logger *slog.Logger

	// MinBackoff is the delay before the first reconnect attempt; it doubles per failed
	// attempt and resets after READY or RESUMED. Each delay is jittered down to half its
	// value.
	// 0 means 1 s. Tests set it to a millisecond or so.
	MinBackoff time.Duration

	// MaxBackoff caps the reconnect delay. 0 means 60 s.
	MaxBackoff time.Duration

	// Sessions persists the session id and last sequence number so that a restarted
	// process resumes instead of identifying. Run loads the shard's session when it starts,
	// saves changes at most once per SaveInterval, and saves once more before it returns.
	// Nil keeps the session in memory only.
	Sessions SessionStore

	// SaveInterval is the least time between two saves to Sessions. 0 means 1 s.
	SaveInterval time.Duration

	// SaveFinishedSeq makes the saved sequence number the last one up to which the handler
	// has finished with every event (Event.Done called) instead of the last one received,
	// so that a process killed with events still queued gets them replayed after a
	// restart instead of resuming past them. The handler must then call Done for every
	// event.
	SaveFinishedSeq bool

	// InvalidateToken, if set, is called with the credential the server rejected with close
	// 4004, so that the next call to Token fetches a fresh one instead of returning the
	// cached one. Nil means Token is trusted to return a live credential by itself.
	InvalidateToken func(rejected string)

	// BeforeIdentify, if set, is called before every connection that will Identify (not
	// before resumes) and may block to pace session starts, e.g. [StartLimiter.Wait] shared
	// by every shard to honour session_start_limit.max_concurrency. An error other than
	// the context's ends Run with that error.
	BeforeIdentify func(ctx context.Context) error

	// Observer, if set, hears of each reconnect decision and heartbeat round trip, for
	// metrics. Nil means nobody listens.
	Observer Observer
}

// Validate reports whether New would accept cfg, without building anything; New calls it
// (through validate) itself, so callers only need it to check a configuration early.
func (cfg Config) Validate() error {
	_, err := cfg.validate()
	return err
}

// validate checks cfg and returns a copy with every default filled in.
func (cfg Config) validate() (Config, error) {
	if cfg.URL == "" {
		return cfg, fmt.Errorf("%w: URL is required", ErrInvalidConfig)
	}
	u, err := url.Parse(cfg.URL)
	if err != nil {
		return cfg, fmt.Errorf("%w: URL is not a URL", ErrInvalidConfig)
	}
	if u.Host == "" {
		return cfg, fmt.Errorf("%w: URL %q has no host", ErrInvalidConfig, u.Redacted())
	}
	switch u.Scheme {
	case "wss":
	case "ws":
		if !isLoopback(u.Hostname()) {
			return cfg, fmt.Errorf("%w: URL %q uses plain ws to a non-loopback host; use wss", ErrInsecureURL, u.Redacted())
		}
	default:
		return cfg, fmt.Errorf("%w: URL %q must use wss (or ws to loopback)", ErrInvalidConfig, u.Redacted())
	}
	if cfg.Token == nil {
		return cfg, fmt.Errorf("%w: Token is required", ErrInvalidConfig)
	}
	if cfg.Intents == 0 {
		cfg.Intents = IntentGuilds
	}
	if cfg.Shard == [2]int{} {
		cfg.Shard = [2]int{0, 1}
	}
	if cfg.Shard[1] < 1 || cfg.Shard[0] < 0 || cfg.Shard[0] >= cfg.Shard[1] {
		return cfg, fmt.Errorf("%w: Shard %v must be [id, count] with 0 <= id < count", ErrInvalidConfig, cfg.Shard)
	}
	if cfg.Dialer == nil {
		cfg.Dialer = &websocket.Dialer{Proxy: http.ProxyFromEnvironment, HandshakeTimeout: dialTimeout}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.MinBackoff < 0 || cfg.MaxBackoff < 0 {
		return cfg, fmt.Errorf("%w: negative backoff", ErrInvalidConfig)
	}
	if cfg.MinBackoff == 0 {
		cfg.MinBackoff = defaultMinBackoff
	}
	if cfg.MaxBackoff == 0 {
		cfg.MaxBackoff = max(defaultMaxBackoff, cfg.MinBackoff)
	}
	if cfg.SaveInterval < 0 {
		return cfg, fmt.Errorf("%w: negative SaveInterval", ErrInvalidConfig)
	}
	if cfg.SaveInterval == 0 {
		cfg.SaveInterval = defaultSaveInterval
	}
	if cfg.MaxBackoff < cfg.MinBackoff {
		return cfg, fmt.Errorf("%w: MaxBackoff %v is below MinBackoff %v", ErrInvalidConfig, cfg.MaxBackoff, cfg.MinBackoff)
	}
	return cfg, nil
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
