package gateway

import "testing"

// A resume cut off while it was replaying events is progress, not a
// failure: three such in a row must not abandon the session.
func TestPolicy_ResumeThatReplayedIsNotAFailure(t *testing.T) {
	var p policy
	cut := outcome{code: 1006, resumeSent: true, delivered: true}
	for i := range 5 {
		if act, rule := p.decide(cut, true); act != actionResume {
			t.Fatalf("drop %d during a replaying resume: %v (%s), want resume", i+1, act, rule)
		}
	}
	silent := outcome{code: 1006, resumeSent: true}
	p.decide(silent, true)
	p.decide(silent, true)
	if act, _ := p.decide(silent, true); act != actionIdentify {
		t.Fatalf("the third resume in a row that delivered nothing: %v, want identify", act)
	}
}
