package openapi

import (
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"log/slog"
	"math"
	"net/url"
	"sync"
	"time"
)

// Passive-reply rules of §7.4.
const (
	// ReplyWindow is how long after its source a guild, DM or group message
	// can be answered passively.
	ReplyWindow = 5 * time.Minute
	// ReplyWindowC2C is the same for C2C messages.
	ReplyWindowC2C = 60 * time.Minute
	// MaxReplies is how many passive replies one group or C2C message takes.
	MaxReplies = 5
)

// maxReplySources is the size above which a Replier forgets sources whose
// window has passed. It sweeps when the record has doubled since the last
// sweep, so a bot answering more than this many live messages pays for a
// sweep once per doubling, not on every reply.
const maxReplySources = 256

// ClockTolerance is how far an event's own timestamp may be from when it
// arrived for a [Replier] to count the reply window from the timestamp.
// Further apart, the host's clock or the event (a replay) is off, and the
// window counts from arrival instead.
const ClockTolerance = time.Minute

// skewWarnEvery spaces the warnings about clocks that disagree.
const skewWarnEvery = time.Hour

// Source is the message or event a passive reply answers (§7.4).
type Source struct {
	Scene Scene

	// Where to answer, by scene: ChannelID (guild), GuildID (DM: the DM
	// session's guild), GroupOpenID (group), UserOpenID (C2C).
	ChannelID   string
	GuildID     string
	GroupOpenID string
	UserOpenID  string

	// MsgID is the source message's id; the reply carries it as msg_id. When
	// empty, EventID (the dispatch envelope's id) is sent as event_id instead,
	// which is how notice events (member joins, reactions, interactions…) are
	// answered.
	MsgID   string
	EventID string

	// Time is when the source was created (the message's timestamp), on the
	// platform's clock. Zero means unknown.
	Time time.Time

	// Received is when the source arrived, on the Replier's clock. When set,
	// the reply window counts from it, or from Time if Time is within
	// ClockTolerance of it (a skewed host clock or a replayed event must not
	// make luabot refuse every reply). When zero, the window counts from Time,
	// or from when the Replier first saw the source.
	Received time.Time
}

// sourceKey names a source in a Replier's records: a 128-bit keyed hash of
// its message id, or of its event id for a notice. A busy bot keeps a
// record for every message of the last five minutes (a million at 3000
// messages a second), and the ids are 60-90 bytes: kept as strings ("m:" +
// id) they were half of each record, and a pointer for the collector to
// follow in each. With two independent 64-bit seeds, two ids sharing a key
// is not a case to plan for (about 1 in 10^27 for a million records).
type sourceKey [2]uint64

// keyOf returns src's key under r's seeds.
func (r *Replier) keyOf(src Source) sourceKey {
	kind, id := byte('m'), src.MsgID
	if id == "" {
		kind, id = 'e', src.EventID
	}
	var k sourceKey
	for i, seed := range r.seeds {
		var h maphash.Hash
		h.SetSeed(seed)
		h.WriteByte(kind)
		h.WriteString(id)
		k[i] = h.Sum64()
	}
	return k
}

func (s Source) target() (Target, error) {
	var id string
	switch s.Scene {
	case SceneGuild:
		id = s.ChannelID
	case SceneDM:
		id = s.GuildID
	case SceneGroup:
		id = s.GroupOpenID
	case SceneC2C:
		id = s.UserOpenID
	default:
		return Target{}, &ReplyError{Reason: ErrReplyTarget, Detail: fmt.Sprintf("unknown scene %q", s.Scene)}
	}
	if id == "" {
		return Target{}, &ReplyError{Reason: ErrReplyTarget, Detail: fmt.Sprintf("the %s source names no place to answer in", s.Scene)}
	}
	if s.MsgID == "" && s.EventID == "" {
		return Target{}, &ReplyError{Reason: ErrReplyTarget, Detail: "the source has neither a message id nor an event id"}
	}
	return Target{Scene: s.Scene, ID: id}, nil
}

// window is the passive-reply window of s's scene.
func (s Source) window() time.Duration {
	if s.Scene == SceneC2C {
		return ReplyWindowC2C
	}
	return ReplyWindow
}

// capped reports whether s's scene limits the number of replies.
func (s Source) capped() bool { return s.Scene == SceneGroup || s.Scene == SceneC2C }

