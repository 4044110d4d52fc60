package openapi

import (
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"strings"
	"syscall"
)

// Which failed requests may be sent again. A request the platform may have
// processed is repeated only when repeating it cannot do it twice:
//
//   - 429 means the platform refused before processing: any request repeats.
//   - GET, HEAD, PUT and DELETE are idempotent: they repeat after a 5xx or a
//     transport failure too.
//   - A passive reply (POST to a message route with msg_id or event_id and
//     msg_seq) is idempotent as well: the platform accepts each (msg_id,
//     msg_seq) pair once and refuses a repeat with 40054005. It repeats with
//     the same body, and a 40054005 answer to the repeat of an attempt that
//     may have got through means it did: the send succeeded.
//   - Anything else (active sends, other POSTs and PATCHes) repeats after a
//     5xx or transport failure only when the request cannot have left this
//     host: the connection was refused, the name did not resolve, the dial
//     failed.

// CodeDuplicateSeq is the platform's answer to a passive reply whose msg_id
// (or event_id) and msg_seq it has already accepted.
const CodeDuplicateSeq = 40054005

// dedupAnswer is what a caller receives as the sent message when the platform
// refused a repeated passive reply as a duplicate: the message went out, on
// an earlier attempt whose answer was lost, and its id is unknown.
var dedupAnswer = []byte(`{"deduplicated":true}`)

// retryable reports whether a failed exchange may be sent again; passive says
// whether the request is a passive reply (see isPassiveReply).
func retryable(method string, passive bool, err error) bool {
	idempotent := passive || method == http.MethodGet || method == http.MethodHead ||
		method == http.MethodPut || method == http.MethodDelete
	var apiErr *Error
	if errors.As(err, &apiErr) {
		switch apiErr.Status {
		case http.StatusTooManyRequests:
			return true
		case http.StatusInternalServerError, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
			return idempotent
		}
		return false
	}
	if errors.Is(err, ErrInvalidRequest) {
		return false
	}
	// Transport failure (connection refused or reset, timeout of one attempt).
	return idempotent || neverSent(err)
}

// mayHaveArrived reports whether a failed attempt may have been processed by
// the platform: its answer was a 5xx, or it failed in transport after the
// connection was made.
func mayHaveArrived(err error) bool {
	var apiErr *Error
	if errors.As(err, &apiErr) {
		return apiErr.Status >= 500
	}
	return !neverSent(err)
}

// neverSent reports whether a transport error happened before any byte of the
// request can have reached the server: the name did not resolve or the
// connection was never established.
func neverSent(err error) bool {
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		return true
	}
	if errors.Is(err, syscall.ECONNREFUSED) {
		return true
	}
	var opErr *net.OpError
	return errors.As(err, &opErr) && opErr.Op == "dial"
}

// isPassiveReply reports whether a request is a passive reply that the
// platform deduplicates: a POST to a message route whose body names msg_id or
// event_id and a msg_seq. body is the encoded JSON body (in is a *Form when
// it is multipart).
func isPassiveReply(method, path string, in any, body []byte) bool {
	if method != http.MethodPost || !isMessageRoute(path) {
		return false
	}
	var f struct {
		MsgID   string     `json:"msg_id"`
		EventID string     `json:"event_id"`
		MsgSeq  lenientInt `json:"msg_seq"`
	}
	if form, ok := in.(*Form); ok {
		if form == nil {
			return false
		}
		f.MsgID, _ = form.Fields["msg_id"].(string)
		f.EventID, _ = form.Fields["event_id"].(string)
		if n, ok := intOf(form.Fields["msg_seq"]); ok {
			f.MsgSeq = lenientInt(n)
		}
	} else if m, ok := in.(map[string]any); ok && passiveFields(m, &f.MsgID, &f.EventID, &f.MsgSeq) {
		// Read from the map SendMessage encoded: decoding the body again
		// cost a JSON parse per reply.
	} else if json.Unmarshal(body, &f) != nil {
		return false
	}
	return (f.MsgID != "" || f.EventID != "") && f.MsgSeq != 0
}

// passiveFields reads msg_id, event_id and msg_seq from a body map when they
// have the plain types a JSON decode would agree with; it reports false for
// anything else, which the caller then decodes from the encoded body.
func passiveFields(m map[string]any, msgID, eventID *string, seq *lenientInt) bool {
	for _, kv := range []struct {
		key string
		dst *string
	}{{"msg_id", msgID}, {"event_id", eventID}} {
		switch v := m[kv.key].(type) {
		case nil:
		case string:
			*kv.dst = v
		default:
			return false
		}
	}
	switch v := m["msg_seq"].(type) {
	case nil:
	case int, int64:
		n, _ := intOf(v)
		*seq = lenientInt(n)
	default:
		return false
	}
	return true
}

// isMessageRoute reports whether path is one of the four send routes:
// /channels/{id}/messages, /dms/{id}/messages, /v2/groups/{id}/messages and
// /v2/users/{id}/messages.
func isMessageRoute(path string) bool {
	// Split into a fixed array: this runs on every request.
	var seg [5]string
	n := 0
	for s := range strings.SplitSeq(strings.TrimPrefix(path, "/"), "/") {
		if n == len(seg) {
			return false
		}
		seg[n] = s
		n++
	}
	switch n {
	case 3:
		return (seg[0] == "channels" || seg[0] == "dms") && seg[1] != "" && seg[2] == "messages"
	case 4:
		return seg[0] == "v2" && (seg[1] == "groups" || seg[1] == "users") && seg[2] != "" && seg[3] == "messages"
	}
	return false
}

// deduplicated reports whether err is the platform refusing a repeated
// passive reply whose earlier attempt may have got through.
func deduplicated(passive, uncertain bool, err error) bool {
	var apiErr *Error
	return passive && uncertain && errors.As(err, &apiErr) && apiErr.Code == CodeDuplicateSeq
}
