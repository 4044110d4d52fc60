package admin

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/luabot/luabot/outbound"
)

// Server is the admin listener. Build it with New, mount handlers with Handle, then
// Listen (optional: Serve listens if needed) and Serve.
type Server struct {
	cfg Config
	log *slog.Logger
	mux *http.ServeMux

	mu  sync.Mutex
	ln  net.Listener // from Listen; nil before
	tls *tls.Config  // nil: plain HTTP (loopback only)

	// Refusals are logged at most once per refusalEvery, with how many were left
	// out, so that a scanner cannot flood the log.
	refusedMu   sync.Mutex
	refusedLast time.Time
	suppressed  int
}

// refusalEvery is the least time between two "admin request refused" lines.
const refusalEvery = 10 * time.Second

// New checks cfg; its errors are *ConfigError.
func New(cfg Config) (*Server, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	s := &Server{cfg: cfg, log: cfg.Logger, mux: http.NewServeMux()}
	if cfg.TLSCert != "" {
		pair, err := tls.LoadX509KeyPair(cfg.TLSCert, cfg.TLSKey)
		if err != nil {
			return nil, &ConfigError{Field: "TLSCert", Err: err}
		}
		s.tls = &tls.Config{Certificates: []tls.Certificate{pair}, MinVersion: tls.VersionTLS12}
	}
	return s, nil
}

// Handle mounts h on pattern (net/http.ServeMux rules). It may be called while the
// listener serves: the mux locks its table.
func (s *Server) Handle(pattern string, h http.Handler) { s.mux.Handle(pattern, h) }

// Listen binds Config.Addr, so that a bind failure is known, and the URL printed,
// before Serve runs.
func (s *Server) Listen() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ln != nil {
		return nil
	}
	ln, err := net.Listen("tcp", s.cfg.Addr)
	if err != nil {
		return fmt.Errorf("admin: listen: %w", err)
	}
	if s.tls != nil {
		ln = tls.NewListener(ln, s.tls)
	}
	s.ln = ln
	return nil
}

// URL is the listener's base URL ("http://127.0.0.1:9090"), with the port actually
// bound; empty before Listen.
func (s *Server) URL() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ln == nil {
		return ""
	}
	if s.tls != nil {
		return "https://" + s.ln.Addr().String()
	}
	return "http://" + s.ln.Addr().String()
}

// Serve answers requests until ctx ends, then stops accepting, gives requests in
// flight up to Config.ShutdownTimeout and returns nil. It listens first if Listen was
// not called. Its goroutines have all ended when it returns.
func (s *Server) Serve(ctx context.Context) error {
	if err := s.Listen(); err != nil {
		return err
	}
	s.mu.Lock()
	ln := s.ln
	s.mu.Unlock()
	srv := &http.Server{
		Handler:           refuseScripts(s.checkHost(s.authorize(s.mux))),
		ReadHeaderTimeout: 10 * time.Second,
		// Net/http's own complaints (bad TLS handshakes, panics in handlers) go to
		// the structured log too.
		ErrorLog: slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
		BaseContext: func(net.Listener) context.Context {
			return ctx
		},
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err := <-served:
		return fmt.Errorf("admin: serve: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), s.cfg.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		// Requests still running past the deadline (a long-lived stream) are cut.
		srv.Close()
	}
	if err := <-served; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("admin: serve: %w", err)
	}
	return nil
}

// refuseScripts answers 403 to a request made by a script's http module: a
// script granted loopback must not read other scripts' kv and logs through
// the console, or reload them, whatever the token setting.
func refuseScripts(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get(outbound.ScriptHeader) != "" {
			http.Error(w, "403 forbidden: scripts may not call luabot's admin listener", http.StatusForbidden)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// checkHost refuses, on a listener without a token, a request whose Host
// header is a name other than localhost: a site whose name is made to
// resolve to 127.0.0.1 (DNS rebinding) could otherwise read /metrics,
// /readyz and the console from the operator's browser. With a token such a
// page has no token to send, so any name may be used.
func (s *Server) checkHost(next http.Handler) http.Handler {
	if s.cfg.Token != "" {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host := r.Host
		if h, _, err := net.SplitHostPort(host); err == nil {
			host = h
		}
		if !strings.EqualFold(host, "localhost") && net.ParseIP(strings.Trim(host, "[]")) == nil {
			s.logRefusal("host name is not an IP address or localhost", r)
			http.Error(w, "403 forbidden: without --admin-token the admin listener answers requests addressed to an IP address or localhost only",
				http.StatusForbidden)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// authorize lets a request through when no token is configured or when it carries
// the right bearer token; others get 401 and one log line that says why without
// quoting what was sent.
func (s *Server) authorize(next http.Handler) http.Handler {
	if s.cfg.Token == "" {
		return next
	}
	// Comparing digests keeps the comparison constant-time in the token's length too.
	want := sha256.Sum256([]byte(s.cfg.Token))
	right := func(got string) bool {
		sum := sha256.Sum256([]byte(got))
		return got != "" && subtle.ConstantTimeCompare(sum[:], want[:]) == 1
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got, ok := bearer(r.Header.Get("Authorization"))
		if ok && right(got) {
			next.ServeHTTP(w, r)
			return
		}
		// A browser cannot send a bearer header with a page, an EventSource or
		// a plain link: it opens /?token=TOKEN once, gets the token back as an
		// HttpOnly cookie, and is sent on to the same page without it in the
		// address bar.
		if c, err := r.Cookie(cookieName); err == nil && right(c.Value) {
			next.ServeHTTP(w, r)
			return
		}
		if q := r.URL.Query(); right(q.Get("token")) {
			http.SetCookie(w, &http.Cookie{Name: cookieName, Value: q.Get("token"), Path: "/", HttpOnly: true,
				SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil})
			q.Del("token")
			u := *r.URL
			u.RawQuery = q.Encode()
			// A path that starts "//" or "/\\" would send the browser to
			// another site: one slash keeps it here.
			to := u.RequestURI()
			if strings.HasPrefix(to, "//") || strings.HasPrefix(to, "/\\") {
				to = "/" + strings.TrimLeft(to, "/\\")
			}
			http.Redirect(w, r, to, http.StatusSeeOther)
			return
		}
		why := "no bearer token"
		if ok {
			why = "wrong bearer token"
		}
		s.logRefusal(why, r)
		w.Header().Set("WWW-Authenticate", `Bearer realm="luabot"`)
		http.Error(w, "401 unauthorized: send Authorization: Bearer <admin token>", http.StatusUnauthorized)
	})
}

// cookieName is the cookie a browser keeps the admin token in.
const cookieName = "luabot_admin"

// bearer takes the token out of an Authorization header value.
func bearer(h string) (string, bool) {
	scheme, tok, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	tok = strings.TrimSpace(tok)
	return tok, tok != ""
}

// logRefusal logs one refused request, unless one was logged less than refusalEvery ago;
// the next line says how many were left out. What the request sent as a token is never
// part of it.
func (s *Server) logRefusal(why string, r *http.Request) {
	s.refusedMu.Lock()
	now := time.Now()
	if !s.refusedLast.IsZero() && now.Sub(s.refusedLast) < refusalEvery {
		s.suppressed++
		s.refusedMu.Unlock()
		return
	}
	suppressed := s.suppressed
	s.refusedLast, s.suppressed = now, 0
	s.refusedMu.Unlock()
	s.log.Warn("admin request refused", "why", why, "method", r.Method, "path", r.URL.Path, "remote", r.RemoteAddr,
		"suppressed", suppressed)
}
