// Package metrics owns luabot's Prometheus registry and is the one package that
// imports the Prometheus client. It implements the observer interfaces the other
// packages declare where they are consumed (host.Observer, transport.Observer and
// through it gateway.Observer, openapi.Observer, kv.Observer), and reads the rest at
// scrape time from what the host and the transport already keep (script memory
// estimates and timers, shard states, the dedup count), so nothing is tracked twice.
//
// # Labels
//
// Every label value comes from a bounded set: script names (the files loaded), event
// types the platform defines (anything else is "other"), shard ids, REST route
// templates (openapi.RouteOf: never a path with ids in it), outcomes and status
// classes. No user id, message id or free text becomes a label, so the number of
// series does not grow with traffic.
//
// # Cost
//
// Counters are looked up by label once and cached (per script version for handler
// metrics, in a map for events by shard and type), so the per-event cost is an atomic
// add and, for handler durations, a histogram observation.
//
// All methods are safe for concurrent use.
package metrics
