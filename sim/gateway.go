package sim

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// Opcodes (§3.2) the simulator builds or parses; op 7, 9 and 11 frames
// have no variable parts and are written verbatim (wire.go).
const (
	opDispatch  = 0
	opHeartbeat = 1
	opIdentify  = 2
	opResume    = 6
	opHello     = 10
)

// Close codes (§4); each close frame also carries a reason text, as the
// real gateway's do.
const (
	closeInvalidOpcode        = 4001
	closeDecodeError          = 4002
	closeAuthFailed           = 4004
	closeAlreadyAuthenticated = 4005
	closeSessionInvalid       = 4006
	closeInvalidSeq           = 4007
	closeSessionTimedOut      = 4009
	closeInvalidShard         = 4010
	closeInvalidIntents       = 4013
	closeDisallowedIntents    = 4014
	closeResetByResume        = 4902
	closeCreateSessionError   = 4903
)

// conn is one gateway websocket. Its reader goroutine is the HTTP handler
// that upgraded it; writes come from that goroutine (Hello, ACKs, READY)
// and from Post (dispatches), serialised by writeMu because gorilla allows
// one writer at a time.
type conn struct {
	s       *Server
	ws      *websocket.Conn
	log     *slog.Logger
	writeMu sync.Mutex

	// Guarded by writeMu.
	silenced bool // write sends nothing (SilenceConnections)

	// Guarded by s.mu.
	sess       *session // set by identify/resume
	counted    bool     // included in s.identified
	closed     bool     // dropped or closing; must not be attached again
	invalidate bool     // forget the session on detach (op 9)
}

// serveGateway upgrades GET /websocket and runs the connection until it
// ends. No auth here: the platform authenticates in Identify/Resume.
func (s *Server) serveGateway(c *call) {
	if !websocket.IsWebSocketUpgrade(c.r) {
		c.fail(http.StatusBadRequest, codeRequestInvalid, "websocket upgrade required")
		return
	}
	if !s.ipAllowed(c) {
		return
	}
	ws, err := s.upgrader.Upgrade(c.w, c.r, http.Header{"X-Tps-trace-ID": {c.trace}})
	if err != nil {
		s.log.Debug("upgrade", "err", err) // gorilla already answered
		return
	}
	cn := &conn{s: s, ws: ws, log: s.log.With(logConn, ws.RemoteAddr().String())}
	if !s.addConn(cn) {
		cn.closeWith(websocket.CloseGoingAway, "server shutting down")
		return
	}
	defer s.removeConn(cn)
	cn.run()
}

// run sends Hello and reads frames until the connection ends. The read
// deadline is the heartbeat timer: it is pushed out only by heartbeats, so
// a silent client times out after 1.5 intervals even if it sends other ops.
func (c *conn) run() {
	defer c.ws.Close()
	c.ws.SetReadLimit(maxFrameSize)
	hello, err := marshal(helloFrame{Op: opHello, D: helloData{HeartbeatInterval: c.s.cfg.HeartbeatInterval.Milliseconds()}})
	if err != nil || c.write(hello) != nil {
		return
	}
	c.extendDeadline()
	for {
		_, data, err := c.ws.ReadMessage()
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				c.log.Info("heartbeat timeout")
				c.closeWith(closeSessionTimedOut, "Session timed out")
			} else {
				c.log.Debug("read ended", "err", err)
			}
			return
		}
		if !c.handle(data) {
			return
		}
	}
}

func (c *conn) extendDeadline() {
	_ = c.ws.SetReadDeadline(time.Now().Add(c.s.cfg.HeartbeatInterval * 3 / 2))
}

// clientFrame is a decoded client frame: the opcode and the raw d.
type clientFrame struct {
	op int
	d  json.RawMessage
}

