package console

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// LogEntry is one log record as the console shows it.
type LogEntry struct {
	Seq    uint64    `json:"seq"`
	Time   time.Time `json:"time"`
	Level  string    `json:"level"`
	Msg    string    `json:"msg"`
	Script string    `json:"script,omitempty"`
	Attrs  string    `json:"attrs,omitempty"` // key=value pairs, as the text log writes them

	// encoded is the entry as JSON, made once for every subscriber.
	encoded []byte
}

const (
	recentLogs = 500 // lines a page gets when it opens
	// subscriberBuffer is how many lines a page may fall behind before it
	// loses some.
	subscriberBuffer = 256
)

// LogHub fans log records out to subscribers (open pages). It never
// blocks the logger: a subscriber whose buffer is full loses the record,
// and the loss is counted.
type LogHub struct {
	mu      sync.Mutex
	seq     uint64
	recent  []LogEntry // ring of the last recentLogs, oldest at start
	start   int
	subs    map[*LogSubscription]struct{}
	dropped atomic.Uint64
}

// NewLogHub makes an empty hub; Tee feeds it.
func NewLogHub() *LogHub {
	return &LogHub{subs: map[*LogSubscription]struct{}{}}
}

// LogSubscription receives the records published after Subscribe.
type LogSubscription struct {
	C       <-chan LogEntry
	c       chan LogEntry
	hub     *LogHub
	dropped atomic.Uint64
}

// Subscribe starts receiving records; Close stops.
func (h *LogHub) Subscribe() *LogSubscription {
	c := make(chan LogEntry, subscriberBuffer)
	s := &LogSubscription{C: c, c: c, hub: h}
	h.mu.Lock()
	h.subs[s] = struct{}{}
	h.mu.Unlock()
	return s
}

// Close ends the subscription; C is not closed (a publisher may hold it).
func (s *LogSubscription) Close() {
	s.hub.mu.Lock()
	delete(s.hub.subs, s)
	s.hub.mu.Unlock()
}

// Dropped is how many records this subscriber lost for being behind.
func (s *LogSubscription) Dropped() uint64 { return s.dropped.Load() }

// Dropped is how many records all subscribers together lost.
func (h *LogHub) Dropped() uint64 { return h.dropped.Load() }

// Subscribers is how many subscriptions are open.
func (h *LogHub) Subscribers() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.subs)
}

// Recent returns the last records, oldest first.
func (h *LogHub) Recent() []LogEntry {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := make([]LogEntry, 0, len(h.recent))
	out = append(out, h.recent[h.start:]...)
	return append(out, h.recent[:h.start]...)
}

func (h *LogHub) publish(e LogEntry) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.seq++
	e.Seq = h.seq
	if len(h.recent) < recentLogs {
		h.recent = append(h.recent, e)
	} else {
		h.recent[h.start] = e
		h.start = (h.start + 1) % recentLogs
	}
	if len(h.subs) > 0 {
		// Once here rather than once per open page: fifty pages cost one
		// encoding, not fifty.
		e.encoded, _ = json.Marshal(e) // a struct of strings and a time always encodes
	}
	for s := range h.subs {
		select {
		case s.c <- e:
		default:
			s.dropped.Add(1)
			h.dropped.Add(1)
		}
	}
}

// Tee returns a handler that passes every record to next and copies it
// to hub.
func Tee(next slog.Handler, hub *LogHub) slog.Handler {
	return &tee{next: next, hub: hub}
}

type tee struct {
	next   slog.Handler
	hub    *LogHub
	prefix string      // open groups, "a.b."
	attrs  []slog.Attr // from WithAttrs, keys already prefixed
}

func (t *tee) Enabled(ctx context.Context, l slog.Level) bool { return t.next.Enabled(ctx, l) }

func (t *tee) Handle(ctx context.Context, r slog.Record) error {
	err := t.next.Handle(ctx, r)
	e := LogEntry{Time: r.Time, Level: r.Level.String(), Msg: r.Message}
	var b strings.Builder
	add := func(key string, v slog.Value) {
		if key == "script" && e.Script == "" {
			e.Script = v.String()
			return
		}
		writeAttr(&b, key, v)
	}
	for _, a := range t.attrs {
		add(a.Key, a.Value)
	}
	r.Attrs(func(a slog.Attr) bool {
		flatten(t.prefix, a, add)
		return true
	})
	e.Attrs = b.String()
	t.hub.publish(e)
	return err
}

func (t *tee) WithAttrs(attrs []slog.Attr) slog.Handler {
	next := &tee{next: t.next.WithAttrs(attrs), hub: t.hub, prefix: t.prefix, attrs: append([]slog.Attr(nil), t.attrs...)}
	for _, a := range attrs {
		flatten(t.prefix, a, func(k string, v slog.Value) { next.attrs = append(next.attrs, slog.Attr{Key: k, Value: v}) })
	}
	return next
}

func (t *tee) WithGroup(name string) slog.Handler {
	if name == "" {
		return t
	}
	return &tee{next: t.next.WithGroup(name), hub: t.hub, prefix: t.prefix + name + ".", attrs: t.attrs}
}

// flatten calls add for a, or for each attribute of a group, with keys
// prefixed by their groups as the text handler writes them.
func flatten(prefix string, a slog.Attr, add func(string, slog.Value)) {
	v := a.Value.Resolve()
	if v.Kind() == slog.KindGroup {
		p := prefix
		if a.Key != "" {
			p += a.Key + "."
		}
		for _, g := range v.Group() {
			flatten(p, g, add)
		}
		return
	}
	if a.Key == "" {
		return
	}
	add(prefix+a.Key, v)
}

func writeAttr(b *strings.Builder, key string, v slog.Value) {
	if b.Len() > 0 {
		b.WriteByte(' ')
	}
	s := v.String()
	if v.Kind() == slog.KindAny {
		if err, ok := v.Any().(error); ok {
			s = err.Error()
		} else {
			s = fmt.Sprint(v.Any())
		}
	}
	if s == "" || strings.ContainsAny(s, " \t\n\"=") {
		s = strconv.Quote(s)
	}
	b.WriteString(key)
	b.WriteByte('=')
	b.WriteString(s)
}
