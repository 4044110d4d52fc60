package gateway

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
)

const (
	// helloTimeout bounds the wait for Hello after the handshake.
	helloTimeout = 20 * time.Second
	// idleGrace is added to two heartbeat intervals to get the longest silence tolerated
	// once Hello has arrived. The server ACKs every heartbeat, so a connection silent for
	// that long is dead even if TCP has not noticed.
	idleGrace    = 10 * time.Second
	writeTimeout = 10 * time.Second
	// maxFrameSize bounds one incoming frame; real events are a few kilobytes.
	maxFrameSize = 4 << 20
)

// outcome describes how one connection ended; policy.decide turns it into what happens next.
type outcome struct {
	code           int       // close code sent by the server; 0 if the connection ended otherwise
	reason         string    // close reason or what happened, for logs and CloseError
	err            error     // transport, token or protocol error, if any
	ready          bool      // READY or RESUMED arrived on this connection
	delivered      bool      // a new dispatch arrived on this connection
	resumeSent     bool      // this connection sent Resume rather than Identify
	reconnect      bool      // the server sent op 7
	invalidSession bool      // the server sent op 9
	zombie         bool      // a heartbeat went unacknowledged for a whole interval
	identified     Intent    // intents of the Identify sent on this connection; 0 if none was
	token          string    // credential sent, for Config.InvalidateToken after 4004; never logged
	lastAck        time.Time // last Heartbeat ACK, zero if none
}

// wsConn is one WebSocket connection. All writes go through its mutex: gorilla allows one
// concurrent writer, and both the reader (Identify) and the keepalive goroutine write.
type wsConn struct {
	ws      *websocket.Conn
	wmu     sync.Mutex   // serialises writes
	lastAck atomic.Int64 // unix nanoseconds of the last Heartbeat ACK; 0 if none
	lastHB  atomic.Int64 // unix nanoseconds of the last heartbeat sent, for the round trip
	acked   atomic.Bool  // an ACK arrived since keepalive's last heartbeat
	zombie  atomic.Bool  // keepalive closed the socket for want of an ACK
	rbuf    bytes.Buffer // where read reads a frame, kept for the next
}

// read reads the next frame. The dispatch it carries keeps its bytes (an
// event's payload is decoded lazily), so each frame is a fresh slice of its
// own size; it is read into a buffer kept from frame to frame first:
// websocket's ReadMessage reads with io.ReadAll, which allocates as it
// grows, half again the frame's size for every event. A buffer a large
// frame grew is let go.
func (w *wsConn) read() ([]byte, error) {
	_, r, err := w.ws.NextReader()
	if err != nil {
		return nil, err
	}
	w.rbuf.Reset()
	_, err = w.rbuf.ReadFrom(r)
	data := bytes.Clone(w.rbuf.Bytes())
	if w.rbuf.Cap() > keptReadBuffer {
		w.rbuf = bytes.Buffer{}
	}
	return data, err
}

// keptReadBuffer is the largest read buffer kept between frames: a message
// event is a kilobyte or two.
const keptReadBuffer = 64 << 10

func (w *wsConn) writeJSON(v any) error {
	w.wmu.Lock()
	defer w.wmu.Unlock()
	if err := w.ws.SetWriteDeadline(time.Now().Add(writeTimeout)); err != nil {
		return err
	}
	return w.ws.WriteJSON(v)
}

func (w *wsConn) writeClose(code int, text string) error {
	w.wmu.Lock()
	defer w.wmu.Unlock()
	return w.ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(code, text),
		time.Now().Add(writeTimeout))
}

// heartbeat sends op 1 with seq, or null when no dispatch has been numbered yet.
func (w *wsConn) heartbeat(seq uint64) error {
	f := heartbeatFrame{Op: opHeartbeat}
	if seq > 0 {
		f.D = &seq
	}
	w.lastHB.Store(time.Now().UnixNano())
	return w.writeJSON(f)
}

