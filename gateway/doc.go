// Package gateway receives the QQ bot platform's events: over the WebSocket gateway
// ([Client], one per shard) or as signed HTTP callbacks ([Webhook]). Both hand every
// dispatch to a handler as an [Event]; [Dedup] drops the ones already delivered.
//
// # Model
//
// A [Client] holds one shard's connection to the gateway URL returned by GET /gateway/bot
// (see openapi.Client.GatewayBot). [Client.Run] owns everything that happens on it:
//
//  1. load the shard's persisted session, if Config.Sessions has one;
//  2. dial the URL and read Hello (op 10) and its heartbeat_interval (kept within
//     100 ms..10 min; an absent or non-positive one means 41.25 s; heartbeat.go);
//  3. send Resume (op 6: session_id and last seq) when there is a session to resume, else
//     Identify (op 2) with a credential from Config.Token, the intents and the shard;
//  4. read dispatches (op 0): READY (it carries the session id) or the replay and RESUMED,
//     then events. Every dispatch is passed to the handler as an [Event], in arrival order,
//     synchronously on the reading goroutine: a slow handler stalls the connection, so it
//     should hand work off (e.g. to a channel). The seq of every op 0 frame is recorded; a
//     replayed frame whose seq was already delivered on this session is skipped;
//  5. meanwhile send a heartbeat (op 1) every heartbeat_interval carrying the last seq
//     (null before any). If a heartbeat is still unacknowledged (no op 11) when the next
//     one is due, the connection is a zombie: it is closed and resumed.
//
// # Reconnect policy
//
// When a connection ends, Run picks the next step from this table, logs one line
// ("gateway disconnected" with code, reason, decision, rule, session_id, seq and delay)
// and waits a jittered backoff before connecting again.
//
//	how the connection ended                       decision
//	---------------------------------------------  ---------------------------------------
//	close 4008 (too fast), 4009 (session timed     resume
//	  out); op 7 (Reconnect); network error, EOF
//	  or 1006; zombie (no heartbeat ACK); 1000,
//	  1001
//	op 9 (Invalid Session); close 4006, 4007,      identify (a new session; events the
//	  4900–4999 (4902 "reset by resume"…),           old one had not delivered are lost:
//	  any other code (4000–4003, 4005…)              logged as lost_after_seq, counted in
//	                                                 Status.LostSessions)
//	3 resumes in a row that neither reached RESUMED identify
//	  nor replayed anything (one cut off mid-replay
//	  still counts as progress)
//	close 4004 (authentication failed)             Config.InvalidateToken, then identify
//	                                                 with a freshly fetched token
//	close 4004 again, before any READY/RESUMED     stop: *CloseError
//	close 4014 answering an Identify, with a       identify with fewer optional intents
//	  Config.Negotiator that has a smaller set       (MinBackoff later; not a failed attempt)
//	close 4010–4014 (shard, API version, intents)  stop: *CloseError naming cause and fix
//	close 4914 (bot offline), 4915 (bot banned)    stop: *CloseError naming cause and fix
//	ctx done                                       close 1000, save the session, return nil
//
// A resume with no session yet (nothing identified) becomes an identify. Backoff starts at
// Config.MinBackoff (1 s) and doubles per attempt up to MaxBackoff (60 s), each delay
// jittered into [d/2, d]; it resets after READY or RESUMED. Transient failures (network,
// token service, 49xx) never make Run give up. Identifies, not resumes, may be paced by
// Config.BeforeIdentify; [StartLimiter] implements session_start_limit.max_concurrency.
//
// # Intents
//
// Identify carries the intents: Config.Intents, or with Config.Negotiator (an
// [IntentNegotiator] shared by every shard) the required intents plus the optional ones
// the platform has not refused. The platform answers an Identify asking for an intent the
// bot is not approved for with close 4014 and does not say which one; the negotiator then
// offers smaller sets of the optional intents, and remembers, once one is answered with
// READY, which it left out. Status.Intents and the persisted Session carry the intents a
// session was identified with.
//
// # Persistence
//
// With Config.Sessions set, a new session id is saved at once and the seq at most once per
// SaveInterval (1 s) while it changes, and once more when Run returns, so a restarted
// process resumes and the platform replays what it missed. With Config.SaveFinishedSeq the
// saved seq stops before the oldest event whose Event.Done has not been called, so that
// events queued or being handled when the process died are replayed, not skipped. After a
// crash, events already handled are replayed too: [Dedup], persisted by its own
// [DedupStore], drops those by event id (saving an id only once its handling has settled,
// see WrapSettled), as it drops webhook retries; the host adds per-script records for
// what the window cannot cover.
//
// # Webhook
//
// [Webhook] serves the HTTP callback transport of docs/protocol.md §10: it verifies the
// Ed25519 signature (key derived from the AppSecret) before parsing the body and answers
// 401 when it is wrong, answers callback validation (op 13) and heartbeats (op 1) itself,
// and passes dispatches (op 0) to the same kind of handler as the Client, acking
// {"op":12,"d":0} once the handler has queued the event. An INTERACTION_CREATE (a button
// press) carries Event.Answer instead: its answer waits, at most InteractionWait (2.5 s),
// for the acknowledgement code and carries it, {"op":12,"d":0,"code":N}, which is how the
// platform takes a press's acknowledgement over webhooks. Anyone can reach it, so it
// refuses a signed timestamp more than Tolerance (5 min) away, checks everything it can
// before reading a body, refuses bodies over MaxBody unread, serves at most MaxConns
// connections, and rate-limits its warnings (webhook_limits.go). An event without an id
// carries a BodyHash for the dedup window.
//
// # Concurrency
//
// Run blocks until its context is done or a fatal close; it may not be called concurrently
// on the same Client. It starts one goroutine that saves the session (with
// Config.Sessions) and, for each connection, one helper goroutine that sends heartbeats
// and, when the context is cancelled, the close frame; Run stops and waits for both before
// it returns. Writes to the socket are serialised by a mutex. [Client.Status] may be called
// from any goroutine. Webhook.Run owns its HTTP server and returns once every request has
// finished. Dedup is safe for concurrent use.
//
// # Security
//
// The identify token is never logged or included in errors. Plain ws:// URLs are refused by
// New unless the host is loopback (127.0.0.0/8, ::1, localhost), which keeps tests against
// local fakes possible without letting a token cross a network in clear text.
//
// Config.Observer (observer.go), if set, hears of each reconnect decision and heartbeat
// round trip, for metrics; nothing is measured for nobody.
//
// Section numbers such as §7.4 refer to docs/protocol.md.
package gateway
