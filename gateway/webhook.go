package gateway

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"
)

const (
	defaultWebhookMaxBody   = 1 << 20
	defaultWebhookDrain     = 5 * time.Second
	defaultWebhookMaxConns  = 256
	defaultWebhookTolerance = 5 * time.Minute
	defaultInteractionWait  = 2500 * time.Millisecond
	// webhookBodyReads bounds how many bodies are read at once: a body must be
	// read whole before its signature can be checked, so this (times MaxBody)
	// is what strangers can make the process hold.
	webhookBodyReads = 16
	// webhookWarnEvery is the least time between two log lines of one kind of
	// rejected request; the lines in between are counted.
	webhookWarnEvery     = 10 * time.Second
	opCallbackAck        = 12
	opCallbackValidation = 13
)

// WebhookConfig configures a [Webhook]. The zero value of every optional field means "use
// the default" described on the field. It is validated once, by [NewWebhook].
type WebhookConfig struct {
	// Secret is the bot's AppSecret; the Ed25519 key that signs and verifies callbacks is
	// derived from it (§10.2). Required.
	Secret string

	// Listen is the address Run listens on, e.g. ":8443". The platform calls only ports
	// 80, 443, 8080 and 8443, normally through HTTPS. Required by Run, not by Serve.
	Listen string

	// TLSCert and TLSKey are PEM files; when both are set Run serves HTTPS. Set both or
	// neither (plain HTTP suits a TLS-terminating proxy in front).
	TLSCert, TLSKey string

	// MaxBody bounds a callback body; a longer one is answered 413 without being read.
	// 0 means 1 MiB.
	MaxBody int64

	// MaxConns bounds the connections served at once; more wait in the listen queue.
	// 0 means 256.
	MaxConns int

	// Tolerance is how far X-Signature-Timestamp may be from now, either side, before a
	// request is refused as a replay (a captured request replayed later carries its old
	// timestamp, which the signature covers). 0 means 5 minutes.
	Tolerance time.Duration

	// Now is the clock timestamps are checked against. Nil means time.Now.
	Now func() time.Time

	// Drain bounds how long shutdown waits for requests in flight. 0 means 5 s.
	Drain time.Duration

	// InteractionWait bounds how long the answer to an INTERACTION_CREATE callback waits
	// for the consumer's acknowledgement code (Event.Answer), which the answer carries:
	// over webhooks the platform takes a button's acknowledgement from there, not from
	// PUT /interactions/{id}. When it passes, the answer says success. 0 means 2.5 s,
	// inside the platform's 3 s.
	InteractionWait time.Duration

	// Logger receives one line per validation request and per rejected request. Nil
	// discards.
	Logger *slog.Logger
}

// Webhook is the HTTP callback transport: the platform POSTs each event, signed, to the
// bot. Create it with NewWebhook and drive it with Run (or Serve, or mount Handler).
type Webhook struct {
	cfg WebhookConfig
	log *slog.Logger
	key ed25519.PrivateKey
	pub ed25519.PublicKey

	handleMu sync.Mutex // one handle call at a time, in arrival order
	reads    chan struct{}
	warn     warnLimiter
}

