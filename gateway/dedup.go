package gateway

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
)

// DefaultDedupSize is how many event ids a [Dedup] remembers when DedupConfig.Size is 0:
// more than the platform replays on a resume (the simulator keeps 1000) and than webhook
// retries span.
const DefaultDedupSize = 4096

// DedupStore persists a Dedup window across restarts.
type DedupStore interface {
	// LoadSeen returns the saved ids, oldest first; none is not an error.
	LoadSeen() ([]string, error)
	// SaveSeen replaces the saved ids, oldest first.
	SaveSeen(ids []string) error
}

// SharedWindow is a dedup window several processes of one bot share (kept in their
// shared store), consulted for every event the process's own window has not seen: a
// shard resumed by another process, or a webhook retry landing on another instance,
// then still reaches the scripts once.
type SharedWindow interface {
	// Claim reports whether this process may handle the event id: false when another
	// process finished it, or, with pending, is handling it now (a webhook delivered to
	// two instances at once). A pending claim lapses after a while, so that an event
	// whose process died is handled by the next delivery.
	Claim(id string, pending bool) (bool, error)
	// Settle records that the event id was handled.
	Settle(id string) error
}

// DedupConfig configures a [Dedup]. The zero value is an in-memory window of
// DefaultDedupSize ids.
type DedupConfig struct {
	// Size is how many recent ids are remembered. 0 means DefaultDedupSize.
	Size int
	// Store persists the window. Nil keeps it in memory only.
	Store DedupStore
	// Shared is the window shared with the bot's other processes. With it Store is
	// not needed: the shared window is already persistent.
	Shared SharedWindow
	// ClaimPending makes Claim stop an event another process is still handling
	// (webhooks, where the platform may deliver one event to two instances); without
	// it only finished events are stopped (WebSocket, where one process holds a shard).
	ClaimPending bool
	// SaveInterval is the least time between two saves by Run. 0 means 1 s.
	SaveInterval time.Duration
	// Logger receives one debug line per duplicate dropped, and save failures. Nil discards.
	Logger *slog.Logger
}

// Dedup remembers the ids of recently delivered events so that a replay after a resume
// or restart, or a webhook retry, reaches the scripts once. An event without an id is
// known by its BodyHash (Event.DedupKey); one with neither always passes. It is safe for concurrent use; every transport of a process shares one.
type Dedup struct {
	cfg DedupConfig
	log *slog.Logger

	mu    sync.Mutex
	ring  []string // the window; next is where the next id goes, overwriting the oldest
	next  int
	seen  map[string]struct{}
	dirty bool
	// unsettled holds the ids handed out by WrapSettled whose handling has
	// not finished: they are left out of saves, so that a process killed
	// before handling them gets them replayed after its restart instead of
	// dropping them as seen.
	unsettled map[string]struct{}

	dropped atomic.Uint64
	saveMu  sync.Mutex // serialises Flush, so saves land in order
	// sharedDown is whether the last call to the shared window failed, so that
	// its failures and its recovery are logged once each.
	sharedDown atomic.Bool
}

