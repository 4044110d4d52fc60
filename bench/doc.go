// Package bench measures a bot under a message load, for `luabot bench`.
//
// A run starts the simulator in its own process, then the bot under test in
// another (both are command lines the caller gives, usually the luabot
// binary itself), waits for the bot's gateway session, and plays users
// through the simulator's control API: it posts Events messages, keeping at
// most Window unanswered (or at Rate per second), and follows what the bot
// sends with GET /sim/sent. Every reply is matched to its event by the
// msg_id (or event_id) it answers, so a reply that names no event, a
// second reply to one event and an event nobody answered are each counted
// and reported, not folded into the figures.
//
// The figures are those a bot author can act on: replies per second over
// the load, event→reply latency (p50, p99, max: from just before the
// control API was asked to post to the moment the reply was seen, so they
// include the simulator's own work), the bot process's CPU time per reply
// (utime+stime from /proc/PID/stat, measured over the load only, after a
// warm-up event) and its peak RSS (VmHWM in /proc/PID/status, over the
// whole life of the process). /proc makes the CPU and memory figures
// Linux-only; elsewhere they are reported as zero.
//
// Before the load, one warm-up event must be answered within ReplyTimeout:
// a bot that never replies, or fails on every event, is told apart from a
// slow one there, with the last error line it logged, instead of producing
// figures. The load ends when every event is answered or when no reply
// arrived for ReplyTimeout.
//
// Handler durations are not reported: the host does not log or expose
// them, so "which handlers were slowest" is left out.
package bench
