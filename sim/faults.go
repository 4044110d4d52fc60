package sim

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// Fault kinds accepted by Inject and POST /sim/faults.
const (
	FaultLatency        = "latency"          // every REST response waits LatencyMS; 0 turns it off
	FaultRESTStatus     = "rest_status"      // the next Count REST responses are Status (429 or 5xx); with After, once the request was processed
	FaultTokenStatus    = "token_status"     // the next Count token-service requests are answered with Status (429 or 5xx)
	FaultDrop           = "drop"             // cut every gateway socket without a close frame
	FaultClose          = "close"            // close every gateway socket with Code and Reason
	FaultReconnect      = "reconnect"        // op 7, then close 4009; clients resume
	FaultInvalidate     = "invalid_session"  // op 9 (d false), then close 4006; clients identify
	FaultNoHeartbeatACK = "no_heartbeat_ack" // open gateway sockets stay up but send nothing (no op 11, no events); clients resume
	FaultMalformed      = "malformed"        // a frame that is not JSON
	FaultUnknownOp      = "unknown_op"       // a frame with opcode Op (default 99)
	FaultUnknownEvent   = "unknown_event"    // an op-0 event of type Event (default "SIM_UNKNOWN_EVENT")
	FaultExpireToken    = "expire_token"     // every access token expires now
	FaultAuditReject    = "audit_reject"     // with Config.Audit: the next Count held messages are rejected
	defaultUnknownOp    = 99
	defaultUnknownType  = "SIM_UNKNOWN_EVENT"
)

// Fault is one injected failure. Kind selects it; the other fields are its
// parameters and are ignored by kinds that do not name them. The JSON form
// is the body of POST /sim/faults.
type Fault struct {
	Kind      string `json:"kind"`
	LatencyMS int    `json:"latency_ms,omitempty"` // latency
	Count     int    `json:"count,omitempty"`      // rest_status, audit_reject; default 1
	Status    int    `json:"status,omitempty"`     // rest_status, token_status: 429 or 500–599; default 429 (rest) or 503 (token)
	After     bool   `json:"after,omitempty"`      // rest_status: process the request, then answer Status instead (a lost answer)
	Code      int    `json:"code,omitempty"`       // close: close code 1000–4999; default 4009
	Reason    string `json:"reason,omitempty"`     // close: reason text
	Op        int    `json:"op,omitempty"`         // unknown_op
	Event     string `json:"event,omitempty"`      // unknown_event
}

// faultState holds the REST faults; guarded by Server.mu.
type faultState struct {
	latency     time.Duration
	failStatus  int
	failCount   int
	failAfter   bool // the failures hit after the handler ran
	tokenStatus int
	tokenCount  int
	auditReject int
}

// Inject applies f at once. Gateway faults act on the connections open
// when it is called (a connection opened afterwards, such as the one a
// client resumes on, behaves normally); REST faults on the responses that
// follow.
func (s *Server) Inject(f Fault) error {
	switch f.Kind {
	case FaultLatency:
		if f.LatencyMS < 0 {
			return fmt.Errorf("%w: latency_ms %d is negative", ErrInvalidFault, f.LatencyMS)
		}
		s.mu.Lock()
		s.faults.latency = time.Duration(f.LatencyMS) * time.Millisecond
		s.mu.Unlock()
	case FaultRESTStatus:
		if f.Status == 0 {
			f.Status = http.StatusTooManyRequests
		}
		if f.Status != http.StatusTooManyRequests && (f.Status < 500 || f.Status > 599) {
			return fmt.Errorf("%w: status %d is neither 429 nor 5xx", ErrInvalidFault, f.Status)
		}
		s.mu.Lock()
		s.faults.failStatus, s.faults.failCount, s.faults.failAfter = f.Status, max(f.Count, 1), f.After
		s.mu.Unlock()
	case FaultTokenStatus:
		if f.Status == 0 {
			f.Status = http.StatusServiceUnavailable
		}
		if f.Status != http.StatusTooManyRequests && (f.Status < 500 || f.Status > 599) {
			return fmt.Errorf("%w: status %d is neither 429 nor 5xx", ErrInvalidFault, f.Status)
		}
		s.mu.Lock()
		s.faults.tokenStatus, s.faults.tokenCount = f.Status, max(f.Count, 1)
		s.mu.Unlock()
	case FaultDrop:
		s.DropConnections()
	case FaultClose:
		if f.Code == 0 {
			f.Code = closeSessionTimedOut
		}
		if f.Code < 1000 || f.Code > 4999 || f.Code == 1005 || f.Code == 1006 {
			return fmt.Errorf("%w: close code %d cannot be sent", ErrInvalidFault, f.Code)
		}
		if f.Reason == "" {
			f.Reason = "closed by fault injection"
		}
		s.CloseConnections(f.Code, f.Reason)
	case FaultReconnect:
		s.RequestReconnect()
	case FaultInvalidate:
		s.InvalidateSessions()
	case FaultNoHeartbeatACK:
		s.SilenceConnections()
	case FaultMalformed:
		s.WriteFrame([]byte(`{"op":0,"s":`))
	case FaultUnknownOp:
		if f.Op == 0 {
			f.Op = defaultUnknownOp
		}
		s.WriteFrame([]byte(`{"op":` + strconv.Itoa(f.Op) + `,"d":{}}`))
	case FaultUnknownEvent:
		if f.Event == "" {
			f.Event = defaultUnknownType
		}
		s.DispatchRaw(f.Event, json.RawMessage(`{"simulated":true}`))
	case FaultExpireToken:
		s.tokens.expireAll()
	case FaultAuditReject:
		s.mu.Lock()
		s.faults.auditReject += max(f.Count, 1)
		s.mu.Unlock()
	default:
		return fmt.Errorf("%w: unknown kind %q", ErrInvalidFault, f.Kind)
	}
	s.log.Info("fault injected", "kind", f.Kind)
	return nil
}

// restFault applies latency and reports a pending forced status, and
// whether it replaces the answer of a request that is processed first. It
// runs before every authenticated REST handler; the wait ends early with
// the request or the server.
func (s *Server) restFault(ctx context.Context) (status int, after bool, err error) {
	s.mu.Lock()
	lat := s.faults.latency
	if s.faults.failCount > 0 {
		s.faults.failCount--
		status, after = s.faults.failStatus, s.faults.failAfter
	}
	s.mu.Unlock()
	if lat > 0 {
		if err := s.wait(ctx, lat); err != nil {
			return 0, false, err
		}
	}
	return status, after, nil
}

// tokenFault reports a pending forced status for the token service.
func (s *Server) tokenFault() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.faults.tokenCount > 0 {
		s.faults.tokenCount--
		return s.faults.tokenStatus
	}
	return 0
}

// takeAuditReject reports whether the next held message is rejected. The
// caller holds s.mu.
func (s *Server) takeAuditReject() bool {
	if s.faults.auditReject > 0 {
		s.faults.auditReject--
		return true
	}
	return false
}
