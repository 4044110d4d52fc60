// Package openapi is the REST client for the QQ bot platform (QQ频道 / 群 / C2C OpenAPI).
//
// # Model
//
// A [Client] talks to two hosts: the OpenAPI host (BaseURL, production or sandbox) and, in the
// AppSecret flow, the token service (TokenURL). Every REST call goes through [Client.Do], which
// encodes the request (JSON, or multipart/form-data for a *[Form]), adds the credentials and
// the X-Union-Appid header, decodes the JSON answer whatever its Content-Type, and turns any
// non-2xx answer into an [*Error] carrying the HTTP status, the business code (err_code, else
// code), the message, the X-Tps-trace-ID and a [Error.Hint] for the common codes.
//
// The typed helpers are thin: each resource file declares its routes as data (a method and a
// path template) and calls Do — users.go, guilds.go, channels.go, members.go, roles.go,
// permissions.go, messages.go, dms.go, groups.go (group and C2C), media.go (uploads),
// reactions.go, pins.go, announces.go, schedules.go, audio.go, forums.go, interactions.go,
// webhook.go (the deprecated session API) and gateway.go: every endpoint of the protocol's
// endpoint table. Listings follow §11: [Client.Members] and [Client.MeGuilds] return one page,
// [Client.AllMembers] and [Client.AllGuilds] iterate over every page (skipping the repeats the
// platform may send).
//
// # Answers that are not plain successes
//
//   - 201/202 with code 304023/304024 means "accepted, held for audit". It is not a failure:
//     send helpers return a [SentMessage] with Audit set (audit id, code, message), and a
//     caller of Do recognises the body with [AuditOf]. Other 201/202 bodies with a code are
//     *Error.
//   - 429 and 5xx are retried with jittered exponential backoff (Config.MaxRetries, default 3,
//     first wait Config.RetryBackoff, 500 ms), never beyond the context's deadline. 429 is
//     answered before processing, so every request repeats after it. After a 5xx or a
//     transport failure the request may have been processed, so only what is safe to repeat
//     repeats (resend.go): GET, PUT and DELETE; passive replies (msg_id or event_id, and
//     msg_seq), which repeat with the same body because the platform accepts each msg_seq
//     once and answers a repeat with 40054005, which then means the earlier attempt got
//     through and counts as success (SentMessage.Deduplicated); and any request that never
//     left (connection refused, DNS failure, dial error). Active sends and other POSTs
//     are not repeated after a 5xx. After a 429 the route (method and
//     path) is held until the backoff has passed and then spaced one request per
//     Config.RouteInterval (200 ms) for 10 s, so a burst that hit the limit is serialised
//     instead of tripping it again; Config.RouteBurst adds a standing per-route limit.
//   - Code 11244 (token expired) drops the token, refetches it and repeats the call once.
//
// # Messages, uploads and passive replies
//
// A [Target] names where a message goes (scene and id); [SendMessage] posts a body map there,
// choosing the route per scene. Local files go to guild channels and DMs as multipart field
// file_image; for groups and C2C a file (base64 file_data) or an image URL is first uploaded
// through /files and sent as media (msg_type 7). Files over [MaxUploadSize] are refused before
// anything is sent.
//
// [Replier] is the passive-reply engine behind the Lua ev:reply. Given a [Source] (scene, where
// to answer, msg_id or event_id, when the source was created) it picks the route, sets
// msg_id/event_id, numbers msg_seq per source message and enforces §7.4: the window (5 min;
// 60 min for C2C) and the 5-reply cap for group and C2C messages. A reply the platform would
// refuse is returned as a *[ReplyError] (ErrReplyExpired, ErrReplyLimit, ErrReplyTarget) with
// a hint. [Replier.Prepare] and [Reply.Done] split the work so a caller can send on another
// goroutine; [Client.Replier] is one engine shared by everything using the client.
//
// # Credentials
//
// Exactly one of two credentials is configured:
//
//   - Config.Secret (current platform): the client POSTs {"appId","clientSecret"} to
//     {TokenURL}/app/getAppAccessToken (expires_in read as a string or a number; an HTTP-200
//     body with a non-zero code becomes an *Error with that code and message), caches the
//     access token and sends "Authorization: QQBot <access_token>". The token is refetched
//     when it enters its last 60 s (half its lifetime for very short lifetimes); concurrent
//     callers share a single fetch. If a refresh fails while the old token is still valid, the
//     old token keeps serving and the fetch is retried after a backoff.
//   - Config.Token (legacy fixed bot token): "Authorization: Bot <appid>.<token>". No fetch.
//     The platform has disabled this form (code 11245) but fakes and old setups still use it.
//
// [Client.IdentifyToken] returns the same credential in the form the WebSocket gateway wants
// for its Identify frame, so a gateway.Config.Token can simply be client.IdentifyToken.
//
// # Security
//
// Secrets never appear in errors or log lines: error messages and trace ids copied from
// server bodies are scrubbed of the secret and of the tokens, and nothing logs a header. Plain
// http:// is refused except to loopback hosts (127.0.0.0/8, ::1, localhost) so that tests can
// use httptest servers while production traffic cannot leak credentials in clear text; TLS is
// always verified (the client never disables verification). The client never follows
// redirects, so credentials are only ever sent to the configured hosts.
//
// # Concurrency
//
// A Client is safe for concurrent use by multiple goroutines. It starts no goroutines of its
// own: every request, retry wait and on-demand token fetch runs on the caller's goroutine,
// bounded by the caller's context and the HTTP client's timeout. The optional background
// token refresher runs inside [Client.Run], on the goroutine of whoever calls it, and stops
// when Run's context ends; its owner (the host) starts it next to the gateway and waits for
// it. Without Run, tokens are fetched on demand.
//
// Config.Observer (observer.go) hears of every exchange and retry by route template:
// RouteOf (routeof.go) maps a path back to the declared Route it was built from, so ids
// never reach a metric label. knownRoutes lists the declarations; a test keeps it whole.
// An Observer that is also a CallObserver hears each call once more, with its caller's
// context, path and encoded body (a recording of what scripts send).
//
// Section numbers such as §7.4 refer to docs/protocol.md.
package openapi
