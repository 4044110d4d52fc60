package transport

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/luabot/luabot/dispatch"
	"github.com/luabot/luabot/gateway"
	"github.com/luabot/luabot/openapi"
)

// Kinds of transport, for Config.Kind.
const (
	WS      = "ws"      // the WebSocket gateway, one gateway.Client per shard
	Webhook = "webhook" // signed HTTP callbacks (gateway.Webhook)
)

// API is what a Source needs of the REST client: where to connect, and the credential
// each shard identifies with. *openapi.Client implements it.
type API interface {
	GatewayBot(ctx context.Context) (*openapi.GatewayBot, error)
	IdentifyToken(ctx context.Context) (string, error)
	InvalidateToken(rejected string)
}

// Intents is what a Source asks of the code consuming its events (the host): the intents
// to identify with, asked before every Identify because a reload can change them, and
// where to say which optional ones the platform refused.
type Intents interface {
	WantedIntents() (required, optional dispatch.Intent)
	IntentsDropped(dropped dispatch.Intent)
}

// KV is the part of a kv store (the bbolt file, or the Redis one shared by several
// processes) SessionStore keeps the sessions and the dedup window in.
type KV interface {
	Get(ns, key string) ([]byte, bool, error)
	Set(ns, key string, val []byte) error
}

// Stores persists gateway sessions and the dedup window; SessionStore is the one over
// the kv file.
type Stores interface {
	gateway.SessionStore
	gateway.DedupStore
}

// Config configures a Source. New validates it; the zero values of the optional fields
// take the defaults named on each.
type Config struct {
	// Name is the bot's name when one process runs several; the status
	// report carries it. Empty for the only bot.
	Name string
	// Kind is how events arrive: WS (the default when empty) or Webhook.
	Kind string
	// API fetches GET /gateway/bot and the identify credential. Required.
	API API
	// Intents decides the intents every shard identifies with. Required for WS.
	Intents Intents
	// Store is the kv file the sessions and the dedup window are kept in (SessionStore),
	// unless Sessions is set. One of the two is required.
	Store KV
	// Sessions persists sessions and the dedup window instead of Store.
	Sessions Stores

	// Shards is the total shard count over WebSocket, from 1 to MaxShards. 0 means the
	// count GET /gateway/bot recommends.
	Shards int
	// ShardIDs are the shards this process runs, each below the shard count. Empty
	// means all of them.
	ShardIDs []int

	// Leases, when set, shares the shards (ShardIDs, or all) with the bot's other
	// processes: each process claims a fair share through leases in the shared store
	// and takes over the shards of one that dies (leases.go). WebSocket only.
	Leases Leaser
	// LeaseTTL is how long a lease lasts unless renewed; it is renewed every third of
	// it. 0 means DefaultLeaseTTL.
	LeaseTTL time.Duration
	// Owner names this process among the bot's; "" makes one from the host name and
	// the process id.
	Owner string
	// Presence, if set and Leases is not, records this process and its fixed shards in
	// the shared store every third of DefaultLeaseTTL, so that `luabot status` lists it
	// beside the processes sharing shards.
	Presence Announcer
	// OnTakeover, if set, is called before a shard taken over through Leases resumes
	// there, so that the consumer can read what the previous holder recorded.
	OnTakeover func(shard int)

	// Webhook configures the webhook transport: Secret and Listen are required with
	// it, TLSCert and TLSKey go together; its Logger is set by the Source.
	Webhook gateway.WebhookConfig

	// StatusFile, if set, is rewritten with the shards' state as JSON (a StatusReport)
	// as soon as a shard's state changes, and about once a second for the counters.
	StatusFile string
	// StartBackoff is the first wait before repeating a start-up step that failed in a
	// way waiting can fix (startup.go); it doubles per attempt up to a minute. 0 means
	// 1 s.
	StartBackoff time.Duration
	// StartWindow is the period session_start_limit.max_concurrency counts identifies
	// in. 0 means the platform's 5 s; tests shorten it so that several shards start
	// without waiting it out.
	StartWindow time.Duration
	// ReconnectBackoff is each shard's first wait before connecting again (and between
	// two identifies negotiating intents away); it doubles per failed attempt. 0 means
	// 1 s; tests shorten it.
	ReconnectBackoff time.Duration
	// Logger receives the transport's log lines. Nil discards.
	Logger *slog.Logger
	// Observer, if set, hears of every event received (before the dedup window) and,
	// through each shard's gateway.Client, of reconnect decisions and heartbeat round
	// trips, for metrics. Nil means nobody listens.
	Observer Observer
}

// ConfigError is a Config that New refuses. Fields names the Config fields at fault
// (e.g. "Webhook.Listen"), and Problem may name others in braces ("{Kind}"), so that a
// command can say the same with its own flag names (Explain).
type ConfigError struct {
	Fields  []string
	Problem string
}

func (e *ConfigError) Error() string {
	return "transport: " + e.Explain(func(field string) string { return field })
}

