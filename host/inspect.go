package host

import (
	"regexp"
	"slices"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/luabot/luabot/bindings"
)

// Inspection: what a console shows about each script, read from other
// goroutines without touching a VM. Every load attempt of a name (first
// load, reload, failed reload) updates that name's record; a running
// script writes its handler times and failures into it. The writes on the
// handler path are lock-free (a fixed ring of atomics per script), so
// reading the numbers never holds up an event and scripts never contend
// with each other.

// ScriptInfo is a snapshot of one script, for a console.
type ScriptInfo struct {
	Name     string    `json:"name"`
	Path     string    `json:"path"`
	Running  bool      `json:"running"` // a version of it is loaded and serving
	Halted   bool      `json:"halted"`  // stopped for breaking a limit
	LoadedAt time.Time `json:"loaded_at"`
	// Version counts the successful loads of this name since the host
	// started: 1 after the first load, 2 after the first reload…
	Version    int          `json:"version"`
	LastReload ReloadResult `json:"last_reload"`
	Events     []string     `json:"events"`   // what its top level subscribed to
	Commands   []string     `json:"commands"` // usage lines
	Inflight   int64        `json:"inflight"` // handlers running now
	Handled    uint64       `json:"handled"`  // handlers ended since the host started
	Failures   uint64       `json:"failures"` // of those, failed or killed
	// P50 and P99 are handler wall times (start to end, waits included)
	// over the last handlerRing handlers; zero when none ran.
	P50 time.Duration `json:"p50_ns"`
	P99 time.Duration `json:"p99_ns"`
	// Memory is the VM's last measured estimate in bytes, -1 when the
	// walk ran over its budget, 0 when not measured yet.
	Memory       int64         `json:"memory"`
	RecentErrors []ScriptError `json:"recent_errors"`
}

// ReloadResult is the outcome of the last load attempt of a script.
type ReloadResult struct {
	At    time.Time `json:"at"`
	OK    bool      `json:"ok"`
	Error string    `json:"error,omitempty"`
	File  string    `json:"file,omitempty"` // where the error points, when it names a line
	Line  int       `json:"line,omitempty"`
}

// ScriptError is one failed or killed handler, its traceback included in Err.
type ScriptError struct {
	At    time.Time `json:"at"`
	Event string    `json:"event"`
	Err   string    `json:"err"`
}

const (
	handlerRing  = 256 // handler times kept per script for the quantiles
	recentErrors = 20  // failures kept per script
)

// scriptRecord is what the host remembers about a script name across its
// versions.
type scriptRecord struct {
	// Written on the handler path, lock-free.
	durations [handlerRing]atomic.Int64
	ended     atomic.Uint64
	failures  atomic.Uint64
	memory    atomic.Int64

	mu       sync.Mutex // guards the fields below
	path     string
	loadedAt time.Time
	version  int
	last     ReloadResult
	errs     []ScriptError // oldest first, at most recentErrors
}

// observe records one ended handler's wall time.
func (r *scriptRecord) observe(d time.Duration) {
	i := r.ended.Add(1) - 1
	r.durations[i%handlerRing].Store(int64(d))
}

// failed records a failure; secrets are the script's secret settings,
// hidden as they are in the log.
func (r *scriptRecord) failed(event, err string, secrets []string) {
	r.failures.Add(1)
	e := ScriptError{At: time.Now(), Event: event, Err: bindings.Redact(err, secrets)}
	r.mu.Lock()
	if len(r.errs) == recentErrors {
		r.errs = slices.Delete(r.errs, 0, 1)
	}
	r.errs = append(r.errs, e)
	r.mu.Unlock()
}

// quantiles returns p50 and p99 of the ring.
func (r *scriptRecord) quantiles() (p50, p99 time.Duration) {
	n := min(r.ended.Load(), handlerRing)
	if n == 0 {
		return 0, 0
	}
	ds := make([]int64, n)
	for i := range ds {
		ds[i] = r.durations[i].Load()
	}
	slices.Sort(ds)
	at := func(q float64) time.Duration { return time.Duration(ds[int(q*float64(n-1)+0.5)]) }
	return at(0.50), at(0.99)
}

// errLine finds the file:line a load error points at.
var errLine = regexp.MustCompile(`([^\s:"']+\.lua):(\d+):`)

// recordLoad notes a load attempt of path: s is the script when it loaded.
// The caller holds h.mu; s's scheduler has not started, so its VM may be
// measured here.
func (h *Host) recordLoad(name, path string, s *script, err error) {
	r := h.record(name)
	res := ReloadResult{At: time.Now(), OK: err == nil}
	if err != nil {
		res.Error = err.Error()
		if m := errLine.FindStringSubmatch(res.Error); m != nil {
			res.File = m[1]
			res.Line, _ = strconv.Atoi(m[2])
		}
	}
	r.mu.Lock()
	r.path, r.last = path, res
	if s != nil {
		r.version++
		r.loadedAt = res.At
	}
	r.mu.Unlock()
	if s != nil {
		s.rec = r
		r.memory.Store(s.estimate())
	}
}

// record returns name's record, making it on first use.
func (h *Host) record(name string) *scriptRecord {
	h.recMu.Lock()
	defer h.recMu.Unlock()
	if h.records == nil {
		h.records = map[string]*scriptRecord{}
	}
	r := h.records[name]
	if r == nil {
		r = &scriptRecord{}
		h.records[name] = r
	}
	return r
}

// ScriptInfos returns every script the host has tried to load, by name.
func (h *Host) ScriptInfos() []ScriptInfo {
	h.recMu.Lock()
	names := make([]string, 0, len(h.records))
	for n := range h.records {
		names = append(names, n)
	}
	h.recMu.Unlock()
	sort.Strings(names)
	out := make([]ScriptInfo, 0, len(names))
	for _, n := range names {
		if info, ok := h.ScriptInfo(n); ok {
			out = append(out, info)
		}
	}
	return out
}

// ScriptInfo returns the script named name, or false when the host never
// tried to load it.
func (h *Host) ScriptInfo(name string) (ScriptInfo, bool) {
	h.recMu.Lock()
	r := h.records[name]
	h.recMu.Unlock()
	if r == nil {
		return ScriptInfo{}, false
	}
	info := ScriptInfo{Name: name, Events: []string{}, Commands: []string{}}
	r.mu.Lock()
	info.Path, info.LoadedAt, info.Version, info.LastReload = r.path, r.loadedAt, r.version, r.last
	info.RecentErrors = slices.Clone(r.errs)
	r.mu.Unlock()
	if info.RecentErrors == nil {
		info.RecentErrors = []ScriptError{}
	}
	info.Handled, info.Failures, info.Memory = r.ended.Load(), r.failures.Load(), r.memory.Load()
	info.P50, info.P99 = r.quantiles()
	if s := h.script(name); s != nil {
		info.Running = true
		info.Halted = s.halted.Load()
		info.Inflight = s.inflight.Load()
		info.Events = append(info.Events, s.subscribed...)
		for _, c := range s.commands {
			info.Commands = append(info.Commands, c.Usage)
		}
	}
	return info, true
}

// ReloadScript loads the file of the script named name again, as a save
// of it would; ErrNoScript for a name the host never loaded.
func (h *Host) ReloadScript(name string) error {
	h.recMu.Lock()
	r := h.records[name]
	h.recMu.Unlock()
	if r == nil {
		return ErrNoScript
	}
	r.mu.Lock()
	path := r.path
	r.mu.Unlock()
	return h.Reload(path)
}
