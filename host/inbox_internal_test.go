package host

import (
	"strconv"
	"testing"

	"github.com/luabot/luabot/gateway"
)

func TestInbox_FIFODropsOldestAndSignals(t *testing.T) {
	b := newInbox(3)
	ev := func(i int) inboxEvent { return inboxEvent{ev: gateway.Event{Type: strconv.Itoa(i)}} }
	for i := range 5 {
		old, full := b.push(ev(i))
		if full != (i >= 3) || (full && old.ev.Type != strconv.Itoa(i-3)) {
			t.Fatalf("push %d: dropped %q, full %v", i, old.ev.Type, full)
		}
	}
	for want := 2; want < 5; want++ {
		select {
		case <-b.ready:
		default:
			t.Fatalf("no ready token with event %d waiting", want)
		}
		q, ok := b.pop()
		if !ok || q.ev.Type != strconv.Itoa(want) {
			t.Fatalf("pop = %q, %v; want %d", q.ev.Type, ok, want)
		}
	}
	if _, ok := b.pop(); ok {
		t.Fatal("pop from an empty inbox")
	}
	select {
	case <-b.ready:
		t.Fatal("ready token left on an empty inbox")
	default:
	}
	// A long run through a large inbox keeps order across compaction.
	b = newInbox(10000)
	next := 0
	for i := range 5000 {
		b.push(ev(i))
		if i%3 == 0 {
			q, _ := b.pop()
			if q.ev.Type != strconv.Itoa(next) {
				t.Fatalf("pop = %q, want %d", q.ev.Type, next)
			}
			next++
		}
	}
}
