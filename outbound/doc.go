// Package outbound is the HTTP client scripts reach the outside world
// through (the Lua http module). Scripts may be someone else's code, so the
// client is safe by default:
//
//   - HTTPS only, with verified TLS; plain http only to loopback, and
//     loopback at all only when the operator allows it (AllowLoopback).
//   - A script reaches only the hosts it was granted (Grant); redirects are
//     followed at most MaxRedirects times and only to granted hosts.
//   - Every address the client connects to is checked after DNS resolution,
//     in the dialer's Control function, so a granted name that resolves to
//     a private, link-local, loopback or metadata address is refused, on the
//     first request, on every redirect, and after a DNS change.
//   - Each request has a timeout, each response a size cap, and each script
//     a cap on requests in flight and a rate limit.
//
// The package knows nothing of Lua: bindings turns a Response into Lua
// values.
package outbound
