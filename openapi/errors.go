package openapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/luabot/luabot/internal/jsonscan"
)

// Sentinel errors. Each is wrapped with detail, so test with errors.Is.
var (
	// ErrInvalidConfig is returned by New when the Config is unusable (missing AppID,
	// both or neither of Secret/Token, malformed URL).
	ErrInvalidConfig = errors.New("openapi: invalid config")

	// ErrInsecureURL is returned by New when BaseURL or TokenURL uses plain http:// to a
	// host that is not loopback.
	ErrInsecureURL = errors.New("openapi: insecure url")

	// ErrInvalidRequest is returned by Do and the typed helpers before anything is sent
	// when the arguments cannot form a request (bad path, empty id, bad pager).
	ErrInvalidRequest = errors.New("openapi: invalid request")

	// ErrReplyExpired is wrapped by the *ReplyError a [Replier] returns when the
	// passive-reply window of the source message has passed (5 min; 60 min for
	// C2C): the platform would refuse the reply with 304027.
	ErrReplyExpired = errors.New("openapi: reply window passed")

	// ErrReplyLimit is wrapped by the *ReplyError a [Replier] returns when a
	// group or C2C message already had its 5 passive replies.
	ErrReplyLimit = errors.New("openapi: reply limit reached")

	// ErrReplyTarget is wrapped by the *ReplyError a [Replier] returns when the
	// source names no place to answer in (no channel, group or user id).
	ErrReplyTarget = errors.New("openapi: nothing to reply to")

	// ErrTooLarge is returned before anything is sent when an upload exceeds
	// [MaxUploadSize].
	ErrTooLarge = errors.New("openapi: file too large")
)

// Business codes the client itself reacts to.
const (
	// CodeTokenExpired is "token expired or not exist"; the client refetches the access
	// token and retries the call once when it sees it.
	CodeTokenExpired = 11244
	// CodeAuditPush is "active message accepted, pending audit" (201/202 body).
	CodeAuditPush = 304023
	// CodeAuditReply is "reply accepted, pending audit" (201/202 body).
	CodeAuditReply = 304024
	// CodeReplyExpired is "reply msg expired", which a [Replier] predicts locally.
	CodeReplyExpired = 304027
	// CodeLegacyTokenDisabled is the platform refusing the legacy "Bot" token form.
	CodeLegacyTokenDisabled = 11245
	// CodeIPNotAllowed and ErrCodeIPNotAllowed are the production platform refusing a
	// machine missing from the bot's IP allow-list (401; Error.Code holds the err_code).
	CodeIPNotAllowed    = 11298
	ErrCodeIPNotAllowed = 40023002

	// Token-service codes (answered with HTTP 200).

	// CodeTokenInternal is the token service's "internal err".
	CodeTokenInternal = 100002
	// CodeAppIDInvalid is the token service not knowing the app id.
	CodeAppIDInvalid = 100007
	// CodeSecretInvalid is the token service refusing the app id and secret pair.
	CodeSecretInvalid = 100016
)

// Transient reports whether a failed call may succeed if made again later, unchanged:
// the platform was busy or down (429, 5xx, the token service's internal error 100002) or
// the network failed (timeout, connection refused or reset, name not resolved). Refused
// credentials, other 4xx answers and requests refused before sending are not transient:
// waiting does not change them. A context's own cancellation is the caller's to check.
func Transient(err error) bool {
	if err == nil {
		return false
	}
	var apiErr *Error
	if errors.As(err, &apiErr) {
		return apiErr.Status == 429 || apiErr.Status >= 500 || apiErr.Code == CodeTokenInternal
	}
	var replyErr *ReplyError
	switch {
	case errors.As(err, &replyErr), errors.Is(err, ErrInvalidConfig), errors.Is(err, ErrInsecureURL),
		errors.Is(err, ErrInvalidRequest), errors.Is(err, ErrTooLarge):
		return false
	}
	// Anything else failed on the way: transport, an unreadable answer.
	return true
}

// Error is a failure reported by the platform: a non-2xx REST answer, a 201/202 answer whose
// body carries a business code (e.g. 304023 "pending audit"), or a token-service answer with a
// non-zero code (those come with HTTP 200, so Status is 200).
//
// Its text never contains credentials: Message is scrubbed of the secret and tokens before
// the Error is built.
type Error struct {
	Status  int    // HTTP status
	Code    int    // business code: err_code, else code; 0 when the body had none
	Message string // the body's message, or a one-line excerpt of a non-JSON body
	TraceID string // X-Tps-trace-ID response header (or the body's trace_id)

	// Data is the body's "data" member when present.
	Data json.RawMessage

	// Attempts is how many times the request was sent before this answer
	// (1 when it was not retried).
	Attempts int

	retryAfter time.Duration // from a Retry-After header; 0 when absent
}

// Error returns one line such as
// `openapi: 401 code 11244: token expired or not exist (trace 4f1c…)`.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("openapi: ")
	b.WriteString(strconv.Itoa(e.Status))
	if e.Code != 0 {
		b.WriteString(" code ")
		b.WriteString(strconv.Itoa(e.Code))
	}
	if e.Message != "" {
		b.WriteString(": ")
		b.WriteString(e.Message)
	}
	if e.TraceID != "" {
		b.WriteString(" (trace ")
		b.WriteString(e.TraceID)
		b.WriteString(")")
	}
	return b.String()
}

