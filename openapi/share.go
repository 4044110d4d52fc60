package openapi

import "fmt"

// The fair share of a message's passive replies among scripts.
//
// A group or C2C message takes 5 passive replies in all, and every script of
// a bot answers through one Replier, so without a rule one script with five
// handlers (or one handler replying five times) could use them all before a
// neighbour's handler got to run. The rule:
//
//   - When an event reaches N scripts (N >= 2), each of them has
//     MaxReplies/N replies (rounded down: 2 each for two scripts, 1 each for
//     three to five, none kept for more than five) kept for it while its
//     handlers for that event are running or still to run.
//   - A script may go past its own share only into replies nobody keeps:
//     a reply is refused when, after it, fewer replies would be left than
//     the unused shares of the other scripts still handling the event.
//   - When a script's handlers for the event have all ended (or it had none),
//     its unused share is released to whoever asks next.
//
// So with two scripts, one may send 3 replies at once and the other is
// sure of 2; once the other is done, the first may send the rest. A share
// only ever refuses a reply, it never delays one, so replies keep their
// order and a script learns at once (nil, err) that the rest is kept for
// others.

// replyShare is what the Replier knows about one event's scripts.
type replyShare struct {
	scripts int             // how many scripts the event was routed to
	pending map[string]bool // those whose handlers for it have not all ended
}

// Expect announces that the event eventID (the dispatch envelope's id) goes
// to scripts; each must later Leave it. With fewer than two scripts, or no
// id, nothing is recorded and no share applies.
func (r *Replier) Expect(eventID string, scripts []string) {
	if eventID == "" || len(scripts) < 2 {
		return
	}
	sh := &replyShare{scripts: len(scripts), pending: make(map[string]bool, len(scripts))}
	for _, s := range scripts {
		sh.pending[s] = true
	}
	r.mu.Lock()
	r.shares[eventID] = sh
	r.mu.Unlock()
}

// Leave records that script's handlers for eventID have all ended: its
// unused share is released. The event's record goes with the last script.
func (r *Replier) Leave(eventID, script string) {
	if eventID == "" {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	sh := r.shares[eventID]
	if sh == nil {
		return
	}
	delete(sh.pending, script)
	if len(sh.pending) == 0 {
		delete(r.shares, eventID)
	}
}

// checkShare refuses one more reply by script to st's message when it would
// eat into the replies sh, the share of the event it answers, keeps for the
// other scripts still handling that event. by is the message's replies per
// script. The caller holds r.mu.
func checkShare(sh *replyShare, st replyState, by map[string]int, src Source, script string) error {
	share := MaxReplies / sh.scripts
	if share == 0 {
		return nil
	}
	kept, others := 0, 0
	for name := range sh.pending {
		if name != script {
			kept += max(0, share-by[name])
			others++
		}
	}
	if int(st.sent)+int(st.inFlight)+1+kept <= MaxReplies {
		return nil
	}
	return &ReplyError{Reason: ErrReplyLimit, Detail: fmt.Sprintf(
		"the %s message takes %d replies and %d of those left are kept for %d other script(s) still handling it "+
			"(each of the %d scripts it reached has %d until its handlers end)",
		src.Scene, MaxReplies, kept, others, sh.scripts, share)}
}
