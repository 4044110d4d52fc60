// Package gateway is the WebSocket client for the QQ bot platform's event gateway.
//
// # Model
//
// A [Client] holds one shard's connection to the gateway URL returned by GET /gateway/bot
// (see openapi.Client.GatewayBot). [Client.Run] owns everything that happens on it:
//
//  1. dial the URL;
//  2. read Hello (op 10) and its heartbeat_interval;
//  3. ask Config.Token for a credential and send Identify (op 2) with the intents and shard;
//  4. read dispatches (op 0): READY first (it carries the session id), then events. Every
//     dispatch, READY included, is passed to the handler as an [Event], in arrival order,
//     synchronously on the reading goroutine — a slow handler stalls the connection, so it
//     should hand work off (e.g. to a channel) rather than do it;
//  5. meanwhile send a heartbeat (op 1) every heartbeat_interval carrying the last sequence
//     number seen (null before any) and record each Heartbeat ACK (op 11).
//
// When the connection drops, the server closes it, or it sends Reconnect (op 7) or Invalid
// Session (op 9), Run logs one line saying what happened and what it will do, waits a
// jittered backoff (about 1 s doubling up to 60 s, reset once a READY arrives) and starts
// again at step 1 with a fresh Identify. Close codes that no retry can fix — 4004
// (authentication failed), 4010–4014 (shard or intents invalid or not permitted), 4914
// (bot offline) and 4915 (bot banned) — end Run with a [*CloseError] instead.
//
// Resuming a session (op 6) is not implemented yet: every reconnect identifies afresh, so
// events sent while disconnected are lost. The session id and last sequence number are
// already tracked across connections, and the reconnect decision is made in one place
// (decide), which is where a resume path would branch.
//
// # Concurrency
//
// Run blocks until its context is done or a fatal close; it may not be called concurrently
// on the same Client. For each connection it starts exactly one helper goroutine, which
// sends heartbeats and, when the context is cancelled, the close frame; Run stops it and
// waits for it before reconnecting or returning. Writes to the socket are serialised by a
// mutex, so there is never more than one writer. When the context is cancelled Run sends a
// close frame with code 1000, closes the socket and returns nil.
//
// # Security
//
// The identify token is never logged or included in errors. Plain ws:// URLs are refused by
// New unless the host is loopback (127.0.0.0/8, ::1, localhost), which keeps tests against
// local fakes possible without letting a token cross a network in clear text.
package gateway