// Replier is the passive-reply engine behind ev:reply. For each source it
// picks the route for the scene, sets msg_id or event_id, numbers msg_seq
// 1, 2, 3… (the platform refuses a repeated msg_id+msg_seq pair) and knows
// the rules: a reply more than 5 minutes (60 for C2C) after its source, or a
// sixth reply to a group or C2C message, is refused locally with a
// *ReplyError instead of being sent to be rejected.
//
// One Replier should serve a whole bot, so that replies from different
// scripts to the same message are numbered together; [Client.Replier] is
// that shared instance. A Replier is safe for concurrent use and starts no
// goroutines. It keeps a small record per recent source and forgets sources
// whose window has passed.
type Replier struct {
	now func() time.Time
	log *slog.Logger

	seeds [2]maphash.Seed // for sourceKey
	mu    sync.Mutex
	// sources holds no pointers, so the collector does not scan the
	// records of the last minutes' messages (a million at 3000 messages/s).
	sources map[sourceKey]replyState
	// counts are per-script reply counts for a message while an event it
	// belongs to has a share (share.go); they go with its record.
	counts    map[sourceKey]map[string]int
	nextSweep int       // sweep expired sources when there are more than this
	skewWarn  time.Time // when the last clock-disagreement warning was logged
	shares    map[string]*replyShare
}

// replyState is a source's record: 16 bytes, so that with its 16-byte key
// a slot of the records map is 32 bytes, not 40 (a busy bot keeps a
// million records: 52 bytes each against 63). The counters are as wide as
// they need to be: sent is read only for capped scenes, where it stays at
// most MaxReplies (an uncapped guild message's may wrap, unread), and more
// than maxInFlight replies to one message at once are refused.
type replyState struct {
	deadline int64  // end of the reply window, in Unix nanoseconds (a time.Time holds a pointer)
	seq      uint32 // last msg_seq handed out
	sent     uint16 // replies that (may) have reached the platform
	inFlight uint16 // replies prepared and not yet Done
}

// maxInFlight is how many replies to one message may be on their way at once.
const maxInFlight = math.MaxUint16

// NewReplier returns an empty Replier. now is its clock; nil means time.Now.
func NewReplier(now func() time.Time) *Replier {
	if now == nil {
		now = time.Now
	}
	return &Replier{now: now, log: slog.New(slog.DiscardHandler), sources: map[sourceKey]replyState{}, counts: map[sourceKey]map[string]int{}, nextSweep: maxReplySources,
		shares: map[string]*replyShare{}, seeds: [2]maphash.Seed{maphash.MakeSeed(), maphash.MakeSeed()}}
}

// Replier returns the client's shared passive-reply engine.
func (c *Client) Replier() *Replier { return c.replier }

// Reply is one prepared passive reply: where it goes and its body. Exactly
// one Done call must follow, with the outcome of sending it.
type Reply struct {
	Target Target
	Body   map[string]any // the message plus msg_id/event_id and msg_seq
	Seq    int

	r      *Replier
	key    sourceKey
	script string // who replied, for the fair share; "" for none
	once   sync.Once
}

// Prepare checks the rules for one more reply to src and returns the reply
// to send. msg holds message body fields (§7.2/§7.3); it is not modified. A
// msg_seq already in msg is kept.
func (r *Replier) Prepare(src Source, msg map[string]any) (*Reply, error) {
	return r.PrepareAs(src, "", "", msg)
}

// PrepareAs is Prepare for a reply by script to the event eventID (the
// dispatch envelope's id). When the event was announced with Expect, the
// script's share of a group or C2C message's replies is enforced
// (share.go). An empty script or eventID means no share applies.
func (r *Replier) PrepareAs(src Source, eventID, script string, msg map[string]any) (*Reply, error) {
	t, err := src.target()
	if err != nil {
		return nil, err
	}
	now := r.now()
	key := r.keyOf(src)

	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.sources) > r.nextSweep {
		for k, st := range r.sources {
			if st.inFlight == 0 && now.UnixNano() > st.deadline {
				delete(r.sources, k)
				delete(r.counts, k)
			}
		}
		r.nextSweep = max(maxReplySources, 2*len(r.sources))
	}
	st, known := r.sources[key]
	if !known {
		// The first sight of a source fixes its window.
		st = replyState{deadline: r.born(src, now).Add(src.window()).UnixNano()}
		r.sources[key] = st
	}
	if now.UnixNano() > st.deadline {
		return nil, &ReplyError{Reason: ErrReplyExpired, Detail: fmt.Sprintf(
			"the %s source is %s old, past the %s passive-reply window",
			src.Scene, now.Sub(time.Unix(0, st.deadline).Add(-src.window())).Round(time.Second), src.window())}
	}
	if src.capped() && int(st.sent)+int(st.inFlight) >= MaxReplies {
		return nil, &ReplyError{Reason: ErrReplyLimit, Detail: fmt.Sprintf(
			"the %s message already has %d replies", src.Scene, MaxReplies)}
	}
	if st.inFlight == maxInFlight {
		return nil, &ReplyError{Reason: ErrReplyLimit, Detail: fmt.Sprintf(
			"%d replies to the %s message are already on their way", maxInFlight, src.Scene)}
	}
	// A script's count matters only to a share, which exists while an
	// event that reached two or more scripts is being handled (share.go);
	// every reply to the message carries that event's id. A bot with one
	// script never has one, and a map per message answered was most of
	// what a group or C2C message's record kept (323 bytes against 63 then).
	var sh *replyShare
	if src.capped() && script != "" {
		sh = r.shares[eventID]
	}
	if sh != nil {
		by := r.counts[key]
		if err := checkShare(sh, st, by, src, script); err != nil {
			return nil, err
		}
		if by == nil {
			by = map[string]int{}
			r.counts[key] = by
		}
		by[script]++
	}
	st.seq++
	st.inFlight++
	r.sources[key] = st

	body := make(map[string]any, len(msg)+3)
	for k, v := range msg {
		body[k] = v
	}
	delete(body, "msg_id")
	delete(body, "event_id")
	if src.MsgID != "" {
		body["msg_id"] = src.MsgID
	} else {
		body["event_id"] = src.EventID
	}
	seq := int(st.seq)
	if _, set := body["msg_seq"]; !set {
		body["msg_seq"] = seq
	}
	rp := &Reply{Target: t, Body: body, Seq: seq, r: r, key: key}
	if src.capped() {
		rp.script = script
	}
	return rp, nil
}

