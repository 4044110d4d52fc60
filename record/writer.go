package record

import (
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// QueueSize is how many events and sends may wait for the disk before more are dropped.
const QueueSize = 4096

// Header describes the run a Writer records.
type Header struct {
	Luabot  string
	Start   time.Time
	Scripts []ScriptHash
}

// WriterConfig configures a Writer.
type WriterConfig struct {
	// Raw keeps user ids, names and text as they are; otherwise they are redacted.
	Raw bool
	// Scrub lists strings that must never be written (the app secret, the bot
	// token); any that shows up anyway is replaced by "***".
	Scrub []string
	// Now is the clock offsets are measured on; nil is time.Now.
	Now func() time.Time
	// Logger hears of dropped lines and write failures; nil discards.
	Logger *slog.Logger
	// Queue bounds the lines waiting for the disk; 0 is QueueSize.
	Queue int
	// Command reports whether a word is the name of a command the scripts
	// registered; nil is none. A message's first word that is one is kept
	// as it is, so a command typed without "/" (DMs, groups, C2C) still
	// matches on replay. It is called from the writer's owner goroutine.
	Command func(word string) bool
}

// Writer appends a recording to w. Its methods may be called from any goroutine and
// never block: one owner goroutine redacts and writes, and what does not fit in its
// queue is dropped and counted.
type Writer struct {
	w       io.Writer
	cfg     WriterConfig
	start   time.Time
	red     *Redactor // nil when raw
	queue   chan item
	stop    chan struct{}
	done    chan struct{}
	once    sync.Once
	dropped atomic.Uint64
	failed  atomic.Uint64
	scrub   *strings.Replacer

	// The owner's: event lines waiting for their handlers to end, by number.
	pending map[uint64]*Line
}

type item struct {
	event   *Line // an event routed (Payload raw)
	send    *Send // a send (Body raw), of the event numbered n (0: none)
	settled bool  // event n's handlers have all ended
	n       uint64
	at      time.Time
}

// NewWriter returns a Writer appending to w, starting with h as a header line.
func NewWriter(w io.Writer, h Header, cfg WriterConfig) *Writer {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Queue <= 0 {
		cfg.Queue = QueueSize
	}
	rw := &Writer{w: w, cfg: cfg, start: h.Start, queue: make(chan item, cfg.Queue), stop: make(chan struct{}),
		done: make(chan struct{}), pending: map[uint64]*Line{}}
	if !cfg.Raw {
		rw.red = NewRedactor()
		rw.red.command = cfg.Command
	}
	var pairs []string
	for _, s := range cfg.Scrub {
		if s != "" {
			pairs = append(pairs, s, "***")
		}
	}
	rw.scrub = strings.NewReplacer(pairs...)
	redacted := !cfg.Raw
	start := h.Start
	// The owner writes the header too: not even the first line waits for the disk here.
	go rw.own(&Line{Kind: KindHeader, Version: Version, Luabot: h.Luabot, Start: &start, Redacted: &redacted, Scripts: h.Scripts})
	return rw
}

// Event queues a routed event, numbered n (host.Cause.Dispatch).
func (w *Writer) Event(n uint64, typ, id string, payload []byte) {
	w.push(item{n: n, event: &Line{Kind: KindEvent, N: n, Type: typ, Scene: SceneOf(typ), ID: id, Payload: payload}})
}

// Settled says event n's handlers have all ended: its line can be written.
func (w *Writer) Settled(n uint64) { w.push(item{n: n, settled: true}) }

// Sent queues a send of event n (0 for a timer callback's). body must not change
// afterwards.
func (w *Writer) Sent(n uint64, s Send) { w.push(item{n: n, send: &s}) }

// Dropped reports how many events and sends the full queue dropped.
func (w *Writer) Dropped() uint64 { return w.dropped.Load() }

func (w *Writer) push(it item) {
	it.at = w.cfg.Now()
	select {
	case <-w.stop:
		return
	default:
	}
	select {
	case w.queue <- it:
	default:
		if n := w.dropped.Add(1); n == 1 || n%1000 == 0 {
			w.cfg.Logger.Warn("recording: the disk is not keeping up; events and sends dropped from the recording",
				"dropped_total", n)
		}
	}
}

// Close writes what is queued and the event lines still waiting for their handlers,
// then an end line. It does not close the underlying writer.
func (w *Writer) Close() {
	w.once.Do(func() { close(w.stop) })
	<-w.done
}

func (w *Writer) own(header *Line) {
	defer close(w.done)
	w.write(header)
	for {
		select {
		case it := <-w.queue:
			w.handle(it)
		case <-w.stop:
			for {
				select {
				case it := <-w.queue:
					w.handle(it)
				default:
					for _, n := range slices.Sorted(maps.Keys(w.pending)) {
						w.write(w.pending[n])
					}
					w.write(&Line{Kind: KindEnd, AtMS: w.offset(w.cfg.Now()), Dropped: w.dropped.Load()})
					return
				}
			}
		}
	}
}

func (w *Writer) offset(t time.Time) int64 { return t.Sub(w.start).Milliseconds() }

func (w *Writer) handle(it item) {
	switch {
	case it.event != nil:
		l := it.event
		l.AtMS = w.offset(it.at)
		if w.red != nil {
			l.Payload = w.red.Event(l.Payload)
		} else if !json.Valid(l.Payload) {
			l.Payload = mustJSON(string(l.Payload))
		}
		w.pending[it.n] = l
	case it.send != nil:
		s := *it.send
		if s.Body != nil {
			if w.red != nil {
				s.Path, s.Body = w.red.Send(s.Path, s.Body)
			} else if !json.Valid(s.Body) {
				s.Body = nil
			}
		} else if w.red != nil {
			s.Path, _ = w.red.Send(s.Path, nil)
		}
		if l := w.pending[it.n]; it.n != 0 && l != nil {
			l.Sends = append(l.Sends, s)
			return
		}
		w.write(&Line{Kind: KindSend, N: it.n, AtMS: w.offset(it.at), Send: &s})
	case it.settled:
		l := w.pending[it.n]
		if l == nil {
			return
		}
		delete(w.pending, it.n)
		w.write(l)
	}
}

func (w *Writer) write(l *Line) {
	b := mustJSON(l)
	if b == nil {
		err := errors.New("not encodable")
		w.cfg.Logger.Error("recording: line not written", "err", err)
		return
	}
	s := w.scrub.Replace(string(b)) + "\n"
	if _, err := io.WriteString(w.w, s); err != nil {
		if n := w.failed.Add(1); n == 1 || n%1000 == 0 {
			w.cfg.Logger.Error("recording: write failed; lines lost", "err", err, "failed_total", n)
		}
	}
}