// NewDedup builds a window and loads what Store saved.
func NewDedup(cfg DedupConfig) (*Dedup, error) {
	if cfg.Size < 0 || cfg.SaveInterval < 0 {
		return nil, fmt.Errorf("%w: negative dedup size or save interval", ErrInvalidConfig)
	}
	if cfg.Size == 0 {
		cfg.Size = DefaultDedupSize
	}
	if cfg.SaveInterval == 0 {
		cfg.SaveInterval = defaultSaveInterval
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	d := &Dedup{cfg: cfg, log: cfg.Logger, ring: make([]string, 0, cfg.Size), seen: make(map[string]struct{}, cfg.Size),
		unsettled: map[string]struct{}{}}
	if cfg.Store != nil {
		ids, err := cfg.Store.LoadSeen()
		if err != nil {
			return nil, fmt.Errorf("load dedup window: %w", err)
		}
		for _, id := range ids {
			d.add(id)
		}
		d.dirty = false
	}
	return d, nil
}

// Seen records id and reports whether it was already in the window. The empty id is
// never recorded and never seen.
func (d *Dedup) Seen(id string) bool {
	if id == "" {
		return false
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if _, ok := d.seen[id]; ok {
		return true
	}
	d.add(id)
	return false
}

// add records id; the caller holds mu (or owns d exclusively).
func (d *Dedup) add(id string) {
	if _, ok := d.seen[id]; ok {
		return
	}
	if len(d.ring) < d.cfg.Size {
		d.ring = append(d.ring, id)
	} else {
		delete(d.seen, d.ring[d.next])
		delete(d.unsettled, d.ring[d.next])
		d.ring[d.next] = id
		d.next = (d.next + 1) % d.cfg.Size
	}
	d.seen[id] = struct{}{}
	d.dirty = true
}

// Wrap returns a handler that passes each event to handle unless its id was seen before.
func (d *Dedup) Wrap(handle func(Event)) func(Event) {
	return func(ev Event) {
		if d.Seen(ev.DedupKey()) {
			d.dropped.Add(1)
			d.log.Debug("gateway duplicate event dropped", "event_id", ev.ID, "type", ev.Type, "seq", ev.Seq)
			if ev.Done != nil {
				ev.Done()
			}
			return
		}
		handle(ev)
	}
}

// WrapSettled is Wrap for a handler that reports when it has finished with
// an event by calling settle (once; from any goroutine). Until then the id
// keeps stopping repeats in this process but is not saved.
func (d *Dedup) WrapSettled(handle func(ev Event, settle func())) func(Event) {
	return func(ev Event) {
		done := ev.Done
		if done == nil {
			done = func() {}
		}
		if d.Seen(ev.DedupKey()) {
			d.dropped.Add(1)
			d.log.Debug("gateway duplicate event dropped", "event_id", ev.ID, "type", ev.Type, "seq", ev.Seq)
			done()
			return
		}
		key := ev.DedupKey()
		if key == "" {
			handle(ev, done)
			return
		}
		if !d.claim(key) {
			d.dropped.Add(1)
			d.log.Debug("gateway duplicate event dropped (handled by another process)", "event_id", ev.ID, "type", ev.Type, "seq", ev.Seq)
			done()
			return
		}
		d.mu.Lock()
		d.unsettled[key] = struct{}{}
		d.mu.Unlock()
		handle(ev, func() {
			d.settle(key)
			d.settleShared(key)
			done()
		})
	}
}

// claim asks the shared window whether key may be handled here. When the
// shared store cannot answer, the event is handled: dropping it would lose
// it for sure, handling it at worst repeats one another process handled.
func (d *Dedup) claim(key string) bool {
	if d.cfg.Shared == nil {
		return true
	}
	ok, err := d.cfg.Shared.Claim(key, d.cfg.ClaimPending)
	d.sharedState(err)
	return err != nil || ok
}

func (d *Dedup) settleShared(key string) {
	if d.cfg.Shared == nil {
		return
	}
	d.sharedState(d.cfg.Shared.Settle(key))
}

// sharedState logs a change between the shared window answering and not.
func (d *Dedup) sharedState(err error) {
	switch {
	case err != nil && !d.sharedDown.Swap(true):
		d.log.Warn("shared dedup window unreachable: events are handled without it until it answers", "err", err)
	case err == nil && d.sharedDown.Swap(false):
		d.log.Info("shared dedup window reachable again")
	}
}

// settle lets id be saved.
func (d *Dedup) settle(id string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if _, ok := d.unsettled[id]; ok {
		delete(d.unsettled, id)
		d.dirty = true
	}
}

// Dropped reports how many duplicates Wrap has dropped.
func (d *Dedup) Dropped() uint64 { return d.dropped.Load() }

// Run saves the window at most once per SaveInterval until ctx is done. It does not save
// on return: call Flush once nothing feeds the window any more.
func (d *Dedup) Run(ctx context.Context) error {
	if d.cfg.Store == nil {
		<-ctx.Done()
		return nil
	}
	t := time.NewTicker(d.cfg.SaveInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
			if err := d.Flush(); err != nil {
				d.log.Warn("gateway dedup window not saved; will retry", "err", err)
			}
		}
	}
}

// Flush saves the window now if it changed since the last save.
func (d *Dedup) Flush() error {
	if d.cfg.Store == nil {
		return nil
	}
	d.saveMu.Lock()
	defer d.saveMu.Unlock()
	d.mu.Lock()
	if !d.dirty {
		d.mu.Unlock()
		return nil
	}
	ids := make([]string, 0, len(d.ring))
	for _, part := range [][]string{d.ring[d.next:], d.ring[:d.next]} {
		for _, id := range part {
			if _, wait := d.unsettled[id]; !wait {
				ids = append(ids, id)
			}
		}
	}
	d.dirty = false
	d.mu.Unlock()
	if err := d.cfg.Store.SaveSeen(ids); err != nil {
		d.mu.Lock()
		d.dirty = true
		d.mu.Unlock()
		return err
	}
	return nil
}
