// Package kvredis is the kv store on a Redis server, for several luabot
// processes serving one bot: the same contract as package kv's bbolt file
// (namespaces of opaque values, ordered scans, Commit applying a list of
// writes all or none, per-namespace quotas), so the Lua bindings, the
// host's handled-event records and the gateway's sessions run unchanged on
// either.
//
// Layout, every key under Config.Prefix (one bot's prefix, so bots can
// share a server):
//
//	kv:NS  hash   key -> value            the namespace's values
//	kz:NS  zset   key, score 0            the same keys, for scans in byte order
//	ku:NS  hash   b -> bytes, k -> keys   the namespace's usage (quota.go)
//
// Ordered scans use the sorted set (ZRANGEBYLEX compares bytes as bbolt
// does) rather than SCAN and a sort per page: SCAN has no order, so a page
// in order would need every key of the namespace read and sorted each time.
//
// Commit is optimistic, key by key: read the current values of the keys it
// touches, run the ops' Apply functions in Go, then hand the result to a
// server-side script (commitScript) that, atomically, checks that each of
// those keys still holds what was read, checks the quotas against the
// usage on the server, and writes everything or nothing. When another
// client changed one of the keys meanwhile the whole commit runs again (at
// most maxAttempts times, the bound the Lua kv.update uses). Apply
// functions are Go closures (counters, kv.update's compare, the
// handled-event records), which the server cannot run; checking key by key
// rather than WATCHing whole namespaces means that writers of different
// keys (every process recording its handled events in one namespace) never
// make each other retry.
//
// Expiry stays inside the value, as in the bbolt file (the Lua bindings
// write it and treat an expired value as absent). Redis's own expiry is not
// used: it would drop a key without updating its namespace's usage and
// sorted set.
//
// Every call has a deadline (Config.Timeout), so an unreachable server
// makes a call fail, never hang.
package kvredis