// parseClientFrame decodes one client frame. It returns a close code and
// reason for frames the gateway refuses: not JSON or no op (4002), an
// opcode clients may not send (4001), a heartbeat whose d is not a seq
// (4002). Unknown top-level keys (botgo sends "Session":null) are ignored.
// It is the fuzzed entry point for client frames and never panics.
func parseClientFrame(data []byte) (clientFrame, int, string) {
	var f struct {
		Op *int            `json:"op"`
		D  json.RawMessage `json:"d"`
	}
	if err := json.Unmarshal(data, &f); err != nil {
		return clientFrame{}, closeDecodeError, "decode error: " + err.Error()
	}
	if f.Op == nil {
		return clientFrame{}, closeDecodeError, "decode error: op missing"
	}
	switch *f.Op {
	case opHeartbeat:
		// d is the last seq, or null/0 before any event.
		if present(f.D) {
			var seq uint64
			if err := json.Unmarshal(f.D, &seq); err != nil {
				return clientFrame{}, closeDecodeError, "invalid heartbeat seq"
			}
		}
	case opIdentify, opResume:
	default:
		return clientFrame{}, closeInvalidOpcode, "invalid opcode " + strconv.Itoa(*f.Op)
	}
	return clientFrame{op: *f.Op, d: f.D}, 0, ""
}

// handle processes one client frame and reports whether to keep reading.
func (c *conn) handle(data []byte) bool {
	f, code, reason := parseClientFrame(data)
	if code != 0 {
		c.fail(code, reason)
		return false
	}
	c.log.Debug("frame", logOp, f.op)
	switch f.op {
	case opHeartbeat:
		c.extendDeadline()
		return c.write(frameHeartbeatACK) == nil
	case opIdentify:
		return c.identify(f.d)
	default:
		return c.resume(f.d)
	}
}

// identify checks token, intents and shard in that order, then starts a
// session and sends READY with s=1.
func (c *conn) identify(d json.RawMessage) bool {
	if c.s.sessionOf(c) != nil {
		c.fail(closeAlreadyAuthenticated, "already authenticated")
		return false
	}
	var req struct {
		Token   string          `json:"token"`
		Intents json.RawMessage `json:"intents"`
		Shard   json.RawMessage `json:"shard"`
	}
	if err := json.Unmarshal(d, &req); err != nil {
		c.fail(closeDecodeError, "invalid identify payload")
		return false
	}
	if !c.s.validGatewayToken(req.Token, false) {
		c.fail(closeAuthFailed, "authentication fail")
		return false
	}
	intents, ok := parseIntents(req.Intents)
	if !ok || intents&^recognisedIntents != 0 {
		c.fail(closeInvalidIntents, "invalid intents")
		return false
	}
	if intents&^c.s.granted.Load() != 0 {
		c.fail(closeDisallowedIntents, "disallowed intents")
		return false
	}
	shard, ok := parseShard(req.Shard)
	if !ok {
		c.fail(closeInvalidShard, "invalid shard")
		return false
	}
	if !c.s.takeSessionStart() {
		_ = c.write(frameInvalidSession)
		c.fail(closeCreateSessionError, "create session error")
		return false
	}
	ss := newSession(c.s, intents, shard)
	if err := ss.start(c); err != nil {
		c.log.Debug("identify", "err", err)
		return false
	}
	c.log.Info("identified", logSession, ss.id, "intents", intents, "shard", shard)
	return true
}

// resume re-attaches a retained session: events with s > seq are replayed,
// then RESUMED. The token may carry the "QQBot " prefix or not (§3.3).
func (c *conn) resume(d json.RawMessage) bool {
	if c.s.sessionOf(c) != nil {
		c.fail(closeAlreadyAuthenticated, "already authenticated")
		return false
	}
	var req struct {
		Token     string `json:"token"`
		SessionID string `json:"session_id"`
		Seq       uint64 `json:"seq"`
	}
	if err := json.Unmarshal(d, &req); err != nil {
		c.fail(closeDecodeError, "invalid resume payload")
		return false
	}
	if !c.s.validGatewayToken(req.Token, true) {
		c.fail(closeAuthFailed, "authentication fail")
		return false
	}
	ss := c.s.lookupSession(req.SessionID)
	if ss == nil {
		_ = c.write(frameInvalidSession)
		c.fail(closeSessionInvalid, "session no longer valid")
		return false
	}
	if err := ss.resume(c, req.Seq); err != nil {
		if errors.Is(err, errInvalidSeq) {
			_ = c.write(frameInvalidSession)
			c.fail(closeInvalidSeq, "invalid seq")
		}
		c.log.Debug("resume", "err", err)
		return false
	}
	c.log.Info("resumed", logSession, ss.id, "seq", req.Seq)
	return true
}

