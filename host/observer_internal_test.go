package host

import (
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/luabot/luabot/dispatch"
	"github.com/luabot/luabot/kv"
)

// recordingObserver keeps what a host tells its Observer.
type recordingObserver struct {
	mu      sync.Mutex
	scripts []string
	runs    []string // "script event outcome"
	took    []time.Duration
	dropped int
	reloads []string // "script outcome"
}

func (o *recordingObserver) Script(name string) ScriptObserver {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.scripts = append(o.scripts, name)
	return &recordingScript{o: o, name: name}
}

func (o *recordingObserver) Reload(script, outcome string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.reloads = append(o.reloads, script+" "+outcome)
}

type recordingScript struct {
	o    *recordingObserver
	name string
}

func (s *recordingScript) HandlerDone(event, outcome string, took time.Duration) {
	s.o.mu.Lock()
	defer s.o.mu.Unlock()
	s.o.runs = append(s.o.runs, s.name+" "+event+" "+outcome)
	s.o.took = append(s.o.took, took)
}

func (s *recordingScript) Dropped() {
	s.o.mu.Lock()
	defer s.o.mu.Unlock()
	s.o.dropped++
}

// Each handler's end reaches the Observer with its outcome and time; timers and the
// memory estimate are kept for Stats; a full inbox reports each drop.
func TestObserver_HandlerOutcomes(t *testing.T) {
	dir := t.TempDir()
	store, err := kv.Open(kv.Config{Path: filepath.Join(dir, "t.db")})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	path := writeScript(t, dir, "obs.lua", `
timer.after(3600, function() end)
timer.every(3600, function() end)
on("AT_MESSAGE_CREATE", function(ev)
  if ev.content == "fail" then error("boom") end
  if ev.content == "spin" then while true do end end
end)`)
	obs := &recordingObserver{}
	s, err := loadScript(path, scriptDeps{api: &fakeAPI{}, store: store, logger: slog.New(slog.DiscardHandler),
		limits: Limits{CPU: 200 * time.Millisecond, Inbox: 1}, observer: obs})
	if err != nil {
		t.Fatal(err)
	}
	defer s.L.Close()
	for i, content := range []string{"ok", "fail", "spin"} {
		d, _ := json.Marshal(map[string]any{"content": content, "id": "m" + string(rune('0'+i)), "author": map[string]any{"id": "u"}})
		s.dispatch(dispatch.Event{Type: "AT_MESSAGE_CREATE", Data: d})
	}
	want := []string{"obs AT_MESSAGE_CREATE ok", "obs AT_MESSAGE_CREATE error", "obs AT_MESSAGE_CREATE killed_cpu"}
	if !slices.Equal(obs.runs, want) || !slices.Equal(obs.scripts, []string{"obs"}) {
		t.Fatalf("runs %v (scripts %v), want %v", obs.runs, obs.scripts, want)
	}
	if obs.took[2] < 100*time.Millisecond {
		t.Errorf("the killed handler took %v, less than most of its budget", obs.took[2])
	}
	if got := s.timerCount.Load(); got != 2 {
		t.Errorf("timers pending %d, want 2", got)
	}
	if s.estimate() <= 0 || s.memEstimate.Load() <= 0 {
		t.Errorf("memory estimate not kept: %d", s.memEstimate.Load())
	}
	// The scheduler is not running: the inbox (1 event) keeps the last and drops two.
	for range 3 {
		s.deliver(dispatch.Event{Type: "AT_MESSAGE_CREATE", Data: json.RawMessage(`{}`)})
	}
	if obs.dropped != 2 {
		t.Errorf("dropped %d, want 2", obs.dropped)
	}
}

// Reloads reach the Observer as ok, failed (the old version keeps running) and removed,
// and a reloaded script asks for its ScriptObserver again.
func TestObserver_ReloadOutcomes(t *testing.T) {
	dir := t.TempDir()
	obs := &recordingObserver{}
	h := newBareHost(t, Config{Observer: obs})
	path := writeScript(t, dir, "r.lua", `on("message", function() end)`)
	if err := h.Load(path); err != nil {
		t.Fatal(err)
	}
	writeScript(t, dir, "r.lua", `on("message", function() end) -- v2`)
	if err := h.Reload(path); err != nil {
		t.Fatal(err)
	}
	writeScript(t, dir, "r.lua", `on("message", function() end`)
	if err := h.Reload(path); err == nil {
		t.Fatal("a broken file reloaded")
	}
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	if err := h.Reload(path); err != nil {
		t.Fatal(err)
	}
	if want := []string{"r ok", "r failed", "r removed"}; !slices.Equal(obs.reloads, want) {
		t.Errorf("reloads %v, want %v", obs.reloads, want)
	}
	// The broken version fails to compile before it is a script.
	if want := []string{"r", "r"}; !slices.Equal(obs.scripts, want) {
		t.Errorf("ScriptObserver asked for %v, want once per version loaded (%v)", obs.scripts, want)
	}
	if st := h.Stats(); len(st) != 0 {
		t.Errorf("stats after removal: %+v", st)
	}
}
