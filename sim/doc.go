// Package sim is an in-process fake of the QQ bot platform: the token
// service, the REST OpenAPI and the WebSocket gateway, served on one
// 127.0.0.1 listener with a random port. Tests and offline users point
// luabot's clients at it instead of bots.qq.com and api.sgroup.qq.com.
//
// The simulator speaks the wire protocol of /work/shared/qq-protocol.md and
// builds every JSON document from its own types (wire.go). It imports no
// QQ client package, so a client passing against it has been checked
// against the protocol description, not against itself.
//
// # Model
//
// New(Config) builds a fixed World: one guild, two text channels
// ("general", "random"), a bot user and three human members (alice, bob,
// carol). Ids are realistic uint64 decimal strings and never change, so
// shard arithmetic and logs are reproducible; message ids, access tokens,
// session ids and trace ids are random.
//
// Start listens and serves:
//
//   - POST /app/getAppAccessToken (TokenURL): the access-token service of
//     §1.2. expires_in is a string; the same token is returned until 60 s
//     of its life remain, then a new one is minted and the old one stays
//     valid until it expires. Failures are HTTP 200 with {code, message}.
//   - REST (APIURL): GET /gateway, /gateway/bot, /users/@me,
//     /users/@me/guilds, /guilds/{id}, /guilds/{id}/channels,
//     /channels/{id} and POST /channels/{id}/messages. Every request needs
//     "Authorization: QQBot <access token>" or the legacy
//     "Bot <appid>.<bot token>"; every response carries X-Tps-trace-ID and,
//     for JSON, exactly "Content-Type: application/json". Errors use the
//     §8.2 body {message, code, err_code, trace_id}.
//   - The gateway (GatewayURL, /websocket): Hello, Identify, READY,
//     heartbeats, Resume and dispatches as in §3–§5.
//
// Post makes a simulated user speak; the message is stored and dispatched
// to matching sessions. The bot's own messages are recorded and can be read
// with Sent and WaitSent; they are not echoed back as events.
//
// # Gateway behaviour
//
// Identify is accepted before the client has read Hello (botgo sends it
// first). It is checked in this order: token ("QQBot <access>", legacy
// "Bot <appid>.<token>" or bare "<appid>.<token>"; else close 4004),
// intents (bits outside §5 and outside the Discord-legacy bits 2–8, 11, 13,
// 14 close with 4013; the legacy bits, and §5 bits missing from
// Config.GrantedIntents, close with 4014: they are recognised but never
// granted), shard ([id, count] with count ≥ 1 and id < count; absent means
// [0, 1]; else 4010). READY then has s=1. Each session numbers its op-0
// frames strictly increasing and gives each the id "<T>:<uuid>".
//
// Heartbeats (op 1, d null or a number) are answered with {"op":11}, also
// before READY. A connection that sends no heartbeat for 1.5× the interval
// is closed with 4009. Malformed frames close with 4002, unknown opcodes
// with 4001, a second Identify or Resume with 4005. Close frames carry a
// reason text.
//
// Sessions survive their connection for five minutes and keep logging
// events meanwhile. Resume (op 6, token with or without "QQBot ") replays
// every event after seq and sends RESUMED; an unknown session gets
// {"op":9,"d":false} and close 4006, a seq the session cannot serve gets
// op 9 and 4007. DropConnections cuts every socket without a close frame;
// RequestReconnect sends op 7 and closes with 4009.
//
// An event goes to every session that identified with its intent and whose
// shard owns the guild, (guild_id >> 22) % count. A mention of the bot is
// AT_MESSAGE_CREATE (intent 1<<30) only; other messages are MESSAGE_CREATE
// (intent 1<<9) only.
//
// # Messages
//
// POST /channels/{id}/messages takes a JSON MessageToCreate; multipart is
// refused with 400/50035. Unknown keys are ignored and null counts as
// absent. It needs content, embed, ark, image or markdown (else 50006). A
// msg_id must name a user message of the same channel (else 304026), not
// the bot's own (50045), at most five minutes old (304027); an event_id
// must name an event the simulator dispatched at most five minutes ago
// (else 304026 or 304027). Config.MessageDelay delays each answer on a
// timer, so concurrent requests overlap.
//
// Where the protocol names no code, the simulator picks one: an unknown
// route is 404 with code 404, a wrong method 405 with code 405, a malformed
// request 400 with 12002 ("request invalid"). An X-Union-Appid header that
// differs from the app id is refused with 401 and 11251 ("wrong appid"):
// the platform's behaviour is undocumented, and a mismatch is a client bug.
//
// # Concurrency
//
// All methods are safe for concurrent use. The server owns its goroutines:
// the accept loop started by Start, and one handler per HTTP request or
// gateway connection, all tracked by a WaitGroup that Close waits on after
// closing the listener and every connection. Post writes to connected
// sessions before it returns, so a client that reads its socket after Post
// returned sees the event before anything written later. WaitSent and
// WaitSessions block on change notifications, not on polling.
//
// # Caveats
//
// The world is static: there are no REST endpoints to create channels or
// members, no DMs, groups, C2C, reactions or webhooks yet, and only one
// shard is advertised. Rate limits and message audit are not modelled.
package sim