// born is when src's reply window starts: see Source.Received. The caller
// holds r.mu.
func (r *Replier) born(src Source, now time.Time) time.Time {
	if src.Received.IsZero() {
		if src.Time.IsZero() || src.Time.After(now) {
			return now
		}
		return src.Time
	}
	arrived := src.Received
	if arrived.After(now) {
		arrived = now
	}
	if src.Time.IsZero() {
		return arrived
	}
	skew := arrived.Sub(src.Time)
	if skew.Abs() <= ClockTolerance {
		if src.Time.Before(arrived) {
			return src.Time
		}
		return arrived
	}
	if r.skewWarn.IsZero() || now.Sub(r.skewWarn) >= skewWarnEvery {
		r.skewWarn = now
		r.log.Warn("an event's timestamp and the local clock disagree; reply windows count from when events arrive",
			"event_timestamp", src.Time.Format(time.RFC3339), "arrived", arrived.Format(time.RFC3339),
			"difference", skew.Round(time.Second),
			"hint", "if every event shows this, the host clock is wrong: check its time synchronisation (NTP)")
	}
	return arrived
}

// Done records the outcome of sending p. A reply the platform refused with a
// 4xx answer, or that never left (invalid request), does not count towards
// the 5-reply cap; anything else might have reached the platform and does.
// Calls after the first are ignored.
func (p *Reply) Done(err error) {
	p.once.Do(func() {
		counted := true
		var apiErr *Error
		switch {
		case errors.As(err, &apiErr):
			counted = apiErr.Status < 400 || apiErr.Status >= 500
		case errors.Is(err, ErrInvalidRequest), errors.Is(err, ErrTooLarge):
			counted = false
		}
		p.r.mu.Lock()
		defer p.r.mu.Unlock()
		if st, ok := p.r.sources[p.key]; ok {
			st.inFlight--
			if counted {
				st.sent++
			} else if by := p.r.counts[p.key]; p.script != "" && by[p.script] > 0 {
				by[p.script]--
			}
			p.r.sources[p.key] = st
		}
	})
}

// Send prepares a reply to src, sends it through d (uploading file first
// where the scene needs it, see [SendMessage]) and records the outcome.
func (r *Replier) Send(ctx context.Context, d Doer, src Source, msg map[string]any, file *File, out any) error {
	p, err := r.Prepare(src, msg)
	if err != nil {
		return err
	}
	err = SendMessage(ctx, d, p.Target, p.Body, file, out)
	p.Done(err)
	return err
}

// Reply sends msg as a passive reply to src with the client's shared Replier
// and returns the platform's answer. A reply held for audit comes back with
// Audit set and no error.
func (c *Client) Reply(ctx context.Context, src Source, msg map[string]any, file *File) (*SentMessage, error) {
	var sent SentMessage
	rec := &auditRecorder{c: c}
	if err := c.replier.Send(ctx, rec, src, msg, file, &sent); err != nil {
		return nil, err
	}
	sent.Audit = rec.audit
	return &sent, nil
}

// auditRecorder is a Doer that remembers the pending-audit result of the
// last request, so typed helpers built on Doer-level functions can report it.
type auditRecorder struct {
	c     *Client
	audit *Audit
}

func (a *auditRecorder) Do(ctx context.Context, method, path string, query url.Values, in, out any) error {
	audit, err := a.c.do(ctx, method, path, query, in, out)
	a.audit = audit
	return err
}