// runConn runs one connection from dial to close, resuming the kept session when mode is
// actionResume and there is one, identifying otherwise. It starts one goroutine
// (keepalive) and always stops and waits for it before returning.
func (c *Client) runConn(ctx context.Context, handle func(Event), mode action) (out outcome) {
	c.status.setState(StateConnecting)
	c.status.update(func(st *Status) { st.Connects++ })
	dctx, cancel := context.WithTimeout(ctx, dialTimeout)
	ws, resp, err := c.cfg.Dialer.DialContext(dctx, c.cfg.URL, nil)
	cancel()
	if err != nil {
		reason := "dial failed"
		if resp != nil {
			reason = fmt.Sprintf("dial failed: http %d", resp.StatusCode)
		}
		return outcome{reason: reason, err: err}
	}
	ws.SetReadLimit(maxFrameSize)
	conn := &wsConn{ws: ws}
	c.log.Debug("gateway connected")

	if mode == actionResume && c.sessionID == "" {
		mode = actionIdentify
	}

	stop := make(chan struct{})
	hello := make(chan time.Duration, 1)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		c.keepalive(ctx, conn, hello, stop)
	}()
	// Deferred so that a panicking handler still stops and waits for keepalive.
	defer func() {
		close(stop)
		wg.Wait()
		// Dropping the connection without a close frame, rather than sending 1000, is
		// deliberate: 1000 tells the server the session is over, and a later resume needs
		// it kept. Only shutdown (keepalive, on ctx.Done) sends 1000.
		_ = ws.Close()
		if ns := conn.lastAck.Load(); ns > 0 {
			out.lastAck = time.Unix(0, ns)
		}
		if conn.zombie.Load() && out.code == 0 {
			out.zombie = true
			out.reason = "no heartbeat ack within one interval, connection presumed dead"
		}
	}()

	return c.readLoop(ctx, conn, hello, handle, mode)
}

// keepalive is the connection's only other goroutine. It sends a heartbeat every interval
// once Hello has supplied one; when the previous heartbeat is still unacknowledged at the
// next tick it closes the socket instead (zombie connection). On ctx.Done it sends close
// 1000 and closes the socket so the blocked reader returns. It exits when stop is closed.
func (c *Client) keepalive(ctx context.Context, conn *wsConn, hello <-chan time.Duration, stop <-chan struct{}) {
	var ticker *time.Ticker
	var tick <-chan time.Time
	sent := false // a heartbeat has been sent on this connection
	defer func() {
		if ticker != nil {
			ticker.Stop()
		}
	}()
	for {
		select {
		case <-stop:
			return
		case <-ctx.Done():
			if err := conn.writeClose(websocket.CloseNormalClosure, "shutting down"); err != nil {
				c.log.Debug("gateway close frame not sent", "err", err)
			}
			_ = conn.ws.Close()
			return
		case d := <-hello:
			ticker = time.NewTicker(d)
			tick = ticker.C
		case <-tick:
			if sent && !conn.acked.Load() {
				// The previous heartbeat went a whole interval without an ACK: the
				// connection is a zombie. Closing makes the reader fail; runConn reports it.
				conn.zombie.Store(true)
				_ = conn.ws.Close()
				return
			}
			conn.acked.Store(false)
			sent = true
			if err := conn.heartbeat(c.seq.Load()); err != nil {
				// Closing makes the reader fail, which ends the connection in one place.
				c.log.Debug("gateway heartbeat not sent", "err", err)
				_ = conn.ws.Close()
				return
			}
		}
	}
}