// NewWebhook validates cfg and derives the signing key.
func NewWebhook(cfg WebhookConfig) (*Webhook, error) {
	if cfg.Secret == "" {
		return nil, fmt.Errorf("%w: webhook Secret is required", ErrInvalidConfig)
	}
	if (cfg.TLSCert == "") != (cfg.TLSKey == "") {
		return nil, fmt.Errorf("%w: set both TLS cert and key, or neither", ErrInvalidConfig)
	}
	if cfg.MaxBody < 0 || cfg.Drain < 0 || cfg.MaxConns < 0 || cfg.Tolerance < 0 || cfg.InteractionWait < 0 {
		return nil, fmt.Errorf("%w: negative webhook MaxBody, Drain, MaxConns, Tolerance or InteractionWait", ErrInvalidConfig)
	}
	if cfg.InteractionWait == 0 {
		cfg.InteractionWait = defaultInteractionWait
	}
	if cfg.MaxConns == 0 {
		cfg.MaxConns = defaultWebhookMaxConns
	}
	if cfg.Tolerance == 0 {
		cfg.Tolerance = defaultWebhookTolerance
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.MaxBody == 0 {
		cfg.MaxBody = defaultWebhookMaxBody
	}
	if cfg.Drain == 0 {
		cfg.Drain = defaultWebhookDrain
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	key := WebhookKey(cfg.Secret)
	return &Webhook{cfg: cfg, log: cfg.Logger.With("transport", "webhook"), key: key, pub: key.Public().(ed25519.PublicKey),
		reads: make(chan struct{}, webhookBodyReads)}, nil
}

// WebhookKey derives the Ed25519 key of §10.2 from an AppSecret: the secret repeated until
// it has 32 bytes, truncated to 32, is the seed.
func WebhookKey(secret string) ed25519.PrivateKey {
	seed := secret
	for len(seed) < ed25519.SeedSize {
		seed += seed
	}
	return ed25519.NewKeyFromSeed([]byte(seed[:ed25519.SeedSize]))
}

// Run listens on Config.Listen and serves callbacks until ctx is done, then shuts the
// server down, waiting at most Config.Drain for requests in flight.
func (w *Webhook) Run(ctx context.Context, handle func(Event)) error {
	if w.cfg.Listen == "" {
		return fmt.Errorf("%w: webhook Listen is required", ErrInvalidConfig)
	}
	ln, err := net.Listen("tcp", w.cfg.Listen)
	if err != nil {
		return fmt.Errorf("webhook listen: %w", err)
	}
	return w.Serve(ctx, ln, handle)
}

// Serve is Run on a listener the caller opened; it closes ln. At most Config.MaxConns
// connections are served at once, and each gets deadlines for its headers, its body and
// its answer, so that strangers cannot make it hold an unbounded amount of memory.
func (w *Webhook) Serve(ctx context.Context, ln net.Listener, handle func(Event)) error {
	if handle == nil {
		_ = ln.Close()
		return ErrNilHandler
	}
	ln = newLimitListener(ln, w.cfg.MaxConns)
	srv := &http.Server{
		Handler:           w.Handler(handle),
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       20 * time.Second,
		WriteTimeout:      20 * time.Second,
		IdleTimeout:       60 * time.Second,
		MaxHeaderBytes:    16 << 10,
		ErrorLog:          slog.NewLogLogger(w.log.Handler(), slog.LevelDebug),
	}
	tls := w.cfg.TLSCert != ""
	w.log.Info("webhook listening", "addr", ln.Addr().String(), "tls", tls)
	served := make(chan error, 1)
	go func() {
		if tls {
			served <- srv.ServeTLS(ln, w.cfg.TLSCert, w.cfg.TLSKey)
		} else {
			served <- srv.Serve(ln)
		}
	}()
	select {
	case err := <-served: // listener failed; the goroutine has ended
		return fmt.Errorf("webhook serve: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), w.cfg.Drain)
	defer cancel()
	err := srv.Shutdown(sctx)
	if serr := <-served; !errors.Is(serr, http.ErrServerClosed) && serr != nil {
		err = errors.Join(err, serr)
	}
	if err != nil {
		_ = srv.Close()
		return fmt.Errorf("webhook shutdown: %w", err)
	}
	w.log.Info("webhook stopped")
	return nil
}

// Handler returns the callback endpoint: it accepts POST with a valid signature and
// passes each dispatch to handle, one at a time in arrival order.
func (w *Webhook) Handler(handle func(Event)) http.Handler {
	return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			rw.Header().Set("Allow", http.MethodPost)
			http.Error(rw, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		body, ok := w.readSigned(rw, r)
		if !ok {
			return
		}
		var f frame
		if err := json.Unmarshal(body, &f); err != nil {
			http.Error(rw, "invalid payload", http.StatusBadRequest)
			return
		}
		switch f.Op {
		case opCallbackValidation:
			var v struct {
				PlainToken string `json:"plain_token"`
				EventTS    string `json:"event_ts"`
			}
			if err := json.Unmarshal(f.D, &v); err != nil || v.PlainToken == "" {
				http.Error(rw, "invalid validation payload", http.StatusBadRequest)
				return
			}
			sig := ed25519.Sign(w.key, []byte(v.EventTS+v.PlainToken))
			w.log.Info("webhook callback url validated")
			writeJSON(rw, map[string]string{"plain_token": v.PlainToken, "signature": hex.EncodeToString(sig)})
		case opHeartbeat:
			var n json.Number
			if err := json.Unmarshal(f.D, &n); err != nil {
				n = "0"
			}
			writeJSON(rw, map[string]any{"op": opHeartbeatAck, "d": n})
		case opDispatch:
			ev := Event{Type: f.T, Seq: f.S, ID: f.ID, Data: f.D}
			if ev.ID == "" {
				sum := sha256.Sum256(body)
				ev.BodyHash = "sha256:" + hex.EncodeToString(sum[:16])
			}
			var answered chan int
			if ev.Type == interactionEvent {
				answered = make(chan int, 1)
				ev.Answer = func(code int) {
					select {
					case answered <- code:
					default: // answered already
					}
				}
			}
			w.handleMu.Lock()
			handle(ev)
			w.handleMu.Unlock()
			if answered == nil {
				writeJSON(rw, map[string]int{"op": opCallbackAck, "d": 0})
				return
			}
			writeJSON(rw, map[string]int{"op": opCallbackAck, "d": 0, "code": w.awaitAnswer(r.Context(), answered)})
		default:
			http.Error(rw, "unsupported op", http.StatusBadRequest)
		}
	})
}

// interactionEvent is the one event whose callback answer carries a result.
const interactionEvent = "INTERACTION_CREATE"

// awaitAnswer waits for the consumer's acknowledgement code of an interaction, at most
// Config.InteractionWait; then, or when the platform gives up on the request, it is
// success (0): the user's client stops waiting either way.
func (w *Webhook) awaitAnswer(ctx context.Context, answered <-chan int) int {
	t := time.NewTimer(w.cfg.InteractionWait)
	defer t.Stop()
	select {
	case code := <-answered:
		return code
	case <-t.C:
		w.log.Warn("interaction not acknowledged in time; answered success", "wait", w.cfg.InteractionWait)
	case <-ctx.Done():
	}
	return 0
}

// readSigned reads the body of a request whose signature is valid and whose timestamp is
// fresh, answering the request itself otherwise. Everything that can be checked without
// the body is checked before a byte of it is read: the headers' form, the timestamp and
// the declared length (a sender that does not declare it is refused: the platform always
// does). Then the body is read, at most webhookBodyReads at a time, and verified.
func (w *Webhook) readSigned(rw http.ResponseWriter, r *http.Request) ([]byte, bool) {
	refuse := func(status int, msg string) ([]byte, bool) {
		// Close rather than drain what the client still sends.
		rw.Header().Set("Connection", "close")
		http.Error(rw, msg, status)
		return nil, false
	}
	timestamp := r.Header.Get("X-Signature-Timestamp")
	sig, sigOK := parseSignature(r.Header.Get("X-Signature-Ed25519"))
	ts, tsErr := strconv.ParseInt(timestamp, 10, 64)
	if !sigOK || tsErr != nil {
		w.warnf("bad signature", r, "missing or malformed signature headers")
		return refuse(http.StatusUnauthorized, "invalid signature")
	}
	now := w.cfg.Now()
	if skew := now.Sub(time.Unix(ts, 0)); skew > w.cfg.Tolerance || skew < -w.cfg.Tolerance {
		w.warnf("stale timestamp", r, fmt.Sprintf("X-Signature-Timestamp is %s from this host's clock, beyond %s: a replayed request, or a clock to fix",
			skew.Round(time.Second), w.cfg.Tolerance))
		return refuse(http.StatusUnauthorized, "stale timestamp")
	}
	switch {
	case r.ContentLength < 0:
		return refuse(http.StatusLengthRequired, "content-length required")
	case r.ContentLength > w.cfg.MaxBody:
		return refuse(http.StatusRequestEntityTooLarge, "body too large")
	}
	select {
	case w.reads <- struct{}{}:
	case <-r.Context().Done():
		return nil, false
	}
	body := make([]byte, r.ContentLength)
	_, err := io.ReadFull(r.Body, body)
	<-w.reads
	if err != nil {
		return refuse(http.StatusBadRequest, "read body")
	}
	if !w.verify(timestamp, sig, body) {
		w.warnf("bad signature", r, "the signature does not match the body")
		return refuse(http.StatusUnauthorized, "invalid signature")
	}
	return body, true
}

// warnf logs a rejected request, at most one line per kind every webhookWarnEvery, with
// the count of the lines left out since the last one.
func (w *Webhook) warnf(kind string, r *http.Request, why string) {
	ok, suppressed := w.warn.allow(kind, w.cfg.Now())
	if !ok {
		return
	}
	args := []any{"remote", r.RemoteAddr, "why", why}
	if suppressed > 0 {
		args = append(args, "suppressed", suppressed)
	}
	w.log.Warn("webhook request rejected: "+kind, args...)
}

// parseSignature decodes an X-Signature-Ed25519 header (§10.2).
func parseSignature(sigHex string) ([]byte, bool) {
	sig, err := hex.DecodeString(sigHex)
	if err != nil || len(sig) != ed25519.SignatureSize || sig[63]&0xE0 != 0 {
		return nil, false
	}
	return sig, true
}

// verify checks a signature over timestamp + body (§10.2).
func (w *Webhook) verify(timestamp string, sig, body []byte) bool {
	msg := make([]byte, 0, len(timestamp)+len(body))
	msg = append(append(msg, timestamp...), body...)
	return ed25519.Verify(w.pub, msg, sig)
}

func writeJSON(rw http.ResponseWriter, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(rw, "encode", http.StatusInternalServerError)
		return
	}
	rw.Header().Set("Content-Type", "application/json")
	_, _ = rw.Write(b)
}
