// Package openapi is the REST client for the QQ bot platform (QQ频道 / 群 / C2C OpenAPI).
//
// # Model
//
// A [Client] talks to two hosts: the OpenAPI host (BaseURL, production or sandbox) and, in the
// AppSecret flow, the token service (TokenURL). Every REST call goes through [Client.Do], which
// JSON-encodes the request, adds the credentials and the X-Union-Appid header, decodes the JSON
// answer whatever its Content-Type, and turns any non-2xx answer into an [*Error] that carries
// the HTTP status, the platform's business code, its message and the X-Tps-trace-ID header.
// The typed helpers ([Client.Me], [Client.PostMessage] …) are thin: each resource file
// (users.go, guilds.go, messages.go, gateway.go) declares its routes as data and calls Do.
//
// # Credentials
//
// Exactly one of two credentials is configured:
//
//   - Config.Secret (current platform): the client POSTs {"appId","clientSecret"} to
//     {TokenURL}/app/getAppAccessToken, caches the access token and sends
//     "Authorization: QQBot <access_token>". The token is fetched lazily, refetched when it
//     is within 60 s of expiry (half its lifetime for very short lifetimes), and concurrent
//     callers share a single fetch. When a REST call fails with business code 11244 (token
//     expired or not exist) the token is dropped, refetched once and the call retried once.
//   - Config.Token (legacy fixed bot token): "Authorization: Bot <appid>.<token>". No fetch.
//     The platform has disabled this form (code 11245) but fakes and old setups still use it.
//
// [Client.IdentifyToken] returns the same credential in the form the WebSocket gateway wants
// for its Identify frame, so a gateway.Config.Token can simply be client.IdentifyToken.
//
// # Security
//
// Secrets never appear in errors or log lines: error messages copied from server bodies are
// scrubbed of the secret and of the tokens, and nothing logs a header. Plain http:// is
// refused except to loopback hosts (127.0.0.0/8, ::1, localhost) so that tests can use
// httptest servers while production traffic cannot leak credentials in clear text. The client
// never follows redirects, so credentials are only ever sent to the configured hosts.
//
// # Concurrency
//
// A Client is safe for concurrent use by multiple goroutines. It starts no goroutines of its
// own: every request and every token fetch runs on the caller's goroutine, bounded by the
// caller's context and the HTTP client's timeout.
package openapi
