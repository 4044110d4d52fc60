package sim

import "time"

// SetClock replaces the platform clock (token expiry, reply windows,
// session retention). Call it before Start; network deadlines such as the
// heartbeat timeout keep using real time.
func SetClock(s *Server, now func() time.Time) {
	s.now = now
}
