package openapi

import (
	"encoding/json"
	"errors"
	"strconv"
	"strings"
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
)

// Business codes the client itself reacts to.
const (
	// CodeTokenExpired is "token expired or not exist"; the client refetches the access
	// token and retries the call once when it sees it.
	CodeTokenExpired = 11244
)

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

	// Data is the body's "data" member when present, e.g.
	// {"message_audit":{"audit_id":"…"}} for 304023/304024.
	Data json.RawMessage
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
	if f, err := strconv.ParseFloat(s, 64); err == nil {
		*n = lenientInt(f)
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
