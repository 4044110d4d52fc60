package gateway_test

import (
	"fmt"
	"testing"

	"github.com/luabot/luabot/gateway"
)

type memSeen struct{ ids []string }

func (m *memSeen) LoadSeen() ([]string, error) { return append([]string(nil), m.ids...), nil }
func (m *memSeen) SaveSeen(ids []string) error { m.ids = append([]string(nil), ids...); return nil }

func TestDedup_WindowPersistsAndEvicts(t *testing.T) {
	store := &memSeen{}
	d, err := gateway.NewDedup(gateway.DedupConfig{Size: 3, Store: store})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 4 {
		if d.Seen(fmt.Sprint("e", i)) {
			t.Fatalf("e%d seen on first sight", i)
		}
	}
	// Twice: the empty id must not be recorded by the first call either.
	if first, second := d.Seen(""), d.Seen(""); first || second {
		t.Error("events without an id must always pass")
	}
	if err := d.Flush(); err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(store.ids) != "[e1 e2 e3]" {
		t.Fatalf("saved %v, want the 3 newest, oldest first", store.ids)
	}

	// A restarted process loads the window: e1–e3 are duplicates, e0 was evicted.
	d2, err := gateway.NewDedup(gateway.DedupConfig{Size: 3, Store: store})
	if err != nil {
		t.Fatal(err)
	}
	var delivered []string
	h := d2.Wrap(func(e gateway.Event) { delivered = append(delivered, e.ID) })
	for _, id := range []string{"e2", "e3", "e0", "e4", "e4"} {
		h(gateway.Event{ID: id})
	}
	if fmt.Sprint(delivered) != "[e0 e4]" || d2.Dropped() != 3 {
		t.Errorf("delivered %v dropped %d, want [e0 e4] and 3", delivered, d2.Dropped())
	}
}

// An event whose handling has not settled is not saved as seen: a process
// killed before handling it gets its replay after the restart. It still
// stops repeats within the process.
func TestDedup_UnsettledIdsAreNotSaved(t *testing.T) {
	store := &memSeen{}
	d, err := gateway.NewDedup(gateway.DedupConfig{Size: 3, Store: store})
	if err != nil {
		t.Fatal(err)
	}
	settles := map[string]func(){}
	var delivered []string
	h := d.WrapSettled(func(e gateway.Event, settle func()) {
		delivered = append(delivered, e.ID)
		settles[e.ID] = settle
	})
	for _, id := range []string{"a", "b", "a", "b"} {
		h(gateway.Event{ID: id})
	}
	if fmt.Sprint(delivered) != "[a b]" {
		t.Fatalf("delivered %v, want [a b]", delivered)
	}
	settles["b"]()
	if err := d.Flush(); err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(store.ids) != "[b]" {
		t.Fatalf("saved %v, want only the settled [b]", store.ids)
	}
	settles["a"]()
	if err := d.Flush(); err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(store.ids) != "[a b]" {
		t.Fatalf("after settling a, saved %v, want [a b]", store.ids)
	}
}
