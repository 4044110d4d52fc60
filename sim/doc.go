// Package sim is an in-process fake of the QQ bot platform: the token
// service, the REST OpenAPI, the WebSocket gateway and the webhook sender,
// served on one listener (127.0.0.1 with a random port by default). Tests,
// `luabot dev`, `luabot sim` and offline users point clients at it instead
// of bots.qq.com and api.sgroup.qq.com; the official SDKs run against it
// unmodified (sim/conformance runs botgo v0.2.1 against it).
//
// The simulator speaks the wire protocol of /work/shared/qq-protocol.md and
// builds every JSON document from its own types (wire.go). It imports no
// QQ client package, so a client passing against it has been checked
// against the protocol description, not against itself.
//
// # Model
//
// New(Config) builds a world (world.go): the bot, three human users (alice,
// bob, carol), the guild "luabot sandbox" owned by alice with the text
// channels "general" and "random" and the default roles 1, 2, 4 and 5, and
// one group chat with the three users. Seed ids are fixed uint64 decimal
// strings, so shard arithmetic and logs are reproducible; ids minted at run
// time count up from 9100000000000000001; message ids, tokens, session ids
// and trace ids are random. Every user has a 32-hex OpenID derived from
// its id, used in group and C2C chats.
//
// The world is live: REST calls create and change channels, roles, member
// roles, pins, reactions, announcements, mutes and DM sessions, and the
// user side is played by Go methods or the control API: Post (a message in
// a guild channel, a DM, a group or a C2C chat), React, Click (a button),
// AddMember and JoinGuild. Each produces the platform's event: AT_MESSAGE_
// CREATE or MESSAGE_CREATE (depending on the mention), DIRECT_MESSAGE_
// CREATE, GROUP_AT_MESSAGE_CREATE, C2C_MESSAGE_CREATE, MESSAGE_REACTION_ADD,
// INTERACTION_CREATE, GUILD_MEMBER_ADD, GUILD_CREATE; REST changes emit
// CHANNEL_CREATE/UPDATE/DELETE and GUILD_MEMBER_REMOVE. An event has one
// envelope id, "<T>:<uuid>", whichever sessions receive it. World returns
// a snapshot.
//
// # Endpoints
//
//   - POST /app/getAppAccessToken (TokenURL): the token service of §1.2.
//     expires_in is a string; the same token is returned until 60 s of its
//     life remain, then a new one is minted and the old one stays valid
//     until it expires. Config.TokenTTL sets the lifetime. Failures are
//     HTTP 200 with {code, message} (100007, 100002).
//   - REST (APIURL), every route of routeTable in rest.go: gateway and
//     gateway/bot; users/@me, paged guilds, DM sessions; guild, channels
//     CRUD, paged members (§11), member kick and mute, roles CRUD, role
//     members, member roles, guild mute, announces, message settings, API
//     permissions, channel permissions; guild messages send, get (wrapped
//     as {"message": …}), list (around/before/after), delete; reactions
//     put/delete/list users; pins; DM send and recall; group and C2C send,
//     /files (file_info is padded standard base64), recall; interaction
//     acknowledgement. Requests need "Authorization: QQBot <access token>"
//     or the legacy "Bot <appid>.<bot token>"; every response carries
//     X-Tps-trace-ID and, for JSON, exactly "Content-Type: application/json".
//     Errors use the §8.2 body {message, code, err_code, trace_id}.
//   - The gateway (GatewayURL, /websocket): §3–§5, below.
//   - The control API (ControlURL, /sim/…; control.go), no auth: GET world,
//     POST messages, interactions, reactions, members, guilds, faults,
//     GET interactions/{id}, GET sent (?since=N&wait_ms=M).
//
// Unknown JSON keys are ignored and null counts as absent everywhere. A
// body over 1 MiB is answered with 413 and the error body. Where the
// protocol names no code, the simulator picks one: an unknown route or
// object is 404 with code 404, a wrong method 405/405, a malformed request
// 400 with 12002 ("request invalid"). An X-Union-Appid header that differs
// from the app id is refused with 401 and 11251 ("wrong appid").
//
// # Delivery rules (delivery.go)
//
// A send with msg_id or event_id is passive: the message must be a user
// message of the same chat (else 304026; the bot's own is 50045) and the
// event one the simulator dispatched, younger than 5 minutes (C2C: 60;
// else 304027). A group or C2C message or event takes at most 5 replies
// (22009) and each msg_seq once (40054005; an absent msg_seq is 1). Active
// sends have quotas: 20 a day per guild channel (304045), 2 a day per DM
// user (304049), 4 a month per group or C2C user (22009), or none with
// Config.Platform2025 (40034102). With Config.Audit, guild and DM messages
// answer 202 with 304023 (active) or 304024 (reply) and
// data.message_audit.audit_id, followed by MESSAGE_AUDIT_PASS (or
// _REJECT, chosen by the audit_reject fault). Config.MessageDelay delays
// each send on a timer, so concurrent requests overlap. multipart bodies
// are refused with 50035.
//
// # Gateway behaviour
//
// Identify is accepted before the client has read Hello (botgo sends it
// first). It is checked in this order: token ("QQBot <access>", legacy
// "Bot <appid>.<token>" or bare "<appid>.<token>", the legacy forms not
// with Config.Platform2025; else close 4004), intents (bits outside §5 and
// outside the Discord-legacy bits 2–8, 11, 13, 14 close with 4013; the
// legacy bits, and §5 bits missing from Config.GrantedIntents, close with
// 4014), shard ([id, count] with count ≥ 1 and id < count; absent means
// [0, 1]; else 4010), then session_start_limit (counted down per identify;
// exhausted: op 9 and 4903). READY has s=1 and echoes the shard. Each
// session numbers its op-0 frames strictly increasing.
//
// Heartbeats (op 1, d null or a number) are answered with {"op":11}, also
// before READY. A connection that sends no heartbeat for 1.5× the interval
// is closed with 4009. A frame that is not JSON or has no op closes with
// 4002, an opcode clients may not send with 4001, a second Identify or
// Resume with 4005. Close frames carry a reason text.
//
// Sessions survive their connection for five minutes and keep logging
// events meanwhile. Resume (op 6, token with or without "QQBot ") replays
// every event after seq and sends RESUMED; an unknown session gets
// {"op":9,"d":false} and close 4006, a seq the session cannot serve op 9
// and 4007.
//
// An event goes to every session that identified with its intent and whose
// shard owns the guild, (guild_id >> 22) % count; group and C2C events go
// to shard 0. Config.Shards is the count /gateway/bot recommends, and
// several shards may be connected at once. JoinGuild steps guild ids by
// 1<<22, so consecutive guilds land on different shards.
//
// # Fault injection (faults.go)
//
// Inject(Fault) and POST /sim/faults apply: REST latency, the next N REST
// responses as 429 (code 20028) or a 5xx, dropping every socket (a TCP
// reset, which clients treat as a network error and resume after),
// closing with any code, op 7 then 4009 (RequestReconnect), op 9 then 4006
// with the session forgotten (InvalidateSessions), a malformed frame, an
// unknown opcode, an unknown event type, expiring every token, rejecting
// the next audited messages. DropConnections, RequestReconnect,
// InvalidateSessions, CloseConnections, WriteFrame and DispatchRaw are the
// same faults as methods.
//
// # Webhook (webhook.go)
//
// With Config.WebhookURL the simulator also delivers every event by HTTP
// callback (§10): first the op-13 validation (the reply's signature over
// event_ts+plain_token is checked), then each event as an op-0 envelope
// with Content-Length, User-Agent QQBot-Callback, X-Bot-Appid,
// X-Signature-Timestamp and X-Signature-Ed25519 (the key derived from the
// AppSecret as in §10.2). Anything but HTTP 200 {"op":12,"d":0} is retried
// with the same body and event id, 5 attempts with a doubling pause.
//
// # Concurrency
//
// All methods are safe for concurrent use. The world, messages and quotas
// are guarded by Server.mu; a session orders its own frames with its own
// mutex (session.go documents the lock order). The server owns its
// goroutines: the accept loop and the webhook sender started by Start, and
// one handler per HTTP request or gateway connection, all tracked by a
// WaitGroup that Close waits on after closing the listener and every
// connection. Post and the other user actions write to connected sessions
// before they return, so a client that reads its socket after Post
// returned sees the event before anything written later. WaitSent and
// WaitSessions block on change notifications, not on polling.
//
// # Caveats
//
// Not modelled: the 5 messages/s per channel limit, forum threads,
// schedules, audio, message editing, GROUP_ADD_ROBOT/FRIEND_ADD and other
// group/C2C lifecycle events, multipart uploads, permission bits (every
// member may do everything), and the deprecated webhook session API.
// Timing-dependent rules (reply windows, quotas, token expiry, session
// retention) follow the settable platform clock; the heartbeat timeout
// uses real time.
package sim