// readLoop reads frames until the connection ends and reports how it ended.
func (c *Client) readLoop(ctx context.Context, conn *wsConn, hello chan<- time.Duration, handle func(Event), mode action) outcome {
	var (
		interval     time.Duration // from Hello; 0 until then
		token        string        // identify credential; scrubbed from anything reported
		sent         Intent        // intents of the Identify sent; 0 if none
		badSeqLogged bool          // a dispatch with an unusable seq was logged at warn level
		ready        bool
		delivered    bool
	)
	end := func(o outcome) outcome {
		o.ready = ready
		o.delivered = delivered
		o.resumeSent = mode == actionResume && token != ""
		o.token = token
		o.identified = sent
		o.reason = scrub(o.reason, token)
		return o
	}
	for {
		timeout := helloTimeout
		if interval > 0 {
			timeout = 2*interval + idleGrace
		}
		if err := conn.ws.SetReadDeadline(time.Now().Add(timeout)); err != nil {
			return end(outcome{reason: "connection lost", err: err})
		}
		data, err := conn.read()
		if err != nil {
			return end(readOutcome(err))
		}
		f, err := decodeFrame(data)
		if err != nil {
			c.log.Warn("gateway frame ignored", "err", err, "size", len(data))
			continue
		}

		switch f.Op {
		case opHello:
			if interval > 0 {
				continue // only the first Hello of a connection means anything
			}
			var asSent string
			var ok bool
			interval, asSent, ok = heartbeatInterval(f.D)
			hello <- interval
			if ok {
				c.log.Debug("gateway hello", "heartbeat_interval", interval)
			} else {
				c.log.Warn("gateway hello", "heartbeat_interval", interval, "sent", asSent,
					"problem", fmt.Sprintf("heartbeat_interval (ms) absent, not a number or outside %v..%v; using %v",
						minHeartbeatInterval, maxHeartbeatInterval, interval))
			}

			tok, err := c.cfg.Token(ctx)
			if err != nil {
				return end(outcome{reason: "get identify token", err: err})
			}
			if mode == actionResume {
				c.status.setState(StateResuming)
				c.status.update(func(st *Status) { st.Resumes++ })
				c.log.Info("gateway resuming", "session_id", c.sessionID, "seq", c.seq.Load())
				err = c.resume(conn, tok)
			} else {
				// A new session numbers from 1; heartbeats carry null until READY.
				c.seq.Store(0)
				c.newGeneration()
				c.status.setState(StateIdentifying)
				c.status.update(func(st *Status) { st.Identifies++ })
				sent = c.cfg.Intents
				if c.cfg.Negotiator != nil {
					sent = c.cfg.Negotiator.Next()
				}
				c.log.Info("gateway identifying", "intents", uint32(sent), "intent_names", sent.String())
				err = c.identify(conn, tok, sent)
			}
			token = tok
			if err != nil {
				return end(outcome{reason: "send " + mode.String(), err: err})
			}

		case opDispatch:
			if f.badSeq != "" {
				level := slog.LevelDebug
				if !badSeqLogged {
					level, badSeqLogged = slog.LevelWarn, true // once per connection
				}
				c.log.Log(ctx, level, "gateway dispatch with an unusable seq; delivered without recording it",
					"type", f.T, "s", f.badSeq, "last_seq", c.seq.Load(), "problem", "s must be a whole number from 1 to 2^53")
			}
			if mode == actionResume && f.S > 0 && f.S <= c.seq.Load() {
				// A replay of something already delivered on this session.
				c.log.Debug("gateway duplicate dispatch skipped", "seq", f.S, "type", f.T)
				continue
			}
			if f.S > 0 {
				c.seq.Store(f.S)
			}
			done := c.track(f.S)
			delivered = true
			var r readyData
			if f.T == "READY" {
				_ = json.Unmarshal(f.D, &r) // a malformed READY still counts; the handler sees it raw
				c.sessionID = r.SessionID
				if sent != 0 {
					c.intents = sent
					if c.cfg.Negotiator != nil {
						c.cfg.Negotiator.Ready(sent)
					}
				}
			}
			c.publishSession()
			c.status.update(func(st *Status) { st.Events++ })
			// Logged after the status is updated, so that whoever reads the
			// log line and then the status sees the session up.
			switch f.T {
			case "READY":
				ready = true
				c.status.setState(StateReady)
				c.log.Info("gateway ready", "session_id", r.SessionID, "seq", f.S, "user_id", r.User.ID, "username", r.User.Username)
			case "RESUMED":
				ready = true
				if c.cfg.Negotiator != nil && c.intents != 0 && c.cfg.Negotiator.Granted() == 0 {
					// A session loaded after a restart: what it was identified with is
					// what it delivers, which reload warnings compare against.
					c.cfg.Negotiator.Ready(c.intents)
				}
				c.status.setState(StateReady)
				c.log.Info("gateway resumed", "session_id", c.sessionID, "seq", f.S)
			}
			handle(Event{Type: f.T, Seq: f.S, ID: f.ID, Data: f.D, Done: done})

		case opHeartbeatAck:
			now := time.Now()
			conn.lastAck.Store(now.UnixNano())
			conn.acked.Store(true)
			if sent := conn.lastHB.Load(); sent > 0 && c.cfg.Observer != nil {
				c.cfg.Observer.HeartbeatAck(c.cfg.Shard[0], now.Sub(time.Unix(0, sent)))
			}

		case opHeartbeat:
			// The server asks for a heartbeat now instead of waiting for the next tick.
			if err := conn.heartbeat(c.seq.Load()); err != nil {
				return end(outcome{reason: "send heartbeat", err: err})
			}

		case opReconnect:
			return end(outcome{reason: "server requested reconnect (op 7)", reconnect: true})

		case opInvalidSession:
			// The server closes next (e.g. 4006); the policy identifies either way.
			return end(outcome{reason: "invalid session (op 9)", invalidSession: true})

		default:
			c.log.Debug("gateway frame with unknown op ignored", "op", f.Op)
		}
	}
}

