package simtest

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"
)

// Log is a slog.Handler that keeps every record (message, attributes, time), so a
// test can wait for a gateway or host decision instead of sleeping.
type Log struct {
	shared *logShared
	attrs  []slog.Attr
}

type logShared struct {
	mu      sync.Mutex
	recs    []Record
	changed chan struct{} // closed and replaced on every new record
}

// Record is one kept log record, its attributes resolved to strings.
type Record struct {
	Time  time.Time
	Level slog.Level
	Msg   string
	Attrs map[string]string
}

func (r Record) String() string {
	var b strings.Builder
	b.WriteString(r.Level.String() + " " + r.Msg)
	for k, v := range r.Attrs {
		b.WriteString(" " + k + "=" + v)
	}
	return b.String()
}

// NewLog is an empty recorder.
func NewLog() *Log { return &Log{shared: &logShared{changed: make(chan struct{})}} }

// Logger is a logger writing to the recorder.
func (h *Log) Logger() *slog.Logger { return slog.New(h) }

func (h *Log) Enabled(context.Context, slog.Level) bool { return true }

func (h *Log) Handle(_ context.Context, r slog.Record) error {
	rec := Record{Time: r.Time, Level: r.Level, Msg: r.Message, Attrs: map[string]string{}}
	for _, a := range h.attrs {
		rec.Attrs[a.Key] = a.Value.Resolve().String()
	}
	r.Attrs(func(a slog.Attr) bool {
		rec.Attrs[a.Key] = a.Value.Resolve().String()
		return true
	})
	h.shared.mu.Lock()
	h.shared.recs = append(h.shared.recs, rec)
	close(h.shared.changed)
	h.shared.changed = make(chan struct{})
	h.shared.mu.Unlock()
	return nil
}

func (h *Log) WithAttrs(as []slog.Attr) slog.Handler {
	return &Log{shared: h.shared, attrs: append(append([]slog.Attr(nil), h.attrs...), as...)}
}

func (h *Log) WithGroup(string) slog.Handler { return h }

// Matching returns the records with message msg for which keep (nil: all) holds.
func (h *Log) Matching(msg string, keep func(Record) bool) []Record {
	return h.Where(func(r Record) bool { return r.Msg == msg && (keep == nil || keep(r)) })
}

// Where returns the records for which keep holds, oldest first.
func (h *Log) Where(keep func(Record) bool) []Record {
	h.shared.mu.Lock()
	defer h.shared.mu.Unlock()
	var out []Record
	for _, r := range h.shared.recs {
		if keep(r) {
			out = append(out, r)
		}
	}
	return out
}

// Count counts the records with one of msgs.
func (h *Log) Count(msgs ...string) int {
	n := 0
	for _, m := range msgs {
		n += len(h.Matching(m, nil))
	}
	return n
}

// WaitFor blocks until cond holds (it is re-checked after every new record) or ctx
// ends, which fails the test with the last records.
func (h *Log) WaitFor(t testing.TB, ctx context.Context, what string, cond func() bool) {
	t.Helper()
	for {
		h.shared.mu.Lock()
		ch := h.shared.changed
		h.shared.mu.Unlock()
		if cond() {
			return
		}
		select {
		case <-ch:
		case <-ctx.Done():
			t.Fatalf("waiting for %s: %v; log:\n%s", what, ctx.Err(), h.Tail(30))
		}
	}
}

// SessionsUp waits until the gateway clients have logged n READY or RESUMED in all.
func (h *Log) SessionsUp(t testing.TB, ctx context.Context, n int) {
	t.Helper()
	h.WaitFor(t, ctx, fmt.Sprintf("%d READY/RESUMED", n), func() bool {
		return h.Count("gateway ready", "gateway resumed") >= n
	})
}

// Tail is the last n records, one a line.
func (h *Log) Tail(n int) string {
	h.shared.mu.Lock()
	defer h.shared.mu.Unlock()
	var lines []string
	for _, r := range h.shared.recs[max(0, len(h.shared.recs)-n):] {
		lines = append(lines, r.String())
	}
	return strings.Join(lines, "\n")
}
