// Package kv is luabot's persistent state: one bbolt file, one bucket per
// namespace. A script's own namespace is named after the script; namespaces
// shared between scripts come later (kv.open in the Lua API).
//
// Values are opaque bytes here. The Lua bindings decide the encoding, so this
// package knows nothing about Lua and can be tested and benchmarked alone.
//
// A Store is safe for concurrent use: bbolt serialises writers and lets
// readers run in parallel. Every call is its own transaction for now; the
// "a handler's writes commit when it ends" semantics of the Lua API are built
// on top of Update in a later step.
package kv
