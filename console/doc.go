// Package console is luabot's web console: one page, embedded in the
// binary (web/), that shows a running bot and lets a developer chat with it.
//
// Views: an overview (each shard's gateway state and last decision, events,
// replies and errors per second as small charts), the scripts (state,
// version, last load result with file:line, handlers, commands, p50/p99
// handler time, memory estimate, recent errors; a reload button), the live
// log filtered by script and level, a kv browser (a namespace by prefix,
// values as pretty JSON or, when not JSON, as text) and a chat sandbox on
// the simulator (every scene, any simulated user, replies rendered with
// their markdown, embeds, images and keyboards; buttons press, messages
// take reactions, members join).
//
// The page talks to a JSON API under /api/ and gets live updates from one
// server-sent-events stream, /api/events. The console reads the bot
// through small interfaces declared here (Scripts, Store, Gateway,
// Platform), so host, kv and sim know nothing of it; any of them may be
// absent and its view says so.
//
// Logs reach the console through a LogHub: Tee wraps the process's slog
// handler and copies each record to the hub, which hands it to every open
// page through a bounded buffer. A page that does not keep up loses lines
// (counted and shown), never slows the logger, so many open tabs cannot
// slow the bot. A closed page ends its stream: nothing of it stays behind.
//
// The console has no authentication of its own: it is served on loopback
// (or behind a listener that checks a token). It refuses requests whose
// Host is not an address or localhost (DNS rebinding; Config.AnyHost lifts
// that behind a token) and state-changing
// requests from another origin or without a JSON body, so a web page the
// developer visits cannot drive it.
package console
