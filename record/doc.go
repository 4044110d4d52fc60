// Package record writes and reads recordings of a running bot: every event the host
// routed, with its timing, the payload the scripts saw and what they sent in answer, as
// JSON lines, so that `luabot replay` can feed the same events to a new version of the
// scripts and compare what it sends.
//
// Format (format.go): a header line (format Version, luabot's version, the start time,
// the scripts and their SHA-256), then one "event" line per routed event, written once
// every handler it started has ended so that the line holds its sends, and "send" lines
// for what timer callbacks send (no event caused them). A file opened again is appended
// to: each run starts with its own header. The end of a clean stop is an "end" line with
// the time reached. A newer format Version is refused by older readers.
//
// Redaction (redact.go): unless the writer is raw, user ids are replaced by keyed hashes
// (HMAC-SHA-256 under a random key that lives only in the writer's memory, so hashes
// are stable within one run and cannot be reversed or recomputed from the file), and
// names and message text by one token per word. The same replacement is applied to what
// the scripts send, so a reply that echoes a message carries the tokens the event
// carries: a replay, which hands the scripts the redacted payloads, sends the very same
// tokens. Where a script writes on its own a word that some user also wrote, the
// recording holds the token and the replay the word; Matcher (compare.go) accepts that
// when each token stands for one word throughout the replay.
//
// Writer (writer.go) is owned by one goroutine fed through a bounded queue: a handler
// never waits for the disk, and what a full queue drops is counted and logged. Reader
// (reader.go) reads what it can and reports the file:line where it stopped and why (a
// truncated line, garbage, a newer format).
package record