// Is makes errors.Is(err, &Error{Code: 11244}) (or &Error{Status: 429}) match an *Error
// with the same non-zero Code and/or Status. Message and TraceID are ignored.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	if !ok || (t.Code == 0 && t.Status == 0) {
		return false
	}
	return (t.Code == 0 || t.Code == e.Code) && (t.Status == 0 || t.Status == e.Status)
}

// errorBody is the platform's error shape (§8.2). code/err_code are parsed leniently
// because the token service and the REST API are not consistent about number vs string.
type errorBody struct {
	Message string          `json:"message"`
	Code    lenientInt      `json:"code"`
	ErrCode lenientInt      `json:"err_code"`
	TraceID string          `json:"trace_id"`
	Data    json.RawMessage `json:"data"`
}

// businessCode prefers err_code: code is documented as being deprecated.
func (b errorBody) businessCode() int {
	if b.ErrCode != 0 {
		return int(b.ErrCode)
	}
	return int(b.Code)
}

// lenientInt decodes a JSON number or a string holding one; null, "" and anything
// unparsable decode to 0 so that an odd field never hides the rest of an error body.
type lenientInt int64

func (n *lenientInt) UnmarshalJSON(b []byte) error {
	s := strings.TrimSpace(string(b))
	s = strings.Trim(s, `"`)
	if s == "" || s == "null" {
		*n = 0
		return nil
	}
	if v, err := strconv.ParseInt(s, 10, 64); err == nil {
		*n = lenientInt(v)
		return nil
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil || isRange(err) {
		*n = saturate(f)
		return nil
	}
	*n = 0
	return nil
}

// oneLine turns server-provided text into a single line of bounded length, so an error
// string stays one log line whatever the server sent.
func oneLine(s string, limit int) string {
	s = strings.Map(func(r rune) rune {
		if r < ' ' || r == 0x7f {
			return ' '
		}
		return r
	}, s)
	s = strings.TrimSpace(s)
	if len(s) > limit {
		cut := limit
		for cut > 0 && !utf8Start(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	return s
}

func utf8Start(b byte) bool { return b&0xC0 != 0x80 }

// Audit is the result of a send the platform accepted but holds for review:
// a 201/202 answer with code 304023 (active message) or 304024 (reply). It is
// not a failure: the message appears, or not, once the audit ends, announced
// by a MESSAGE_AUDIT_PASS or MESSAGE_AUDIT_REJECT event with the same AuditID.
type Audit struct {
	ID      string // data.message_audit.audit_id
	Code    int    // 304023 or 304024
	Message string // the platform's text
	TraceID string
}

// auditBody is the shape of a pending-audit answer.
type auditBody struct {
	Code    lenientInt `json:"code"`
	ErrCode lenientInt `json:"err_code"`
	Message string     `json:"message"`
	Data    struct {
		MessageAudit struct {
			AuditID string `json:"audit_id"`
		} `json:"message_audit"`
	} `json:"data"`
}

// AuditOf reports whether a successful answer's body is a pending-audit
// result (code 304023/304024) and returns it. Callers of [Client.Do] that
// decode into raw JSON use it to tell "held for audit" from "sent".
func AuditOf(body []byte) (*Audit, bool) {
	if !hasCodeField(body) {
		return nil, false
	}
	var b auditBody
	if json.Unmarshal(body, &b) != nil {
		return nil, false
	}
	code := int(b.ErrCode)
	if code == 0 {
		code = int(b.Code)
	}
	if code != CodeAuditPush && code != CodeAuditReply {
		return nil, false
	}
	return &Audit{ID: b.Data.MessageAudit.AuditID, Code: code, Message: oneLine(b.Message, maxMessage)}, true
}

// ReplyError is returned by a [Replier] instead of sending a passive reply the
// platform would refuse. It wraps ErrReplyExpired, ErrReplyLimit or
// ErrReplyTarget; Hint says what to do instead.
type ReplyError struct {
	Reason error  // one of the ErrReply* sentinels
	Detail string // what was wrong with this reply
}

func (e *ReplyError) Error() string { return fmt.Sprintf("%v: %s", e.Reason, e.Detail) }
func (e *ReplyError) Unwrap() error { return e.Reason }

// Hint says what to do instead.
func (e *ReplyError) Hint() string {
	switch e.Reason {
	case ErrReplyExpired:
		return "passive replies are allowed 5 min after the message (60 min for C2C): send an active message instead"
	case ErrReplyLimit:
		return "a group or C2C message takes at most 5 replies: send fewer, longer replies"
	}
	return "only message events and some notice events can be answered: use qq.send and friends"
}

// hasCodeField reports whether body is an object with a top-level key that
// encoding/json would read into auditBody's code or err_code (it matches
// keys without regard to case). Nearly every successful answer has none, and
// this walk of the keys costs a fraction of decoding the body into auditBody.
func hasCodeField(body []byte) bool {
	found := false
	_ = jsonscan.Fields(body, func(key []byte, _ jsonscan.Span) bool {
		found = bytes.EqualFold(key, []byte("code")) || bytes.EqualFold(key, []byte("err_code"))
		return !found
	})
	return found
}
