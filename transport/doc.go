// Package transport owns how the platform's events arrive: it turns a Config (WebSocket
// shards or webhook callbacks, where sessions are kept, where status goes) into a Source
// that delivers each event once to one consumer, the host that runs the scripts.
//
// # Model
//
// New validates the Config; it is the only place transport options are checked, and a
// refusal is a *ConfigError naming Config fields, which a command maps to its own flag
// names. A Source then lives in three steps, each called by its consumer:
//
//  1. Start fetches the access token once (refused credentials end start-up, whatever the
//     transport) and, over WebSocket, asks GET /gateway/bot for the URL and the shard
//     count (shards.go, numbers kept within bounds by gatewaybot.go), checks the session
//     start limit and builds one gateway.Client per shard, all sharing one
//     gateway.IntentNegotiator (intents come from Config.Intents before every Identify)
//     and one start limiter (max_concurrency identifies per StartWindow). Steps that fail
//     in a way waiting can fix (an outage, too few session starts left today, a webhook
//     address still in use) are retried with a jittered backoff (startup.go).
//  2. Run delivers events until its context ends or a shard stops for good. Shards run
//     concurrently and their events are fanned in one at a time. Every event passes one
//     gateway.Dedup first, so a replay or a webhook retry reaches the consumer once. The
//     consumer calls the settled func of each event when its handlers have all ended;
//     only then may the saved seq and the saved dedup window pass it, so a crash replays
//     what was not finished.
//  3. Flush, after the consumer has drained, saves the dedup window and the sessions
//     once more, now covering the events finished while draining.
//
// Sessions (one key per shard) and the dedup window live in the kv store under
// GatewayNamespace (session_store.go), which no script can name. When the store is shared
// by several processes of the bot (Redis), the dedup window is the store's own
// (gateway.SharedWindow, event by event), and with Config.Leases the shards are not fixed:
// each process claims a fair share through leases and takes over a dead process's shards,
// stopping a shard before its lease can pass to another (leases.go). With StatusFile set, Run
// rewrites it with a StatusReport (status.go) for `luabot status` when a shard's state
// changes and about once a second besides.
//
// Run owns every goroutine it starts (the dedup saver, the status writer, one per shard)
// and waits for them before it returns.
//
// Readiness (readiness.go) answers "are events arriving?" from the same state as Status:
// every shard ready, or the webhook listener serving. Config.Observer (observer.go) hears
// of each event received, by shard and type, and is handed to every shard's
// gateway.Client for reconnect decisions and heartbeat round trips.
package transport
