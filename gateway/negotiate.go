package gateway

import (
	"math/bits"
	"slices"
	"sync"
)

// IntentNegotiator decides the intents every Identify asks for, and learns from close 4014
// (disallowed intents) which of them the platform does not grant. One negotiator is shared
// by all the shards of a bot, so that what one shard learned is not tried again by the
// others, by later reconnects or after a reload.
//
// The intents come in two kinds, from the Wanted function. Required intents are asked
// for no matter what: if the platform refuses them, Run stops with the *CloseError as it
// always did. Optional intents are the ones a handler could use if the bot has been
// approved for them (for luabot: MESSAGE_CREATE and DIRECT_MESSAGE_CREATE behind the
// "message" pseudo-event). The platform does not say which intent of a refused Identify it
// objects to, so on 4014 the negotiator tries the subsets of the optional intents in turn,
// the larger ones first (between two of the same size, the one with the higher bits; so
// GUILD_MESSAGES, private-domain only and the rarest approval, is given up before
// DIRECT_MESSAGE), down to none. Each attempt is a new Identify; none is a failure for the
// backoff. Once an Identify is answered with READY, the optional intents it left out are
// remembered as not granted and are not asked for again by this negotiator.
//
// It is safe for concurrent use.
type IntentNegotiator struct {
	wanted    func() (required, optional Intent)
	onDropped func(dropped Intent)

	mu      sync.Mutex
	refused map[Intent]bool // Identify intent sets answered with 4014
	tried   Intent          // the union of those sets
	dropped Intent          // optional intents known not to be granted
	granted Intent          // intents of the last Identify answered with READY; 0 until one is
	warned  Intent          // dropped intents onDropped was told about
}

// NewIntentNegotiator returns a negotiator that asks wanted, before every Identify, which
// intents the handlers need (required) and which they could use (optional). onDropped,
// if not nil, is called once for each set of optional intents the platform turned out not
// to grant, when the Identify without them is answered with READY, so that the caller can
// say once which events the bot will not receive.
func NewIntentNegotiator(wanted func() (required, optional Intent), onDropped func(dropped Intent)) *IntentNegotiator {
	return &IntentNegotiator{wanted: wanted, onDropped: onDropped, refused: map[Intent]bool{}}
}

// Next returns the intents the next Identify asks for: the required intents and the
// optional ones not known to be refused, never 0 (IntentGuilds alone, like Config.Intents).
func (n *IntentNegotiator) Next() Intent {
	n.mu.Lock()
	defer n.mu.Unlock()
	set, _ := n.next()
	return set
}

// next returns the first candidate not refused yet; ok is false when every candidate
// (the required intents alone included) was refused. The caller holds mu.
func (n *IntentNegotiator) next() (Intent, bool) {
	required, optional := n.wanted()
	optional &^= required | n.dropped
	for _, sub := range subsets(optional) {
		set := required | sub
		if set == 0 {
			set = IntentGuilds
		}
		if !n.refused[set] {
			return set, true
		}
	}
	set := required
	if set == 0 {
		set = IntentGuilds
	}
	return set, false
}

// Required returns the intents the handlers need now, which every Identify asks for.
func (n *IntentNegotiator) Required() Intent {
	n.mu.Lock()
	defer n.mu.Unlock()
	required, _ := n.wanted()
	return required
}

// Refused records that an Identify asking for sent was closed with 4014 and reports
// whether another, smaller set remains to be tried; if not, the intents the scripts
// require are themselves not granted and Run stops.
func (n *IntentNegotiator) Refused(sent Intent) bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.refused[sent] = true
	n.tried |= sent
	_, ok := n.next()
	return ok
}

// Ready records that an Identify asking for sent was answered with READY: sent is
// granted. Optional intents it left out are remembered as not granted, and onDropped is
// told about those it has not been told about yet.
func (n *IntentNegotiator) Ready(sent Intent) {
	n.mu.Lock()
	required, optional := n.wanted()
	n.granted = sent
	// Only intents that were asked for and refused count as not granted: one the
	// handlers started to want after this Identify went out was never asked for.
	n.dropped |= optional &^ required &^ sent & n.tried
	tell := n.dropped &^ n.warned
	n.warned |= tell
	n.mu.Unlock()
	if tell != 0 && n.onDropped != nil {
		n.onDropped(tell)
	}
}

// Missing returns the intents the next Identify would ask for that the last one answered
// with READY did not: what the handlers started to want since (intents are only sent at
// Identify). It is 0 before a READY, and 0 when the handlers want nothing at all: the
// IntentGuilds that Next then asks for only stands in for an empty set.
func (n *IntentNegotiator) Missing() Intent {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.granted == 0 {
		return 0
	}
	if required, optional := n.wanted(); required|optional&^n.dropped == 0 {
		return 0
	}
	set, _ := n.next()
	return set &^ n.granted
}

// Granted returns the intents of the last Identify answered with READY, 0 before one.
func (n *IntentNegotiator) Granted() Intent {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.granted
}

// Dropped returns the optional intents known not to be granted.
func (n *IntentNegotiator) Dropped() Intent {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.dropped
}

// subsets lists every subset of set, larger ones first, and among subsets of one size
// the higher values first; set itself comes first and 0 last.
func subsets(set Intent) []Intent {
	var members []Intent
	for b := set; b != 0; b &= b - 1 {
		members = append(members, b&-b)
	}
	if len(members) > 8 {
		// Never the case with the platform's intents as luabot uses them; bound the
		// search anyway: beyond 8 optional bits, give them all up at once.
		return []Intent{set, 0}
	}
	out := make([]Intent, 0, 1<<len(members))
	for mask := 0; mask < 1<<len(members); mask++ {
		var sub Intent
		for i, m := range members {
			if mask&(1<<i) != 0 {
				sub |= m
			}
		}
		out = append(out, sub)
	}
	slices.SortFunc(out, func(a, b Intent) int {
		if ca, cb := bits.OnesCount32(uint32(a)), bits.OnesCount32(uint32(b)); ca != cb {
			return cb - ca
		}
		switch {
		case a > b:
			return -1
		case a < b:
			return 1
		}
		return 0
	})
	return out
}
