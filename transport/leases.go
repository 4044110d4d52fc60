package transport

import (
	"context"
	"fmt"
	"os"
	"slices"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/luabot/luabot/dispatch"
	"github.com/luabot/luabot/gateway"
)

// Shards shared through leases. Every process of the bot runs this loop:
// once per third of the lease time it reports itself alive (Heartbeat),
// renews the leases it holds, gives up shards above its fair share (the
// shard count over the live processes, rounded up) and claims free ones up
// to it. A process that dies stops renewing; its leases and its heartbeat
// lapse after LeaseTTL, and the next round of the others takes its shards,
// resuming each from the session it saved in the shared store: the
// takeover comes within LeaseTTL plus one round, under 2 × LeaseTTL.
//
// Fencing: each lease carries a version that changes whenever it changes
// hands. A process serves a shard only until its local deadline, a fifth of
// the lease before the server's expiry counted from when the renewal was
// sent, so a process cut off from the store (a partition) stops dispatching
// that shard's events and saving its session before any other process can
// take it; a renewal that finds another version stops the shard at once.

// DefaultLeaseTTL is how long a shard lease lasts unless renewed.
const DefaultLeaseTTL = 10 * time.Second

// minLeaseTTL keeps the rounds (a third of it) longer than a store call.
const minLeaseTTL = time.Second

// Leaser keeps shard leases in the store the bot's processes share.
type Leaser interface {
	// Heartbeat records owner alive, holding shards, for ttl; it returns the live
	// processes' owners.
	Heartbeat(owner string, shards []int, ttl time.Duration) ([]string, error)
	// Acquire takes or renews shard's lease for owner for ttl; ok is false when
	// another process holds it. version changes when the lease changes hands.
	Acquire(shard int, owner string, ttl time.Duration) (version int64, ok bool, err error)
	// Release gives the lease up if owner holds it.
	Release(shard int, owner string) error
	// Leave removes owner from the live processes.
	Leave(owner string) error
}

// Announcer records a process with a fixed set of shards in the shared store.
type Announcer interface {
	Announce(owner string, shards []int, ttl time.Duration) error
	Leave(owner string) error
}