// identify starts a new session on conn, asking for intents.
func (c *Client) identify(conn *wsConn, token string, intents Intent) error {
	return conn.writeJSON(identifyFrame{
		Op: opIdentify,
		D: identifyData{
			Token:   token,
			Intents: intents,
			Shard:   c.cfg.Shard,
			Properties: identifyProperties{
				OS:      runtime.GOOS,
				Browser: "luabot",
				Device:  "luabot",
			},
		},
	})
}

// resume asks the server to continue the kept session after seq (op 6).
func (c *Client) resume(conn *wsConn, token string) error {
	return conn.writeJSON(resumeFrame{
		Op: opResume,
		D:  resumeData{Token: token, SessionID: c.sessionID, Seq: c.seq.Load()},
	})
}

// readOutcome classifies a read error: a close frame from the server, a silent
// connection, or a transport failure.
func readOutcome(err error) outcome {
	var ce *websocket.CloseError
	if errors.As(err, &ce) {
		reason := ce.Text
		if reason == "" {
			reason = closeCodes[ce.Code]
		}
		return outcome{code: ce.Code, reason: reason}
	}
	if errors.Is(err, os.ErrDeadlineExceeded) {
		return outcome{reason: "no frames from server, connection presumed dead", err: err}
	}
	return outcome{reason: "connection lost", err: err}
}

// scrub removes the identify token from server-provided text, in case a server echoes it.
func scrub(s, token string) string {
	if len(token) < 6 {
		return s
	}
	s = strings.ReplaceAll(s, token, "[redacted]")
	// Also the bare credential after its "QQBot "/"Bot " scheme, and the legacy
	// token without the "APPID." of "Bot APPID.TOKEN".
	scheme, bare, ok := strings.Cut(token, " ")
	if ok && len(bare) >= 6 {
		s = strings.ReplaceAll(s, bare, "[redacted]")
	}
	if _, legacy, ok := strings.Cut(bare, "."); ok && scheme == "Bot" && len(legacy) >= 6 {
		s = strings.ReplaceAll(s, legacy, "[redacted]")
	}
	return s
}
