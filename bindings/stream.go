package bindings

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"time"

	lua "github.com/yuin/gopher-lua"

	"github.com/luabot/luabot/openapi"
)

// Streamed replies (§7.3 stream), in C2C chats: the answer appears in the
// user's chat piece by piece, as one message.
//
//	local s, err = ev:stream()
//	s:write(text)   -- any number of times
//	s:finish([text])
//
// A stream is one passive reply: it takes one of the message's replies when
// ev:stream() is called and holds it until it ends. Writes are paced: the
// first is sent at once, later ones are gathered and sent as one piece at
// most every streamInterval (a write that finds the interval passed sends
// what has gathered), and finish sends the rest as the last piece, ended by
// a newline. Each piece carries only the text written since the one before
// (the platform appends), all with the source's msg_id and one msg_seq. A stream
// its handler leaves unfinished, because it returned or failed, is finished
// by the host with a warning (Ends).

// streamInterval is the least time between two pieces of a stream. The
// platform documents no rate for pieces; one a second keeps a long answer
// visibly moving while staying far from the message rate limits.
const streamInterval = time.Second

// Stream states (§7.3): more follows; the body is complete.
const (
	streamGenerating = 1
	streamDone       = 10
)

// Ends lets a binding finish what a handler started when the handler ends.
type Ends interface {
	// AtEnd runs f after the handler that L belongs to has ended (returned,
	// failed or been killed), on a goroutine the host waits for, with a
	// context of its own that outlives the handler. Outside a handler it
	// raises a Lua error.
	AtEnd(L *lua.LState, f func(ctx context.Context))
}

var (
	errStreamScene    = errors.New("ev:stream: streamed replies are only supported in C2C chats; use ev:reply")
	errNoStreams      = errors.New("ev:stream: streamed replies are not available here")
	errStreamFinished = errors.New("stream: already finished")
	errStreamBusy     = errors.New("stream: a piece is being sent by another handler; finish it from there")
	errStreamEmpty    = errors.New("stream: nothing was written")
)

// replyStream is one streamed reply. Its fields are guarded by mu: the
// stream object may be used by any handler of the script, and the host
// finishes it from a worker goroutine.
type replyStream struct {
	b     *binder
	reply *openapi.Reply

	mu      sync.Mutex
	buf     strings.Builder
	id      string    // the message id the first piece's answer gave
	index   int       // pieces sent so far
	last    time.Time // when the last piece was sent
	sending bool      // a piece is on its way
	done    bool      // finished (or failed to start)
}

// stream implements ev:stream().
func (e *eventBuilder) stream(L *lua.LState) int {
	t, ok := L.Get(1).(*lua.LTable)
	if !ok || t.Metatable != e.mt {
		raise(L, "stream must be called as ev:stream()")
	}
	src, err := sourceOf(t, func(k string) lua.LValue { return e.peek(L, t, k) })
	if err != nil {
		raise(L, "%v", err)
	}
	if src.Scene != openapi.SceneC2C {
		return e.b.fail(L, errStreamScene)
	}
	if e.b.env.Ends == nil {
		return e.b.fail(L, errNoStreams)
	}
	if err := e.b.countSend("ev:stream"); err != nil {
		return e.b.fail(L, err)
	}
	var eventID string
	if ud, ok := t.RawGetString(rawKey).(*lua.LUserData); ok {
		if lp, ok := ud.Value.(*lazyPayload); ok {
			src.Received, eventID = lp.received, lp.eventID
		}
	}
	reply, err := e.seq.replier(e.b.env.Replier, e.b.env.Clock).PrepareAs(src, eventID, e.b.env.Script, map[string]any{})
	if err != nil {
		return e.b.fail(L, err)
	}
	rs := &replyStream{b: e.b, reply: reply}
	e.b.env.Ends.AtEnd(L, rs.atEnd)
	ud := L.NewUserData()
	ud.Value = rs
	ud.Metatable = e.streamMT(L)
	L.Push(ud)
	return 1
}

// streamMT is the stream object's locked metatable.
func (e *eventBuilder) streamMT(L *lua.LState) *lua.LTable {
	if e.smt != nil {
		return e.smt
	}
	methods := L.CreateTable(0, 2)
	methods.RawSetString("write", e.b.async.wrap(L, e.b.streamWrite))
	methods.RawSetString("finish", e.b.async.wrap(L, e.b.streamFinish))
	e.smt = L.CreateTable(0, 2)
	e.smt.RawSetString("__index", methods)
	e.smt.RawSetString("__metatable", lua.LString("luabot.stream"))
	return e.smt
}

func checkStream(L *lua.LState, method string) *replyStream {
	if ud, ok := L.Get(1).(*lua.LUserData); ok {
		if rs, ok := ud.Value.(*replyStream); ok {
			return rs
		}
	}
	raise(L, "%s must be called as s:%s(text) on a stream from ev:stream()", method, method)
	return nil
}

