// Package kv is luabot's persistent state: one bbolt file, one bucket per
// namespace. A script's own namespace is named after the script, a shared
// one (kv.open in the Lua API) is "shared/NAME", and the gateway keeps its
// sessions and dedup window in "/gateway".
//
// Values are opaque bytes here. The Lua bindings decide the encoding and
// when writes commit (a handler's kv.set calls together when it ends,
// kv.incr and kv.update at once), so this package knows nothing about Lua
// and can be tested and benchmarked alone. docs/storage.md describes the
// whole model.
//
// A Store is safe for concurrent use: bbolt serialises writers and lets
// readers run in parallel. Every method is one transaction; Commit applies
// several writes (and read-modify-write steps) in one.
//
// bbolt trusts its file and panics on a damaged page; every call into it
// here turns that into a *DamagedError instead (damage.go), and Open reads
// the whole file once so that damage shows at start-up. WriteBackup and
// Check serve `luabot backup` and `luabot kv check`.
//
// Config.Observer hears of every write transaction with its time and error,
// for metrics.
// Package kvredis keeps the same namespaces on a Redis server shared by
// several processes, with the same contract; package kvtest is the
// conformance suite both pass.
package kv
