package sim

import (
	"fmt"
	"net/http"
)

// SetGrantedIntents changes the intents an Identify may ask for, as an approval granted or
// revoked in the bot console would: 0 means every intent (AllIntents). Sessions already
// identified keep what they identified with (the platform stops their revoked events
// silently; the simulator keeps sending them); the next Identify is checked against the
// new set and closed with 4014 if it asks for more.
func (s *Server) SetGrantedIntents(granted uint32) error {
	if extra := granted &^ AllIntents; extra != 0 {
		return fmt.Errorf("%w: granted intents contain unknown bits %#x", ErrInvalidConfig, extra)
	}
	if granted == 0 {
		granted = AllIntents
	}
	s.granted.Store(granted)
	return nil
}

// GrantedIntents returns the intents an Identify may currently ask for.
func (s *Server) GrantedIntents() uint32 { return s.granted.Load() }

// ctlIntents answers GET /sim/intents and POST /sim/intents {"granted": N}: the intents
// the bot is approved for.
func (s *Server) ctlIntents(c *call) {
	if c.r.Method == http.MethodPost {
		var req struct {
			Granted *uint32 `json:"granted"`
		}
		if _, ok := c.decode(&req); !ok {
			return
		}
		if req.Granted == nil {
			c.fail(http.StatusBadRequest, codeRequestInvalid, "granted is required (a bit set; 0 means every intent)")
			return
		}
		if err := s.SetGrantedIntents(*req.Granted); err != nil {
			c.fail(http.StatusBadRequest, codeRequestInvalid, err.Error())
			return
		}
	}
	c.json(http.StatusOK, map[string]uint32{"granted": s.GrantedIntents()})
}
