// Package dispatch holds what the QQ platform pushes, independent of how it
// arrives: an [Event] (one op 0 dispatch, from the WebSocket gateway or a
// webhook callback) and the [Intent] bits that decide which dispatch types
// the platform sends.
//
// It is its own package so that the code that consumes events (the Lua
// bindings, the host) needs neither the gateway client nor the webhook
// receiver that produce them. gateway re-exports these names, so code that
// already speaks gateway.Event keeps working.
//
// The event types and intent bits are the platform's; docs/protocol.md lists
// them with their sources.
package dispatch
