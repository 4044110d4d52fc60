// Package admin owns luabot's admin listener: one HTTP server on an operator-chosen
// address that other packages mount handlers on (metrics at /metrics, health checks at
// /healthz and /readyz, and later a console at /).
//
// # Model
//
// New checks a Config once. An address that is not loopback is reachable from other
// machines, so it requires Config.Token: every request must then carry
// "Authorization: Bearer TOKEN", compared in constant time; anything else gets 401 and
// the token is never logged, echoed or shown. Refusals are logged at most once every 10 s,
// with the number left out, so that a scanner cannot flood the log. On a loopback address the token is
// optional (with one set, it is required there too).
//
// Handle mounts a handler on the mux before Serve; the mux is net/http's ServeMux, so
// patterns follow its rules ("/" catches what nothing longer matches).
//
// # Concurrency
//
// Serve blocks until its context ends, then shuts the server down gracefully (in-flight
// requests get up to Config.ShutdownTimeout) and returns; whoever calls Serve owns the
// listener and its goroutines. Handle is safe to call before Serve only.
package admin