// streamWrite implements s:write(text): true, or nil, err. The text is sent
// now if the pace allows, else with the next piece.
func (b *binder) streamWrite(L *lua.LState) int {
	rs := checkStream(L, "write")
	text := checkString(L, 2, "text")
	rs.mu.Lock()
	if rs.done {
		rs.mu.Unlock()
		return b.fail(L, errStreamFinished)
	}
	rs.buf.WriteString(text)
	now := b.env.Clock.Now()
	due := rs.index == 0 || now.Sub(rs.last) >= streamInterval
	if rs.sending || !due || rs.buf.Len() == 0 {
		rs.mu.Unlock()
		L.Push(lua.LTrue)
		return 1
	}
	piece, state, index, id := rs.take(now, streamGenerating)
	rs.mu.Unlock()
	return b.env.Async.Await(L, func(ctx context.Context) Finish {
		raw, err := rs.send(ctx, state, index, id, piece)
		return func(L *lua.LState) []lua.LValue {
			rs.sent(raw, err, false)
			if err != nil {
				return b.failValues(L, err)
			}
			return []lua.LValue{lua.LTrue}
		}
	})
}

// streamFinish implements s:finish([text]): the last piece; returns the
// platform's answer, or nil, err.
func (b *binder) streamFinish(L *lua.LState) int {
	rs := checkStream(L, "finish")
	text := ""
	if L.GetTop() >= 2 && L.Get(2) != lua.LNil {
		text = checkString(L, 2, "text")
	}
	rs.mu.Lock()
	switch {
	case rs.done:
		rs.mu.Unlock()
		return b.fail(L, errStreamFinished)
	case rs.sending:
		rs.mu.Unlock()
		return b.fail(L, errStreamBusy)
	}
	rs.buf.WriteString(text)
	if rs.index == 0 && rs.buf.Len() == 0 {
		rs.done = true
		rs.mu.Unlock()
		rs.reply.Done(openapi.ErrInvalidRequest) // nothing left: the reply is not counted
		return b.fail(L, errStreamEmpty)
	}
	piece, state, index, id := rs.take(b.env.Clock.Now(), streamDone)
	rs.done = true
	rs.mu.Unlock()
	return b.env.Async.Await(L, func(ctx context.Context) Finish {
		raw, err := rs.send(ctx, state, index, id, piece)
		rs.reply.Done(err)
		return func(L *lua.LState) []lua.LValue {
			rs.sent(raw, err, true)
			return b.finishRaw(raw, err)(L)
		}
	})
}

// take empties the buffer into the next piece. The caller holds rs.mu.
func (rs *replyStream) take(now time.Time, state int) (piece string, st, index int, id string) {
	piece = rs.buf.String()
	rs.buf.Reset()
	rs.index++
	rs.last = now
	rs.sending = true
	return piece, state, rs.index, rs.id
}

// sent records the answer to a piece: the stream's id from the first one.
// A first piece that failed ends the stream (there is nothing to continue).
func (rs *replyStream) sent(raw json.RawMessage, err error, last bool) {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	rs.sending = false
	if err == nil && rs.id == "" {
		var ans struct {
			ID string `json:"id"`
		}
		if json.Unmarshal(raw, &ans) == nil {
			rs.id = ans.ID
		}
	}
	if err != nil && rs.id == "" && !last && !rs.done {
		rs.done = true
		rs.reply.Done(err)
	}
}

// send posts one piece: the reply's msg_id and msg_seq, the text, and the
// stream's state, index and (after the first piece) id.
func (rs *replyStream) send(ctx context.Context, state, index int, id, text string) (json.RawMessage, error) {
	body := make(map[string]any, len(rs.reply.Body)+3)
	for k, v := range rs.reply.Body {
		body[k] = v
	}
	if state == streamDone && !strings.HasSuffix(text, "\n") {
		// The last piece ends with a newline: without it, bots in the field
		// report, the platform never closes the stream and the message falls
		// back to its first piece. The newline closes; it shows as nothing.
		text += "\n"
	}
	body["content"] = text
	body["msg_type"] = 0
	st := map[string]any{"state": state, "index": index}
	if id != "" {
		st["id"] = id
	}
	body["stream"] = st
	var raw json.RawMessage
	err := openapi.SendMessage(ctx, rs.b.env.API, rs.reply.Target, body, nil, &raw)
	return raw, err
}

// atEnd finishes a stream its handler left open, with a warning.
func (rs *replyStream) atEnd(ctx context.Context) {
	rs.mu.Lock()
	if rs.done || rs.sending {
		// Finished, or another handler is writing to it: theirs to finish.
		rs.mu.Unlock()
		return
	}
	rs.b.env.Logger.Warn("a streamed reply was left unfinished when its handler ended; luabot finished it",
		"script", rs.b.env.Script, "hint", "end every stream with s:finish()")
	if rs.index == 0 && rs.buf.Len() == 0 {
		rs.done = true
		rs.mu.Unlock()
		rs.reply.Done(openapi.ErrInvalidRequest)
		return
	}
	piece, state, index, id := rs.take(rs.b.env.Clock.Now(), streamDone)
	rs.done = true
	rs.mu.Unlock()
	raw, err := rs.send(ctx, state, index, id, piece)
	rs.reply.Done(err)
	rs.sent(raw, err, true)
	if err != nil {
		rs.b.env.Logger.Warn("finishing a streamed reply failed", "script", rs.b.env.Script, "err", err)
	}
}
