package sim

import (
	"fmt"
	"math"
	"net/http"
	"time"
)

// The platform clock decides every timing rule the platform enforces:
// reply windows, active-message quotas, token expiry, session retention,
// recall windows. Advance moves it forward so that a test, or a user
// trying out an expired reply, reaches those rules without waiting; the
// heartbeat timeout and other network deadlines keep real time, because
// they guard real sockets.

// now is the platform clock.
func (s *Server) now() time.Time {
	return s.clock().Add(time.Duration(s.skew.Load()))
}

// Advance moves the platform clock forward by d. The clock never runs
// backwards, so a negative d is an error.
func (s *Server) Advance(d time.Duration) error {
	if d < 0 {
		return fmt.Errorf("sim: advance %v: the platform clock only moves forward", d)
	}
	for {
		old := s.skew.Load()
		if old > math.MaxInt64-int64(d) {
			return fmt.Errorf("sim: advance %v: the platform clock would pass year 2262", d)
		}
		if s.skew.CompareAndSwap(old, old+int64(d)) {
			return nil
		}
	}
}

// Now reports the platform clock.
func (s *Server) Now() time.Time { return s.now() }

// ctlClock answers POST /sim/clock {"advance":"5m1s"} with the new time;
// an empty body only reads it.
func (s *Server) ctlClock(c *call) {
	var req struct {
		Advance string `json:"advance"`
	}
	if _, ok := c.decode(&req); !ok {
		return
	}
	if req.Advance != "" {
		d, err := time.ParseDuration(req.Advance)
		if err != nil {
			c.fail(http.StatusBadRequest, codeRequestInvalid, `advance: want a Go duration such as "5m1s": `+err.Error())
			return
		}
		if err := s.Advance(d); err != nil {
			c.fail(http.StatusBadRequest, codeRequestInvalid, err.Error())
			return
		}
	}
	c.json(http.StatusOK, map[string]string{"now": timestamp(s.now())})
}