// validGatewayToken accepts "QQBot <access token>", legacy
// "Bot <appid>.<token>" and bare "<appid>.<token>" (botgo v0.1.6). Resume
// also accepts the bare access token, which botgo v0.2.1 sends.
func (s *Server) validGatewayToken(tok string, resume bool) bool {
	now := s.now()
	if t, ok := strings.CutPrefix(tok, "QQBot "); ok {
		return s.tokens.valid(t, now)
	}
	if cred, ok := strings.CutPrefix(tok, "Bot "); ok {
		return !s.cfg.Platform2025 && s.validLegacy(cred)
	}
	if !s.cfg.Platform2025 && s.validLegacy(tok) {
		return true
	}
	return resume && s.tokens.valid(tok, now)
}

// parseIntents accepts an unsigned 32-bit JSON integer.
func parseIntents(raw json.RawMessage) (uint32, bool) {
	var v uint32
	if !present(raw) || json.Unmarshal(raw, &v) != nil {
		return 0, false
	}
	return v, true
}

// parseShard accepts [id, count] with count ≥ 1 and id < count; absent or
// null means [0, 1].
func parseShard(raw json.RawMessage) ([2]uint64, bool) {
	if !present(raw) {
		return [2]uint64{0, 1}, true
	}
	var v []uint64
	if json.Unmarshal(raw, &v) != nil || len(v) != 2 || v[1] < 1 || v[0] >= v[1] {
		return [2]uint64{}, false
	}
	return [2]uint64{v[0], v[1]}, true
}

// write sends one text frame. On a silenced connection it sends nothing and
// reports success, as a half-dead socket swallows what is written to it.
func (c *conn) write(frame []byte) error {
	_, err := c.send(frame)
	return err
}

// send is write that also reports whether the frame went out.
func (c *conn) send(frame []byte) (bool, error) {
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	if c.silenced {
		return false, nil
	}
	_ = c.ws.SetWriteDeadline(time.Now().Add(writeTimeout))
	return true, c.ws.WriteMessage(websocket.TextMessage, frame)
}

// silence makes every later write a no-op, for as long as the connection
// lives. The reader carries on: heartbeats still push the read deadline
// out, and close frames (closeWith, fail) still go out, so a silenced
// connection ends the way any other does.
func (c *conn) silence() {
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	c.silenced = true
}

// closeWith sends a close frame and closes the socket. Any goroutine may
// call it: gorilla allows WriteControl and Close concurrently with a writer.
func (c *conn) closeWith(code int, reason string) {
	c.log.Info("closing", logCode, code, "reason", reason)
	msg := websocket.FormatCloseMessage(code, reason)
	_ = c.ws.WriteControl(websocket.CloseMessage, msg, time.Now().Add(closeFrameTimeout))
	_ = c.ws.Close()
}

// fail is closeWith for the reader goroutine: after the close frame it
// waits briefly for the client's echo before closing TCP, so that the
// client reads the close frame instead of a connection reset.
func (c *conn) fail(code int, reason string) {
	c.log.Info("closing", logCode, code, "reason", reason)
	msg := websocket.FormatCloseMessage(code, reason)
	_ = c.ws.WriteControl(websocket.CloseMessage, msg, time.Now().Add(closeFrameTimeout))
	_ = c.ws.SetReadDeadline(time.Now().Add(closeFrameTimeout))
	for {
		if _, _, err := c.ws.ReadMessage(); err != nil {
			break
		}
	}
	_ = c.ws.Close()
}