// announce records this process and the shards it runs until ctx ends.
func (s *Source) announce(ctx context.Context) {
	owner := s.owner()
	ttl := DefaultLeaseTTL
	tick := time.NewTicker(ttl / 3)
	defer tick.Stop()
	defer func() { _ = s.cfg.Presence.Leave(owner) }()
	for {
		s.mu.Lock()
		ids := make([]int, 0, len(s.shards))
		for _, c := range s.shards {
			ids = append(ids, c.Status().Shard[0])
		}
		s.mu.Unlock()
		_ = s.cfg.Presence.Announce(owner, ids, ttl) // status only: the next round tries again
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// leasedShard is one shard this process serves under a lease.
type leasedShard struct {
	id      int
	version int64
	client  *gateway.Client
	cancel  context.CancelFunc
	done    chan struct{}

	mu       sync.Mutex
	deadline time.Time // serve until then
}

func (l *leasedShard) valid(now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return now.Before(l.deadline)
}

func (l *leasedShard) extend(sent time.Time, ttl time.Duration) {
	l.mu.Lock()
	l.deadline = sent.Add(ttl - ttl/5)
	l.mu.Unlock()
}

// fencedSessions refuses to save a shard's session once its lease may have
// passed to another process, whose session it would overwrite.
type fencedSessions struct {
	gateway.SessionStore
	lease *leasedShard
}

func (f fencedSessions) SaveSession(s gateway.Session) error {
	if !f.lease.valid(time.Now()) {
		return fmt.Errorf("shard %d: lease lost; the session is another process's now: %w", f.lease.id, gateway.ErrSessionHandedOver)
	}
	return f.SessionStore.SaveSession(s)
}

// owner returns the name of this process among the bot's.
func (s *Source) owner() string {
	if s.cfg.Owner != "" {
		return s.cfg.Owner
	}
	host, _ := os.Hostname()
	return fmt.Sprintf("%s/%d/%s", host, os.Getpid(), uuid.NewString()[:8])
}

// runLeased serves the shards of ids this process holds leases of, until ctx ends.
// newClient builds the gateway client of one shard over the given session store.
func (s *Source) runLeased(ctx context.Context, ids []int, newClient func(id int, sessions gateway.SessionStore) (*gateway.Client, error),
	sessions gateway.SessionStore, handle func(dispatch.Event)) error {
	ttl := s.cfg.LeaseTTL
	if ttl == 0 {
		ttl = DefaultLeaseTTL
	}
	owner := s.owner()
	var mu sync.Mutex // one event at a time, each shard in its own order (as fanIn)
	held := map[int]*leasedShard{}
	s.log.Info("sharing shards through leases", "owner", owner, "shards", len(ids), "lease", ttl)

	stop := func(l *leasedShard, why string) {
		l.cancel()
		<-l.done
		delete(held, l.id)
		s.setShards(held)
		s.log.Info("shard stopped", "shard_id", l.id, "why", why)
	}
	start := func(id int, version int64, sent time.Time) error {
		l := &leasedShard{id: id, version: version, done: make(chan struct{})}
		l.extend(sent, ttl)
		c, err := newClient(id, fencedSessions{sessions, l})
		if err != nil {
			return err
		}
		if s.cfg.OnTakeover != nil {
			s.cfg.OnTakeover(id)
		}
		var cctx context.Context
		cctx, l.cancel = context.WithCancel(ctx)
		l.client = c
		held[id] = l
		s.setShards(held)
		dropped := false
		go func() {
			defer close(l.done)
			err := c.Run(cctx, func(ev dispatch.Event) {
				// Fencing at the event: past the deadline the shard is not ours.
				if !l.valid(time.Now()) {
					if !dropped {
						dropped = true
						s.log.Warn("shard lease expired: its events are left to the next holder", "shard_id", id)
					}
					return
				}
				mu.Lock()
				defer mu.Unlock()
				handle(ev)
			})
			if err != nil && cctx.Err() == nil {
				s.log.Error("shard stopped", "shard_id", id, "err", err)
			}
		}()
		s.log.Info("shard lease taken", "shard_id", id, "version", version)
		return nil
	}
	defer func() {
		for _, l := range held {
			stop(l, "shutting down")
			_ = s.cfg.Leases.Release(l.id, owner)
		}
		_ = s.cfg.Leases.Leave(owner)
	}()

	tick := time.NewTicker(ttl / 3)
	defer tick.Stop()
	storeDown := false
	for {
		sent := time.Now()
		mine := make([]int, 0, len(held))
		for id := range held {
			mine = append(mine, id)
		}
		slices.Sort(mine)
		live, err := s.cfg.Leases.Heartbeat(owner, mine, ttl)
		if err != nil && !storeDown {
			s.log.Warn("shard leases cannot be renewed: the store does not answer; shards stop when their leases run out", "err", err)
		}
		if err == nil && storeDown {
			s.log.Info("shard leases renewed again")
		}
		storeDown = err != nil
		if err == nil {
			// Renew what is held; a lease found in other hands stops at once.
			for _, id := range mine {
				l := held[id]
				v, ok, err := s.cfg.Leases.Acquire(id, owner, ttl)
				switch {
				case err != nil: // kept until its deadline
				case !ok || v != l.version:
					stop(l, "lease taken by another process")
				default:
					l.extend(sent, ttl)
				}
			}
			fair := (len(ids) + max(len(live), 1) - 1) / max(len(live), 1)
			// Give up the highest shards above the fair share, so another process
			// can claim them at its next round.
			for len(held) > fair {
				top := -1
				for id := range held {
					top = max(top, id)
				}
				l := held[top]
				stop(l, "rebalancing")
				_ = s.cfg.Leases.Release(top, owner)
			}
			for _, id := range ids {
				if len(held) >= fair {
					break
				}
				if _, ok := held[id]; ok {
					continue
				}
				v, ok, err := s.cfg.Leases.Acquire(id, owner, ttl)
				if err != nil || !ok {
					continue
				}
				if err := start(id, v, sent); err != nil {
					_ = s.cfg.Leases.Release(id, owner)
					return err
				}
			}
		}
		// Fencing: stop what could not be renewed in time.
		now := time.Now()
		for _, l := range held {
			if !l.valid(now) {
				stop(l, "lease not renewed in time")
			}
		}
		// Wake at the next round, or at the first deadline if it comes
		// sooner: a shard must stop at its deadline, not at the round after.
		for {
			var first time.Time
			for _, l := range held {
				l.mu.Lock()
				if first.IsZero() || l.deadline.Before(first) {
					first = l.deadline
				}
				l.mu.Unlock()
			}
			var expire <-chan time.Time
			timer := time.NewTimer(time.Hour)
			if !first.IsZero() {
				timer.Reset(time.Until(first))
				expire = timer.C
			}
			select {
			case <-ctx.Done():
				timer.Stop()
				return nil
			case <-tick.C:
				timer.Stop()
			case <-expire:
				now := time.Now()
				for _, l := range held {
					if !l.valid(now) {
						stop(l, "lease not renewed in time")
					}
				}
				continue
			}
			break
		}
	}
}

// setShards publishes the running clients for Status and Flush.
func (s *Source) setShards(held map[int]*leasedShard) {
	ids := make([]int, 0, len(held))
	for id := range held {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	clients := make([]*gateway.Client, 0, len(ids))
	for _, id := range ids {
		clients = append(clients, held[id].client)
	}
	s.mu.Lock()
	s.shards = clients
	s.mu.Unlock()
}
