package record_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/luabot/luabot/record"
)

// stuckDisk blocks every write until released, like a full or dead disk.
type stuckDisk struct {
	release chan struct{}
	mu      sync.Mutex
	buf     bytes.Buffer
}

func (d *stuckDisk) Write(p []byte) (int, error) {
	<-d.release
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.buf.Write(p)
}

// A disk that does not take writes never holds up the caller (a handler): what does not
// fit in the queue is dropped and counted, and the end line says how many.
func TestWriter_StuckDiskNeverBlocksCallers(t *testing.T) {
	disk := &stuckDisk{release: make(chan struct{})}
	w := record.NewWriter(disk, record.Header{Luabot: "test", Start: time.Now()}, record.WriterConfig{Queue: 4})
	for i := range 100 {
		// Each call returns although the owner is stuck writing the header.
		w.Sent(0, record.Send{Script: "s", Method: "POST", Path: "/x", Body: []byte(`{"i":` + string(rune('0'+i%10)) + `}`)})
	}
	if got := w.Dropped(); got != 96 {
		t.Fatalf("dropped %d, want 96 (100 sends, a queue of 4, nothing written yet)", got)
	}
	close(disk.release)
	w.Close()
	lines := strings.Split(strings.TrimSpace(disk.buf.String()), "\n")
	if len(lines) != 1+4+1 {
		t.Fatalf("%d lines:\n%s", len(lines), disk.buf.String())
	}
	var end record.Line
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &end); err != nil || end.Kind != record.KindEnd || end.Dropped != 96 {
		t.Fatalf("last line %s (%v)", lines[len(lines)-1], err)
	}
}

// An event's line waits for its handlers and carries their sends; a send after that,
// and a timer's, get lines of their own.
func TestWriter_EventLineHoldsItsSends(t *testing.T) {
	var buf bytes.Buffer
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	now := start
	w := record.NewWriter(&buf, record.Header{Start: start}, record.WriterConfig{Raw: true, Now: func() time.Time { return now },
		Scrub: []string{"APPSECRET"}})
	now = start.Add(1500 * time.Millisecond)
	w.Event(1, "C2C_MESSAGE_CREATE", "e1", []byte(`{"content":"hi APPSECRET"}`))
	w.Sent(1, record.Send{Script: "s", Method: "POST", Path: "/v2/users/U/messages", Body: []byte(`{"content":"hi"}`)})
	w.Settled(1)
	w.Sent(1, record.Send{Script: "s", Method: "POST", Path: "/late"})
	w.Sent(0, record.Send{Script: "s", Event: "timer", Method: "POST", Path: "/tick"})
	w.Close()
	var kinds []string
	for _, l := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
		var line record.Line
		if err := json.Unmarshal([]byte(l), &line); err != nil {
			t.Fatal(err)
		}
		kinds = append(kinds, line.Kind)
		if line.Kind == record.KindEvent && (line.AtMS != 1500 || len(line.Sends) != 1 || line.Scene != "c2c") {
			t.Errorf("event line %s", l)
		}
	}
	if got := strings.Join(kinds, ","); got != "header,event,send,send,end" {
		t.Fatalf("kinds %s:\n%s", got, buf.String())
	}
	if strings.Contains(buf.String(), "APPSECRET") {
		t.Fatalf("the secret was written:\n%s", buf.String())
	}
}

// A command typed without "/" (DMs, groups and C2C take plain `ping`) or after the
// full-width slash keeps its name in a redacted recording, so that replaying it runs the
// same handler; any other first word, and every argument, is still a token.
func TestWriter_KeepsCommandNamesTypedWithoutSlash(t *testing.T) {
	var buf bytes.Buffer
	commands := map[string]bool{"ping": true, "签到": true}
	w := record.NewWriter(&buf, record.Header{Start: time.Now()}, record.WriterConfig{
		Command: func(word string) bool { return commands[strings.ToLower(word)] }})
	for i, content := range []string{"ping", "Ping me", "<@!BOT1> ping", "／签到 alice", "hello ping", "secretword"} {
		w.Event(uint64(i+1), "C2C_MESSAGE_CREATE", "e", []byte(`{"content":`+strconvQuote(content)+`}`))
		w.Settled(uint64(i + 1))
	}
	w.Close()
	var got []string
	for _, l := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
		var line record.Line
		if err := json.Unmarshal([]byte(l), &line); err != nil {
			t.Fatal(err)
		}
		if line.Kind == record.KindEvent {
			var p struct{ Content string }
			if err := json.Unmarshal(line.Payload, &p); err != nil {
				t.Fatal(err)
			}
			got = append(got, p.Content)
		}
	}
	want := []string{"ping", "Ping t_", "<@!", "／签到 t_", "t_", "t_"}
	if len(got) != len(want) {
		t.Fatalf("events %q", got)
	}
	for i := range want {
		if !strings.HasPrefix(got[i], want[i]) {
			t.Errorf("event %d redacted to %q, want it to start with %q", i+1, got[i], want[i])
		}
	}
	if !strings.HasSuffix(got[2], "> ping") {
		t.Errorf("a command after a mention redacted to %q", got[2])
	}
	for _, private := range []string{"alice", "hello", "secretword", "me"} {
		if strings.Contains(strings.Join(got, " "), private) {
			t.Errorf("the recording holds %q: %q", private, got)
		}
	}
}

func strconvQuote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
