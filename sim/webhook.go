package sim

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"
)

// The webhook sender delivers events by HTTP callback (§10): one goroutine,
// owned by the Server (started in Start, ended by Close), validates the
// callback URL with op 13, then POSTs each event as a signed op-0 envelope.
// A delivery that does not come back as HTTP 200 {"op":12,"d":0} is
// retried with the same event id and body, with a doubling pause, up to
// webhookAttempts times.

const (
	webhookQueue    = 1024
	webhookAttempts = 5
	webhookTimeout  = 5 * time.Second
	webhookBackoff  = 100 * time.Millisecond
	webhookMaxPause = 2 * time.Second
)

type webhookSender struct {
	s      *Server
	url    string
	key    ed25519.PrivateKey
	client *http.Client
	queue  chan hookItem
	seq    uint64 // owned by run
}

type hookItem struct {
	t, id string
	d     json.RawMessage
}

func newWebhookSender(s *Server) *webhookSender {
	return &webhookSender{
		s:      s,
		url:    s.cfg.WebhookURL,
		key:    webhookKey(s.cfg.Secret),
		client: &http.Client{Timeout: webhookTimeout},
		queue:  make(chan hookItem, webhookQueue),
	}
}

// webhookKey derives the Ed25519 key from the AppSecret (§10.2): repeat
// the secret until it has 32 bytes, use the first 32 as the seed.
func webhookKey(secret string) ed25519.PrivateKey {
	seed := secret
	for len(seed) < ed25519.SeedSize {
		seed += seed
	}
	return ed25519.NewKeyFromSeed([]byte(seed[:ed25519.SeedSize]))
}

// enqueue hands an event to the sender; a nil sender ignores it. A full
// queue drops the event with a log line rather than blocking dispatch.
func (h *webhookSender) enqueue(t, id string, d json.RawMessage) {
	if h == nil {
		return
	}
	select {
	case h.queue <- hookItem{t: t, id: id, d: d}:
	default:
		h.s.log.Warn("webhook queue full; event dropped", "t", t, "id", id)
	}
}

// run validates the URL, retrying until it passes or the server closes,
// then delivers queued events in order.
func (h *webhookSender) run() {
	ctx := h.s.ctx
	for pause := webhookBackoff; ; pause = min(pause*2, webhookMaxPause) {
		err := h.validate(ctx)
		if err == nil {
			break
		}
		h.s.log.Warn("webhook validation failed", "url", h.url, "err", err)
		if h.s.wait(ctx, pause) != nil {
			return
		}
	}
	h.s.log.Info("webhook validated", "url", h.url)
	for {
		select {
		case <-ctx.Done():
			return
		case it := <-h.queue:
			h.seq++
			body, err := marshal(dispatchFrame{Op: opDispatch, S: h.seq, T: it.t, ID: it.id, D: it.d})
			if err != nil {
				h.s.log.Error("webhook encode", "err", err)
				continue
			}
			if it.t == "INTERACTION_CREATE" && h.s.enter() {
				// Its answer waits for the bot's acknowledgement; the
				// events behind it do not.
				go func() {
					defer h.s.wg.Done()
					h.deliver(ctx, it, body)
				}()
				continue
			}
			h.deliver(ctx, it, body)
		}
	}
}

func (h *webhookSender) deliver(ctx context.Context, it hookItem, body []byte) {
	pause := webhookBackoff
	for attempt := 1; attempt <= webhookAttempts; attempt++ {
		reply, err := h.post(ctx, body)
		if err == nil {
			var ack struct {
				Op   int  `json:"op"`
				D    *int `json:"d"`
				Code *int `json:"code"`
			}
			if json.Unmarshal(reply, &ack) == nil && ack.Op == 12 && ((ack.D != nil && *ack.D == 0) || ack.Code != nil) {
				if it.t == "INTERACTION_CREATE" {
					h.s.webhookAnswer(it.id, reply)
				}
				return
			}
			err = fmt.Errorf("no op 12 ack: %q", reply)
		}
		h.s.log.Warn("webhook delivery failed", "id", it.id, "attempt", attempt, "err", err)
		if h.s.wait(ctx, pause) != nil {
			return
		}
		pause = min(pause*2, webhookMaxPause)
	}
	h.s.log.Error("webhook delivery abandoned", "id", it.id)
}

// validate runs the op-13 handshake of §10.3.
func (h *webhookSender) validate(ctx context.Context) error {
	plain := randomAlnum(20)
	ts := signatureTime()
	body, err := marshal(map[string]any{"op": 13, "d": map[string]string{"plain_token": plain, "event_ts": ts}})
	if err != nil {
		return err
	}
	reply, err := h.post(ctx, body)
	if err != nil {
		return err
	}
	var r struct {
		PlainToken string `json:"plain_token"`
		Signature  string `json:"signature"`
	}
	if err := json.Unmarshal(reply, &r); err != nil {
		return fmt.Errorf("decode op 13 reply %q: %w", reply, err)
	}
	sig, err := hex.DecodeString(r.Signature)
	if r.PlainToken != plain || err != nil ||
		!ed25519.Verify(h.key.Public().(ed25519.PublicKey), []byte(ts+plain), sig) {
		return fmt.Errorf("op 13 reply does not sign event_ts+plain_token: %q", reply)
	}
	return nil
}

// post sends one signed request and returns the 200 body.
func (h *webhookSender) post(ctx context.Context, body []byte) ([]byte, error) {
	ts := signatureTime()
	sig := ed25519.Sign(h.key, append([]byte(ts), body...))
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, h.url, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.ContentLength = int64(len(body)) // never chunked: botgo needs Content-Length
	hd := req.Header
	hd["Content-Type"] = []string{"application/json"}
	hd["User-Agent"] = []string{"QQBot-Callback"}
	hd["X-Bot-Appid"] = []string{h.s.cfg.AppID}
	hd["X-Signature-Timestamp"] = []string{ts}
	hd["X-Signature-Ed25519"] = []string{hex.EncodeToString(sig)}
	hd["X-Signature-Method"] = []string{"Ed25519"}
	hd["X-Tps-Trace-Id"] = []string{newTraceID()}
	resp, err := h.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	reply, err := io.ReadAll(io.LimitReader(resp.Body, maxRequestBody))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("status %d", resp.StatusCode)
	}
	return reply, nil
}

// signatureTime is the X-Signature-Timestamp (and op 13 event_ts) of a
// request: the wall clock's unix seconds, not the platform clock's. The bot
// checks it against its own clock to refuse replays, and a platform clock
// moved forward (Advance, POST /sim/clock) would otherwise make every
// callback look stale to it.
func signatureTime() string {
	return strconv.FormatInt(time.Now().Unix(), 10)
}
