package host

import "time"

// A script that fails on every event must not flood the log: each script
// logs at most failureBurst handler failures per failureWindow, then one
// line saying how many it left out.
const (
	failureBurst  = 10
	failureWindow = time.Minute
)

// failureLog counts a script's logged failures; scheduler goroutine only.
type failureLog struct {
	windowStart time.Time
	logged      int
	suppressed  int
}

// failed logs a handler failure, rate-limited per script.
func (s *script) failed(msg, event, err string) {
	if s.onFailure != nil {
		s.onFailure(s.name, event, err)
	}
	if s.rec != nil {
		s.rec.failed(event, err, s.secrets)
	}
	now := time.Now()
	f := &s.failures
	if now.Sub(f.windowStart) >= failureWindow {
		if f.suppressed > 0 {
			s.log.Error("handler failures not logged", "count", f.suppressed, "window", failureWindow)
		}
		*f = failureLog{windowStart: now}
	}
	if f.logged >= failureBurst {
		f.suppressed++
		return
	}
	f.logged++
	s.log.Error(msg, "event", event, "err", err)
	if f.logged == failureBurst {
		s.log.Warn("this script keeps failing; further failures this minute are counted, not logged")
	}
}
