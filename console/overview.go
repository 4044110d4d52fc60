package console

import (
	"context"
	"net/http"
	"sync"
	"time"

	"github.com/luabot/luabot/gateway"
)

// Overview charts: once a second the sampler reads the running totals
// (events delivered, bot messages, handler failures) and keeps the last
// minute of per-second differences.

const samplePoints = 60

// counters are running totals since the start.
type counters struct {
	Events, Replies, Errors uint64
}

// Sample is one second of the overview's charts.
type Sample struct {
	At      time.Time `json:"at"`
	Events  uint64    `json:"events"`
	Replies uint64    `json:"replies"`
	Errors  uint64    `json:"errors"`
}

type sampler struct {
	read func() counters
	mu   sync.Mutex
	last counters
	pts  []Sample // oldest first, at most samplePoints
}

func newSampler(read func() counters) *sampler {
	return &sampler{read: read, last: read()}
}

func (s *sampler) run(ctx context.Context) {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			s.sample(now)
		}
	}
}

func (s *sampler) sample(now time.Time) {
	cur := s.read()
	s.mu.Lock()
	defer s.mu.Unlock()
	// A total that went down (a script's record is new) counts as none.
	d := func(a, b uint64) uint64 {
		if a < b {
			return 0
		}
		return a - b
	}
	p := Sample{At: now, Events: d(cur.Events, s.last.Events), Replies: d(cur.Replies, s.last.Replies), Errors: d(cur.Errors, s.last.Errors)}
	s.last = cur
	if len(s.pts) == samplePoints {
		copy(s.pts, s.pts[1:])
		s.pts = s.pts[:samplePoints-1]
	}
	s.pts = append(s.pts, p)
}

func (s *sampler) series() []Sample {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Sample{}, s.pts...)
}

// counters reads the totals the charts are made of.
func (c *Console) counters() counters {
	var n counters
	if c.cfg.Gateway != nil {
		n.Events = c.cfg.Gateway.Status().Received
	}
	if c.chat != nil {
		n.Replies = c.chat.botMessages.Load()
	}
	if c.cfg.Scripts != nil {
		for _, s := range c.cfg.Scripts.ScriptInfos() {
			n.Errors += s.Failures
		}
	}
	return n
}

// Overview is the overview view's data.
type Overview struct {
	Transport         string           `json:"transport"`
	Shards            []gateway.Status `json:"shards"`
	IntentsNotGranted string           `json:"intents_not_granted,omitempty"`
	Totals            struct {
		Events      uint64 `json:"events"`
		Duplicates  uint64 `json:"duplicates"`
		Replies     uint64 `json:"replies"`
		Errors      uint64 `json:"errors"`
		Scripts     int    `json:"scripts"`
		LogsDropped uint64 `json:"logs_dropped"`
	} `json:"totals"`
	Series []Sample `json:"series"`
}

func (c *Console) overview() Overview {
	o := Overview{Shards: []gateway.Status{}, Series: c.samples.series()}
	if c.cfg.Gateway != nil {
		st := c.cfg.Gateway.Status()
		o.Transport = st.Transport
		if st.Shards != nil {
			o.Shards = st.Shards
		}
		if st.IntentsNotGranted != 0 {
			o.IntentsNotGranted = st.IntentsNotGranted.String()
		}
		o.Totals.Events, o.Totals.Duplicates = st.Received, st.Duplicates
	}
	n := c.counters()
	o.Totals.Replies, o.Totals.Errors = n.Replies, n.Errors
	if c.cfg.Scripts != nil {
		o.Totals.Scripts = len(c.cfg.Scripts.ScriptInfos())
	}
	if c.cfg.Logs != nil {
		o.Totals.LogsDropped = c.cfg.Logs.Dropped()
	}
	return o
}

func (c *Console) getOverview(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, c.overview())
}
