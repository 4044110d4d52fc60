package transport

import (
	"fmt"

	"github.com/luabot/luabot/gateway"
)

// Readiness says whether the Source is receiving events: every shard of this process
// connected (WebSocket), or the listener serving (webhook). It is read from the same
// state `luabot status` shows, never tracked apart.
type Readiness struct {
	Ready     bool   `json:"ready"`
	Transport string `json:"transport"`
	// Reason says why not ready; empty when ready.
	Reason string `json:"reason,omitempty"`
	// Shards are the WebSocket shards, each with its state.
	Shards []ShardReadiness `json:"shards,omitempty"`
}

// ShardReadiness is one shard's part of a Readiness.
type ShardReadiness struct {
	Shard      int           `json:"shard"`
	State      gateway.State `json:"state"`
	LastReason string        `json:"last_reason,omitempty"`
}

// Readiness reports whether events can arrive now. Safe to call at any time, before
// Start too (then not ready).
func (s *Source) Readiness() Readiness {
	r := Readiness{Transport: s.cfg.Kind}
	if r.Transport == Webhook {
		r.Ready = s.listening.Load()
		if !r.Ready {
			r.Reason = "the webhook listener is not serving yet"
		}
		return r
	}
	st := s.Status()
	if len(st.Shards) == 0 {
		r.Reason = "no shard started yet (fetching the access token or GET /gateway/bot)"
		return r
	}
	notReady := 0
	for _, sh := range st.Shards {
		r.Shards = append(r.Shards, ShardReadiness{Shard: sh.Shard[0], State: sh.State, LastReason: sh.LastReason})
		if sh.State != gateway.StateReady {
			notReady++
		}
	}
	r.Ready = notReady == 0
	if !r.Ready {
		r.Reason = fmt.Sprintf("%d of %d shards not connected", notReady, len(st.Shards))
	}
	return r
}
