package host

import "time"

// Observer hears what the scripts do, for metrics (package metrics implements it; host
// never imports a metrics library). Config.Observer nil means nobody listens.
type Observer interface {
	// Script is called once per script version as it loads (a reload asks again), so
	// that what the ScriptObserver counts per event can be looked up once, not per
	// event. It must not return nil.
	Script(name string) ScriptObserver
	// Reload is called after each live reload with ReloadOK, ReloadFailed (the previous
	// version keeps running) or ReloadRemoved (the file is gone).
	Reload(script, outcome string)
}

// ScriptObserver hears of one script version's handlers and inbox. Its methods are
// called on the script's scheduler goroutine (Dropped on the goroutine that delivers
// events) and must not block.
type ScriptObserver interface {
	// HandlerDone is called when a handler, timer callback or command ends, with the
	// event that started it ("timer" for timers), one of the Outcome constants, and the
	// time from its start to its end, waits included.
	HandlerDone(event, outcome string, took time.Duration)
	// Dropped is called for each event dropped because the inbox was full.
	Dropped()
}

// Outcomes of a handler, for ScriptObserver.HandlerDone.
const (
	OutcomeOK           = "ok"
	OutcomeError        = "error"         // it raised, or its script's code failed
	OutcomeKilledCPU    = "killed_cpu"    // it used its CPU budget
	OutcomeKilledMemory = "killed_memory" // its script went over its memory limit while it ran
)

// Outcomes of a reload, for Observer.Reload.
const (
	ReloadOK      = "ok"
	ReloadFailed  = "failed"
	ReloadRemoved = "removed"
)

// ScriptStats is what a script holds now, read by metrics at scrape time.
type ScriptStats struct {
	Name string
	// Memory is the last estimate of what the script keeps reachable between events
	// (bytes); 0 before the first estimate.
	Memory int64
	// Timers is how many of its timers are pending.
	Timers int
	// Inflight is how many handlers are running or parked; Queued how many events
	// and timer ticks wait in its inbox.
	Inflight, Queued int64
}

// Stats reports every loaded script's ScriptStats. Safe from any goroutine.
func (h *Host) Stats() []ScriptStats {
	scripts := h.list()
	out := make([]ScriptStats, 0, len(scripts))
	for _, s := range scripts {
		out = append(out, ScriptStats{Name: s.name, Memory: s.memEstimate.Load(), Timers: int(s.timerCount.Load()),
			Inflight: s.inflight.Load(), Queued: s.queued.Load()})
	}
	return out
}

// noObserver is the ScriptObserver of a host without Config.Observer.
type noObserver struct{}

func (noObserver) HandlerDone(string, string, time.Duration) {}
func (noObserver) Dropped()                                  {}

// outcome classifies how h ended.
func (h *handler) outcome() string {
	switch {
	case h.overMemory.Load():
		return OutcomeKilledMemory
	case h.killed.Load() != nil:
		return OutcomeKilledCPU
	case h.failed:
		return OutcomeError
	}
	return OutcomeOK
}
