package gateway

import (
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"
)

const (
	defaultWebhookMaxBody = 1 << 20
	defaultWebhookDrain   = 5 * time.Second
	opCallbackAck         = 12
	opCallbackValidation  = 13
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

	// MaxBody bounds a callback body. 0 means 1 MiB.
	MaxBody int64

	// Drain bounds how long shutdown waits for requests in flight. 0 means 5 s.
	Drain time.Duration

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
}

// NewWebhook validates cfg and derives the signing key.
func NewWebhook(cfg WebhookConfig) (*Webhook, error) {
	if cfg.Secret == "" {
		return nil, fmt.Errorf("%w: webhook Secret is required", ErrInvalidConfig)
	}
	if (cfg.TLSCert == "") != (cfg.TLSKey == "") {
		return nil, fmt.Errorf("%w: set both TLS cert and key, or neither", ErrInvalidConfig)
	}
	if cfg.MaxBody < 0 || cfg.Drain < 0 {
		return nil, fmt.Errorf("%w: negative webhook MaxBody or Drain", ErrInvalidConfig)
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
	return &Webhook{cfg: cfg, log: cfg.Logger.With("transport", "webhook"), key: key, pub: key.Public().(ed25519.PublicKey)}, nil
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

// Serve is Run on a listener the caller opened; it closes ln.
func (w *Webhook) Serve(ctx context.Context, ln net.Listener, handle func(Event)) error {
	if handle == nil {
		_ = ln.Close()
		return ErrNilHandler
	}
	srv := &http.Server{
		Handler:           w.Handler(handle),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
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
		body, err := io.ReadAll(io.LimitReader(r.Body, w.cfg.MaxBody+1))
		if err != nil {
			http.Error(rw, "read body", http.StatusBadRequest)
			return
		}
		if int64(len(body)) > w.cfg.MaxBody {
			http.Error(rw, "body too large", http.StatusRequestEntityTooLarge)
			return
		}
		// The signature is checked on the raw bytes before anything parses them.
		if !w.verify(r.Header.Get("X-Signature-Timestamp"), r.Header.Get("X-Signature-Ed25519"), body) {
			w.log.Warn("webhook request rejected: bad signature", "remote", r.RemoteAddr)
			http.Error(rw, "invalid signature", http.StatusUnauthorized)
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
			w.handleMu.Lock()
			handle(Event{Type: f.T, Seq: f.S, ID: f.ID, Data: f.D})
			w.handleMu.Unlock()
			writeJSON(rw, map[string]int{"op": opCallbackAck, "d": 0})
		default:
			http.Error(rw, "unsupported op", http.StatusBadRequest)
		}
	})
}

// verify checks an X-Signature-Ed25519 header over timestamp + body (§10.2).
func (w *Webhook) verify(timestamp, sigHex string, body []byte) bool {
	if timestamp == "" {
		return false
	}
	sig, err := hex.DecodeString(sigHex)
	if err != nil || len(sig) != ed25519.SignatureSize || sig[63]&0xE0 != 0 {
		return false
	}
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
