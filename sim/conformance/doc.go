// Package conformance proves the simulator's fidelity by running the
// official Go SDK, github.com/tencent-connect/botgo v0.2.1, against it
// unmodified: botgo's domains are package variables pointed at the
// simulator, and everything else is the SDK's own code path (token source,
// resty REST client, gorilla gateway client, local session manager).
//
// It is a separate module so that the product's go.mod stays free of
// botgo. Run it from this directory with `go test ./...`.
//
// After the gateway steps, the same test runs a REST round-trip per
// resource through botgo's OpenAPI client (rest_test.go): voice members,
// mic and audio, schedules, channel announcements, setting guides, message
// edits, the deprecated webhook sessions, guilds, channels, members,
// roles, reactions, pins and DMs. Each checks what botgo decoded and what
// changed in the simulator (its world, Sent, Message or a follow-up GET);
// audio and forum events are checked as botgo's typed handlers receive
// them. botgo v0.2.1 has no forum-thread methods, so threads go through
// its Transport pass-through.
//
// botgo keeps its state in package variables (domains, handlers, session
// manager) and its session manager cannot be stopped, so the whole scenario
// is one test that shares one simulator and one bot, step by step. botgo's
// goroutines outlive the test and end with the test binary. The tests are
// not run with -race: botgo v0.2.1 itself writes session.LastSeq from its
// handler goroutine and reads it from its listener goroutine without
// synchronisation, which the race detector reports regardless of the
// simulator.
package conformance
