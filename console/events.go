package console

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"
)

// The page's live updates: one server-sent-events stream per open page.
// Events: "tick" once a second (overview and scripts), "log" for each log
// record (with how many this page lost, when it fell behind), "chat" for
// each new sandbox message. The stream ends when the page goes away or
// the console closes; its log subscription goes with it.

const (
	tickEvery    = time.Second
	writeTimeout = 10 * time.Second
)

var closedChan = func() chan struct{} { c := make(chan struct{}); close(c); return c }()

type tick struct {
	Overview Overview `json:"overview"`
	Scripts  any      `json:"scripts"`
}

// logBatch is how many log lines a stream writes before it flushes.
const logBatch = 64

func (c *Console) events(w http.ResponseWriter, r *http.Request) {
	flusher, ok := w.(http.Flusher)
	if !ok {
		writeError(w, http.StatusInternalServerError, "streaming is not supported here")
		return
	}
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)

	var logs <-chan LogEntry
	var sub *LogSubscription
	if c.cfg.Logs != nil {
		sub = c.cfg.Logs.Subscribe()
		defer sub.Close()
		logs = sub.C
	}
	// A new stream starts with the whole conversation kept, so a page
	// that loads its views meanwhile misses nothing.
	var chatChanged <-chan struct{}
	chatSeq := 0
	if c.chat != nil {
		chatChanged = closedChan
	}
	t := time.NewTicker(tickEvery)
	defer t.Stop()

	// A page that stops reading without closing would block its writes
	// for ever; the deadline ends such a stream.
	rc := http.NewResponseController(w)
	write := func(event string, data []byte) bool {
		_ = rc.SetWriteDeadline(time.Now().Add(writeTimeout)) // unsupported: the stream just has no deadline
		_, err := fmt.Fprintf(w, "event: %s\ndata: %s\n\n", event, data)
		return err == nil
	}
	send := func(event string, v any) bool {
		b, err := json.Marshal(v)
		if err != nil || !write(event, b) {
			return false
		}
		flusher.Flush()
		return true
	}
	// sendLogs writes e and the lines already waiting behind it, then
	// flushes once, and says when the page has lost lines ("dropped", the
	// count so far).
	var dropped uint64
	sendLogs := func(e LogEntry) bool {
		for i := 0; ; i++ {
			if !write("log", e.encoded) {
				return false
			}
			if i == logBatch {
				break
			}
			var more bool
			select {
			case e, more = <-logs:
			default:
			}
			if !more {
				break
			}
		}
		if d := sub.Dropped(); d != dropped {
			dropped = d
			return send("dropped", d)
		}
		flusher.Flush()
		return true
	}
	if !send("tick", tick{Overview: c.overview(), Scripts: c.scripts()}) {
		return
	}
	for {
		var ok bool
		select {
		case <-r.Context().Done():
			return
		case <-c.ctx.Done():
			return
		case e := <-logs:
			ok = sendLogs(e)
		case <-chatChanged:
			var msgs []ChatMessage
			msgs, chatChanged = c.chat.since(chatSeq)
			ok = true
			for _, m := range msgs {
				if ok = send("chat", m); !ok {
					break
				}
				chatSeq = m.Seq
			}
		case <-t.C:
			ok = send("tick", tick{Overview: c.overview(), Scripts: c.scripts()})
		}
		if !ok {
			return
		}
	}
}
