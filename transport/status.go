package transport

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"time"

	"github.com/luabot/luabot/dispatch"
	"github.com/luabot/luabot/gateway"
)

// StatusReport is what `luabot status` shows: the state of each shard of a running (or
// the last) process.
type StatusReport struct {
	Bot        string    `json:"bot,omitempty"` // Config.Name
	PID        int       `json:"pid"`
	Transport  string    `json:"transport"`
	Updated    time.Time `json:"updated"`
	Received   uint64    `json:"received"`   // events handed to the consumer
	Duplicates uint64    `json:"duplicates"` // events dropped by the dedup window
	// IntentsNotGranted are the optional intents the platform refused (close 4014), so
	// the scripts do not get their events; each shard's Intents are what it was granted.
	IntentsNotGranted dispatch.Intent  `json:"intents_not_granted,omitempty"`
	Shards            []gateway.Status `json:"shards"`
}

// Status reports the current state of every shard.
func (s *Source) Status() StatusReport {
	r := StatusReport{Bot: s.cfg.Name, PID: os.Getpid(), Transport: s.cfg.Kind, Updated: time.Now(), Received: s.delivered.Load()}
	if d := s.dedup.Load(); d != nil {
		r.Duplicates = d.Dropped()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.intents != nil {
		r.IntentsNotGranted = s.intents.Dropped()
	}
	for _, c := range s.shards {
		r.Shards = append(r.Shards, c.Status())
	}
	return r
}

// statusEvery is how often statusLoop rewrites StatusFile for its counters;
// statusCheck is how often it looks for a shard whose state changed, which
// it writes at once, so that `luabot status` shows a shard that just became
// ready (or lost its connection) without waiting out the second.
const (
	statusEvery = time.Second
	statusCheck = 50 * time.Millisecond
)

// statusLoop writes StatusFile at once, then on every change of a shard's
// state and at least every statusEvery, until ctx is done.
func (s *Source) statusLoop(ctx context.Context) {
	t := time.NewTicker(statusCheck)
	defer t.Stop()
	last := s.writeStatus()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if r := s.Status(); r.Updated.Sub(last.Updated) >= statusEvery || !sameStates(last, r) {
			last = s.writeStatus()
		}
	}
}

// sameStates reports whether a and b show the same shards in the same
// states (their counters aside).
func sameStates(a, b StatusReport) bool {
	if len(a.Shards) != len(b.Shards) || a.IntentsNotGranted != b.IntentsNotGranted {
		return false
	}
	for i := range a.Shards {
		x, y := a.Shards[i], b.Shards[i]
		if x.Shard != y.Shard || x.State != y.State || !x.Since.Equal(y.Since) || x.Intents != y.Intents {
			return false
		}
	}
	return true
}

// writeStatus replaces StatusFile atomically (write, then rename) with the
// current status, and returns what it wrote. A failure is logged when it
// first happens (and when its error changes), not at every rewrite: a
// folder the bot cannot write to or a full disk would otherwise log a
// warning every second for as long as it lasts. Its end is logged too.
func (s *Source) writeStatus() StatusReport {
	r := s.Status()
	if s.cfg.StatusFile == "" {
		return r
	}
	// One writer at a time: the loop, Run's end and Flush share the
	// temporary file.
	s.statusMu.Lock()
	defer s.statusMu.Unlock()
	path := filepath.Clean(s.cfg.StatusFile)
	b, err := json.MarshalIndent(r, "", "  ")
	if err == nil {
		tmp := s.cfg.StatusFile + ".tmp"
		if err = os.WriteFile(tmp, b, 0o600); err == nil {
			err = os.Rename(tmp, s.cfg.StatusFile)
		}
		if err != nil {
			os.Remove(tmp) // a full disk leaves it empty or cut short
		}
	}
	switch {
	case err != nil && err.Error() != s.statusErr:
		s.statusErr = err.Error()
		s.log.Warn("status file not written", "path", path, "err", err,
			"hint", "luabot status shows an old state until it is; luabot tries again every second and says when it works")
	case err == nil && s.statusErr != "":
		s.statusErr = ""
		s.log.Info("status file written again", "path", path)
	}
	return r
}