// Explain renders the error with each Config field called by name(field).
func (e *ConfigError) Explain(name func(field string) string) string {
	fields := make([]string, len(e.Fields))
	for i, f := range e.Fields {
		fields[i] = name(f)
	}
	problem := e.Problem
	for {
		open := strings.IndexByte(problem, '{')
		end := strings.IndexByte(problem, '}')
		if open < 0 || end < open {
			break
		}
		problem = problem[:open] + name(problem[open+1:end]) + problem[end+1:]
	}
	return strings.Join(fields, ", ") + ": " + problem
}

func configError(problem string, fields ...string) error {
	return &ConfigError{Fields: fields, Problem: problem}
}

// defaultStartWindow is the platform's period for session_start_limit.max_concurrency.
const defaultStartWindow = 5 * time.Second

// validate checks cfg (Check) and what New needs to wire it, and fills in the defaults.
func (cfg *Config) validate() error {
	if err := cfg.Check(); err != nil {
		return err
	}
	if cfg.API == nil {
		return configError("required", "API")
	}
	if cfg.Store == nil && cfg.Sessions == nil {
		return configError("one of them is required", "Store", "Sessions")
	}
	if cfg.Kind == "" {
		cfg.Kind = WS
	}
	if cfg.Kind == WS && cfg.Intents == nil {
		return configError("required with {Kind} ws", "Intents")
	}
	if cfg.StartWindow <= 0 {
		cfg.StartWindow = defaultStartWindow
	}
	if cfg.StartBackoff <= 0 {
		cfg.StartBackoff = defaultStartBackoff
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return nil
}

// Check checks the transport options (Kind, Shards, ShardIDs, Webhook) and nothing
// else: a command calls it before it has built what API, Store and Intents name, so
// that a mistake is reported before any work. It is the only place these options are
// checked; New calls it too.
func (cfg Config) Check() error {
	web := cfg.Webhook
	switch cfg.Kind {
	case "", WS:
		if web.Listen != "" || web.TLSCert != "" || web.TLSKey != "" {
			return configError("only with {Kind} webhook", "Webhook.Listen", "Webhook.TLSCert", "Webhook.TLSKey")
		}
	case Webhook:
		if web.Secret == "" {
			return configError("required with {Kind} webhook: the signature key is derived from it", "Webhook.Secret")
		}
		if web.Listen == "" {
			return configError("required with {Kind} webhook: the address to listen on, e.g. :8443", "Webhook.Listen")
		}
		if (web.TLSCert == "") != (web.TLSKey == "") {
			return configError("set both or neither", "Webhook.TLSCert", "Webhook.TLSKey")
		}
		if cfg.Shards != 0 || len(cfg.ShardIDs) > 0 {
			return configError("only with {Kind} ws", "Shards", "ShardIDs")
		}
		if cfg.Leases != nil {
			return configError("only with {Kind} ws: webhook instances need no shards", "Leases")
		}
	default:
		return configError(fmt.Sprintf("unknown transport %q: want %s or %s", cfg.Kind, WS, Webhook), "Kind")
	}
	if cfg.LeaseTTL < 0 || (cfg.LeaseTTL > 0 && cfg.LeaseTTL < minLeaseTTL) {
		return configError(fmt.Sprintf("a lease must last at least %s", minLeaseTTL), "LeaseTTL")
	}
	if cfg.ReconnectBackoff < 0 {
		return configError("negative", "ReconnectBackoff")
	}
	if cfg.Shards < 0 || cfg.Shards > MaxShards {
		return configError(fmt.Sprintf("shard count %d is not from 1 to %d", cfg.Shards, MaxShards), "Shards")
	}
	for _, id := range cfg.ShardIDs {
		if id < 0 || (cfg.Shards > 0 && id >= cfg.Shards) {
			return configError(fmt.Sprintf("shard %d is not below the shard count %d", id, cfg.Shards), "ShardIDs")
		}
	}
	return nil
}

// ParseShardRange parses "FIRST-LAST/COUNT" or "ID/COUNT", e.g. "0-3/8" for shards 0
// to 3 of 8, into ShardIDs and Shards.
func ParseShardRange(s string) (ids []int, count int, err error) {
	bad := func(why string) error {
		return fmt.Errorf("shard range %q: %s; want FIRST-LAST/COUNT, e.g. 0-3/8", s, why)
	}
	r, c, ok := strings.Cut(s, "/")
	if !ok {
		return nil, 0, bad("no /COUNT")
	}
	count, err = strconv.Atoi(c)
	if err != nil || count < 1 || count > MaxShards {
		return nil, 0, bad(fmt.Sprintf("COUNT must be a number from 1 to %d", MaxShards))
	}
	lo, hi, isRange := strings.Cut(r, "-")
	if !isRange {
		hi = lo
	}
	first, err1 := strconv.Atoi(lo)
	last, err2 := strconv.Atoi(hi)
	if err1 != nil || err2 != nil || first < 0 || last < first || last >= count {
		return nil, 0, bad("need 0 <= FIRST <= LAST < COUNT")
	}
	for id := first; id <= last; id++ {
		ids = append(ids, id)
	}
	return ids, count, nil
}

// errShardRange is a shard id the shard count GET /gateway/bot recommends does not
// cover: a configuration error, not retried.
var errShardRange = errors.New("transport: shard out of range")
