package gateway

import (
	"errors"
	"strconv"
)

// Sentinel errors. Those returned by New are wrapped with detail, so test with errors.Is.
var (
	// ErrInvalidConfig is returned by New when the Config is unusable.
	ErrInvalidConfig = errors.New("gateway: invalid config")

	// ErrInsecureURL is returned by New for a ws:// URL whose host is not loopback.
	ErrInsecureURL = errors.New("gateway: insecure url")

	// ErrRunning is returned by Run when another Run on the same Client has not returned.
	ErrRunning = errors.New("gateway: already running")

	// ErrNilHandler is returned by Run when handle is nil.
	ErrNilHandler = errors.New("gateway: nil handler")

	// ErrSessionHandedOver is what a SessionStore's SaveSession wraps when the session is
	// no longer this Client's to save (another process serves the shard now). The Client
	// drops the unsaved state quietly: it is not a failure, and retrying cannot succeed.
	ErrSessionHandedOver = errors.New("gateway: session handed over")
)

// CloseError is returned by Run when the server closed the connection with a code that a
// reconnect cannot fix: 4004 twice in a row (bad credentials, even with a freshly fetched
// token), 4010–4014 (shard or intents), 4914 (bot offline) or 4915 (bot banned).
type CloseError struct {
	Code   int    // WebSocket close code, e.g. 4014
	Reason string // close reason sent by the server, or a description of Code if it sent none
}

// Error returns e.g. "gateway: closed with code 4014: intents not permitted (the bot is
// not approved for ...)", the fix in brackets where one is known.
func (e *CloseError) Error() string {
	s := "gateway: closed with code " + strconv.Itoa(e.Code)
	if e.Reason != "" {
		s += ": " + e.Reason
	}
	if fix := closeFixes[e.Code]; fix != "" {
		s += " (" + fix + ")"
	}
	return s
}

// closeFixes say what a user can do about a fatal close.
var closeFixes = map[int]string{
	4004: "check the app id and secret or token; a freshly fetched token was refused too",
	4012: "the gateway rejected the API version: report this as a luabot bug",
	4010: "the shard id must be below the shard count",
	4011: "the bot is in too many guilds for one shard: run more shards",
	4013: "the intents are malformed: report this as a luabot bug",
	4014: "the bot is not approved for an event its scripts subscribe to: remove that handler or get the intent approved in the QQ bot console",
	4914: "the bot is offline on the platform; only the sandbox environment works",
	4915: "the bot is banned on the platform",
}

// closeCodes describes the platform's close codes, for logs and for CloseError.Reason when
// the server sends no reason text.
var closeCodes = map[int]string{
	4000: "unknown error",
	4001: "invalid opcode",
	4002: "invalid payload",
	4003: "not authenticated",
	4004: "authentication failed",
	4005: "already authenticated",
	4006: "session no longer valid",
	4007: "invalid seq",
	4008: "sending payloads too fast",
	4009: "session timed out",
	4010: "invalid shard",
	4011: "sharding required",
	4012: "invalid api version",
	4013: "invalid intents",
	4014: "intents not permitted",
	4900: "internal error",
	4902: "reset by resume",
	4903: "create session error",
	4914: "bot is offline (sandbox only)",
	4915: "bot is banned",
}

// fatalCloseCodes are the codes Run gives up on at once: retrying with the same
// configuration would be refused again, and hammering the platform with identifies can get
// a bot limited. 4004 is fatal only the second time in a row (policy.decide).
var fatalCloseCodes = map[int]bool{
	4010: true, 4011: true, 4012: true, 4013: true, 4014: true,
	4914: true, 4915: true,
}
