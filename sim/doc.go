// Package sim is an in-process fake of the QQ bot platform: the token
// service, the REST OpenAPI, the WebSocket gateway and the webhook sender,
// served on one listener (127.0.0.1 with a random port by default). Tests,
// `luabot dev`, `luabot sim` and offline users point clients at it instead
// of bots.qq.com and api.sgroup.qq.com; the official SDKs run against it
// unmodified (sim/conformance runs botgo v0.2.1 against it).
//
// The simulator speaks the wire protocol of docs/protocol.md and
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
// roles, pins, reactions, announcements, mutes, DM sessions, schedules,
// forum threads and who is on a voice channel's mic, and the user side is
// played by Go methods or the control API: Post (a message in a guild
// channel, a DM, a group or a C2C chat), React and Unreact, Click (a
// button), Press (a button of a keyboard the bot sent, as the client
// would: permission checked, a callback dispatched, a command posted),
// AddMember and JoinGuild. Each produces the platform's event:
// AT_MESSAGE_CREATE (a mention; also MESSAGE_CREATE for sessions with the
// private-domain intent, as every message of the channel is) or
// MESSAGE_CREATE,
// DIRECT_MESSAGE_CREATE, GROUP_AT_MESSAGE_CREATE, C2C_MESSAGE_CREATE,
// MESSAGE_REACTION_ADD and _REMOVE, INTERACTION_CREATE, GUILD_MEMBER_ADD,
// GUILD_CREATE; REST changes emit CHANNEL_CREATE/UPDATE/DELETE and
// GUILD_MEMBER_REMOVE. An event has one envelope id, "<T>:<uuid>",
// whichever sessions receive it. World returns a snapshot.
//
// # Endpoints
//
//   - POST /app/getAppAccessToken (TokenURL): the token service of §1.2.
//     expires_in is a string; the same token is returned until 60 s of its
//     life remain, then a new one is minted and the old one stays valid
//     until it expires. Config.TokenTTL sets the lifetime. Failures are
//     HTTP 200 with {code, message}: 100007 for a missing or unknown app
//     id or a request that is not application/json, 100016 for a wrong
//     secret, 100002 for a JSON request that does not decode or a numeric
//     appId.
//   - REST (APIURL), every route of routeTable in rest.go: gateway and
//     gateway/bot; users/@me, paged guilds, DM sessions; guild, channels
//     CRUD, paged members (§11), member kick and mute, roles CRUD, role
//     members, member roles, guild mute, announces, message settings, API
//     permissions, channel permissions; guild messages send, get (wrapped
//     as {"message": …}), list (around/before/after), edit, delete;
//     setting guides in channels and DMs; channel announces; reactions
//     put/delete/list users; pins; DM send and recall; group and C2C send,
//     /files (file_info is padded standard base64), recall; interaction
//     acknowledgement (interactions.go: code, way and latency recorded, a
//     second or a late one refused, a PUT for a webhook-delivered press
//     ignored). Requests need "Authorization: QQBot <access token>"
//     or the legacy "Bot <appid>.<bot token>"; every response carries
//     X-Tps-trace-ID and, for JSON, exactly "Content-Type: application/json".
//     Errors use the §8.2 body {message, code, err_code, trace_id}.
//   - Guild and DM sends take JSON or multipart/form-data with a
//     file_image part (other fields as form values, object fields
//     JSON-encoded); the message gets an attachment with a made-up image
//     URL, the file's name, type, size and, for PNG/JPEG/GIF, dimensions.
//     PATCH edits the bot's own markdown/keyboard message: given markdown
//     or keyboard replace, absent ones stay, edited_timestamp is set, no
//     event is sent. Setting guides are stored and recorded as bot
//     messages (SentMessage.SettingGuide) and use no quota. Channel
//     announces share the guild's single announcement with the guild
//     route; DELETE …/all clears it only if it belongs to that channel.
//   - Voice, schedule and forum channels (rest_voice.go, rest_schedules.go,
//     rest_forums.go). Each endpoint serves one channel type; another type
//     is 400/12002, an unknown channel 404/10003. Voice (type 2): presence
//     is a list of users per channel. The bot is in it while on the mic
//     (PUT/DELETE /mic answer {} and dispatch AUDIO_ON_MIC/AUDIO_OFF_MIC
//     when the state changes); users enter and leave with JoinVoice and
//     LeaveVoice, which dispatch AUDIO_OR_LIVE_CHANNEL_MEMBER_ENTER/EXIT
//     (channel_type 2, or 5 for live channels). voice/members lists the
//     present guild members in order of entry; online_nums counts them, in
//     live channels (10005) too. POST /audio takes status 0–3 (start needs
//     audio_url), answers {}, and dispatches AUDIO_START and, on stop,
//     AUDIO_FINISH; nothing is played and pause/resume change nothing
//     visible. Schedules live in application channels (10006) of the
//     schedule app 1000050 (or with no application id). Create and patch
//     take {"schedule":{…}} with ms timestamps as decimal strings and
//     remind_type "0"–"5" (botpy's reminder_id too); a patch keeps the
//     keys it leaves out. The bot is the creator. The list returns the
//     schedules ending after since (query, or botpy's JSON body; absent or
//     0, which botgo sends for "today", means the start of today in China
//     time), ordered by start. Forum threads (10007): PUT takes title,
//     content and format 1–4 and answers {task_id, create_time}; the
//     thread exists at once, without an audit, and FORUM_THREAD_CREATE is
//     dispatched. Title and content are stored as JSON rich text, a text
//     paragraph per line; format-4 content is kept as sent, HTML and
//     markdown are not rendered. The list is newest first with is_finish
//     1; DELETE answers 204 and dispatches FORUM_THREAD_DELETE. Bad input
//     is 400/12002 (the protocol gives no meanings for the 302xxx/503xxx
//     codes); unknown schedules and threads are 404/404.
//   - The deprecated webhook session API (/gateway/webhook/sessions;
//     rest_webhook_sessions.go) keeps sessions as records: create, list,
//     check (?action=check) and delete round-trip, but nothing is pushed
//     to their callback_url; Config.WebhookURL is how the simulator
//     delivers webhooks.
//   - The gateway (GatewayURL, /websocket): §3–§5, below.
//   - The control API (ControlURL, /sim/…; control.go), no auth: GET world,
//     POST messages, interactions, press, reactions, members, guilds, faults,
//     GET interactions/{id}, GET sent (?since=N&wait_ms=M), GET sessions
//     (?min=N&wait_ms=M: {"connected": count} of READY connections), POST clock
//     ({"advance":"5m1s"}; answers {"now": …}), POST voice ({channel_id,
//     user_id, leave}), GET and POST intents ({"granted": N}: the intents
//     Identify may ask for from now on, 0 for all; SetGrantedIntents).
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
// event one the simulator dispatched to that kind of chat (group and C2C:
// only the events §7.3 names; else 304026), younger than 5 minutes (C2C:
// 60; else 304027). A group or C2C message or event takes at most 5 replies
// (22009) and each msg_seq once (40054005; an absent msg_seq is 1); a
// guild or DM reply that names a msg_seq already used on its message gets
// 40054005 too (one without msg_seq is not checked). Active
// sends have quotas: 20 a day per guild channel (304045), 2 a day per DM
// user (304049), 4 a month per group or C2C user (22009), or none with
// Config.Platform2025 (40034102). With Config.Audit, guild and DM messages
// answer 202 with 304023 (active) or 304024 (reply) and
// data.message_audit.audit_id, followed by MESSAGE_AUDIT_PASS (or
// _REJECT, chosen by the audit_reject fault). Config.MessageDelay delays
// each send on a timer, so concurrent requests overlap. file_image with
// message_reference, malformed form-data and empty or duplicate files are
// 50035; a file over 10 MiB is 304020 (the protocol names the code, not
// the size).
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
// responses as 429 (code 20028) or a 5xx (before the request is handled,
// or with after:true once it has taken effect: a lost answer), the next N
// token-service answers as 429 or a 5xx (an outage of bots.qq.com), dropping every socket (a TCP
// reset, which clients treat as a network error and resume after),
// closing with any code, op 7 then 4009 (RequestReconnect), op 9 then 4006
// with the session forgotten (InvalidateSessions), a zombie connection
// (no_heartbeat_ack, SilenceConnections: the sockets open at that moment
// stay open and are still read, but get nothing more, neither heartbeat
// ACKs nor events, which the session logs for a resume to replay; the
// simulator's own 4009 heartbeat timeout and close frames still work on
// them, and connections opened later are normal), a malformed frame, an
// unknown opcode, an unknown event type, expiring every token, rejecting
// the next audited messages. DropConnections, RequestReconnect,
// InvalidateSessions, SilenceConnections, CloseConnections, WriteFrame and
// DispatchRaw are the same faults as methods.
//
// # Webhook (webhook.go)
//
// With Config.WebhookURL the simulator also delivers every event by HTTP
// callback (§10): first the op-13 validation (the reply's signature over
// event_ts+plain_token is checked), then each event as an op-0 envelope
// with Content-Length, User-Agent QQBot-Callback, X-Bot-Appid,
// X-Signature-Timestamp and X-Signature-Ed25519 (the key derived from the
// AppSecret as in §10.2). Anything but HTTP 200 {"op":12,"d":0} is retried
// with the same body and event id, 5 attempts with a doubling pause. An
// INTERACTION_CREATE is delivered on its own goroutine, since its answer
// waits for the bot's acknowledgement, which it carries: {"op":12,"code":N}.
//
// # Streamed messages (stream.go)
//
// A C2C send with stream {state, index, id} is a piece of one message: the
// first (no id) is checked and counted as a reply, later ones are appended
// to it (SentMessage.Stream counts them), and pieces out of order, after
// state 10, for an unknown stream or outside C2C are 400/12002.
//
// # Keyboards (keyboard.go)
//
// A custom keyboard the platform would not show (over 5 rows or 5 buttons
// a row, no label, an action or permission type outside §7.2, an id used
// twice) is refused with 304040 naming the rule; the bot's messages keep
// their keyboard (group and C2C ones too), which Press reads. With
// Config.NoMarkdown, markdown is refused with 304036 and keyboards with
// 304037, as for a bot without those permissions.
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
// Not modelled: the 5 messages/s per channel limit, GROUP_ADD_ROBOT/
// FRIEND_ADD and other group/C2C lifecycle events, permission bits (every
// member may do everything; edits need no approval), schedule and
// setting-guide rate limits (304052), forum posts and replies, the 4008
// close for a client that sends too fast, the 5-second spacing
// session_start_limit.max_concurrency asks of identifies (reported, not
// enforced), the active-message limits across a guild (2 channels a day)
// and across DMs (200 a day), and MESSAGE_DELETE/PUBLIC_MESSAGE_DELETE
// after a recall. An event_id reply is checked against the event's chat
// kind, not its channel or group. Edits check
// that msg_id/event_id exist, not their reply window; uploaded bytes are
// not checked to be images and attachment URLs serve nothing; JSON image
// URLs produce no attachment; webhook sessions push nothing.
// Timing-dependent rules (reply windows, quotas, token expiry, session
// retention) follow the platform clock, which Advance and POST /sim/clock
// move forward; the heartbeat timeout, other socket deadlines and webhook
// signature timestamps (which the bot checks against its own clock) use
// real time.
//
// Section numbers such as §7.4 refer to docs/protocol.md.
package sim
