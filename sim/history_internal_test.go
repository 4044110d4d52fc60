package sim

import (
	"errors"
	"fmt"
	"testing"
	"time"
)

// The message and event histories keep the newest maxKept* ids, in order,
// and forget the oldest ones first.
func TestHistory_KeepsTheNewest(t *testing.T) {
	s, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	const extra = 2500 // past the first regrowth of the slice
	at := time.Unix(1_700_000_000, 0)
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := range maxKeptMessages + extra {
		s.storeMessage(Message{ID: fmt.Sprint("m", i), ChannelID: "c"}, at, false)
	}
	for i := range maxKeptEvents + extra {
		s.rememberEvent(fmt.Sprint("e", i), "guild", at)
	}
	for _, h := range []struct {
		name  string
		order []string
		has   func(string) bool
		kept  int
	}{
		{"m", s.messageOrder, func(id string) bool { _, ok := s.messages[id]; return ok }, maxKeptMessages},
		{"e", s.eventOrder, func(id string) bool { _, ok := s.events[id]; return ok }, maxKeptEvents},
	} {
		if len(h.order) != h.kept {
			t.Fatalf("%s: %d ids kept, want %d", h.name, len(h.order), h.kept)
		}
		for i, id := range h.order {
			if want := fmt.Sprint(h.name, extra+i); id != want {
				t.Fatalf("%s: id %d is %q, want %q", h.name, i, id, want)
			}
		}
		if h.has(fmt.Sprint(h.name, extra-1)) || !h.has(fmt.Sprint(h.name, extra)) {
			t.Fatalf("%s: the oldest kept or the newest forgotten one is wrong", h.name)
		}
	}
	if len(s.messages) != maxKeptMessages || len(s.events) != maxKeptEvents {
		t.Fatalf("%d messages and %d events stored", len(s.messages), len(s.events))
	}
}

// Storing a message once the history is full.
func BenchmarkHistory_StoreWhenFull(b *testing.B) {
	s, err := New(Config{})
	if err != nil {
		b.Fatal(err)
	}
	at := time.Unix(1_700_000_000, 0)
	ids := make([]string, maxKeptMessages+b.N)
	for i := range ids {
		ids[i] = fmt.Sprint("m", i)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, id := range ids[:maxKeptMessages] {
		s.storeMessage(Message{ID: id, ChannelID: "c"}, at, false)
	}
	b.ResetTimer()
	for _, id := range ids[maxKeptMessages:] {
		s.storeMessage(Message{ID: id, ChannelID: "c"}, at, false)
	}
}

// A session's replay log keeps the last maxSessionLog dispatches, in
// order; a resume from before them is refused.
func TestHistory_SessionLogKeepsTheNewest(t *testing.T) {
	s, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	ss := &session{s: s, id: "s1"}
	const extra = 300
	for i := range maxSessionLog + extra {
		ss.dispatch("MESSAGE_CREATE", fmt.Sprint("e", i), []byte(`{}`))
	}
	if _, err := ss.replay(nil, extra-1); !errors.Is(err, errInvalidSeq) {
		t.Fatalf("resume from s=%d, before the log: err = %v, want it refused", extra-1, err)
	}
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if len(ss.log) != maxSessionLog {
		t.Fatalf("%d dispatches logged, want %d", len(ss.log), maxSessionLog)
	}
	for i, e := range ss.log {
		if want := ss.seq - uint64(maxSessionLog-1-i); e.seq != want {
			t.Fatalf("log entry %d has s=%d, want %d", i, e.seq, want)
		}
	}
	if ss.trimmedSeq != ss.log[0].seq-1 {
		t.Fatalf("trimmed up to s=%d, the log starts at %d", ss.trimmedSeq, ss.log[0].seq)
	}
}
