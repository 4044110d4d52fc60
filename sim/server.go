package sim

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
)

// Log attribute keys, kept constant so that log lines can be filtered.
const (
	logConn    = "conn"
	logSession = "session"
	logOp      = "op"
	logCode    = "code"
	logPath    = "path"
	logMethod  = "method"
)

const (
	tokenPath   = "/app/getAppAccessToken"
	gatewayPath = "/websocket"
)

// Server is the simulated platform. Build it with New, then Start it; the
// zero value is not usable. All methods are safe for concurrent use.
type Server struct {
	cfg      Config // defaults applied; read-only after New
	log      *slog.Logger
	w        *world           // the live world, guarded by mu
	clock    func() time.Time // Config.Clock, under the platform clock
	skew     atomic.Int64     // nanoseconds Advance has moved the platform clock ahead of clock
	routes   []route
	control  []route
	upgrader websocket.Upgrader
	tokens   tokenStore

	done   chan struct{}   // closed by Close; ends delays and waits
	ctx    context.Context // cancelled by Close, for outgoing requests
	cancel context.CancelFunc
	wg     sync.WaitGroup // the serve goroutine and every request handler

	mu      sync.Mutex
	started bool
	closed  bool
	srv     *http.Server
	addr    string // host:port once started

	// Messages known to the platform, for GET, lists and reply checks
	// (messages.go, delivery.go).
	messages     map[string]*storedMessage
	messageOrder []string // insertion order, to forget the oldest
	channelSeq   map[string]int
	events       map[string]*storedEvent // event id → dispatch, for event_id checks
	eventOrder   []string
	sent         []SentMessage
	sentSignal   signal
	ackSignal    signal                 // an interaction was acknowledged
	quotas       map[string][]time.Time // active-message sends per quota key (delivery.go)
	interactions map[string]*Interaction
	streams      map[string]*openStream // streamed C2C messages by id (stream.go)
	faults       faultState             // REST faults (faults.go)

	hook         *webhookSender          // nil without Config.WebhookURL
	hookSessions map[string]*hookSession // the deprecated webhook session API (rest_webhook_sessions.go)

	// Gateway state (gateway.go, session.go).
	dispatched     atomic.Uint64 // op-0 frames written; see Dispatched
	granted        atomic.Uint32 // intents Identify may ask for (Config.GrantedIntents, SetGrantedIntents)
	conns          map[*conn]struct{}
	sessions       map[string]*session
	identified     int // connections READY or RESUMED was sent on
	sessionSignal  signal
	startRemaining int       // session_start_limit.remaining
	startResetAt   time.Time // when remaining refills
}

// New validates cfg and builds the world. It does not listen; call Start.
func New(cfg Config) (*Server, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	s := &Server{
		cfg:          cfg,
		log:          cfg.Logger,
		w:            newWorldState(),
		clock:        cfg.Clock,
		done:         make(chan struct{}),
		messages:     make(map[string]*storedMessage),
		hookSessions: make(map[string]*hookSession),
		channelSeq:   make(map[string]int),
		events:       make(map[string]*storedEvent),
		quotas:       make(map[string][]time.Time),
		interactions: make(map[string]*Interaction),
		streams:      make(map[string]*openStream),
		conns:        make(map[*conn]struct{}),
		sessions:     make(map[string]*session),
		tokens:       tokenStore{ttl: cfg.TokenTTL, expiry: make(map[string]time.Time)},
		upgrader: websocket.Upgrader{
			// Bots are not browsers; any origin (usually none) is fine.
			CheckOrigin: func(*http.Request) bool { return true },
		},
		startRemaining: int(cfg.SessionStarts),
	}
	s.granted.Store(cfg.GrantedIntents)
	s.ctx, s.cancel = context.WithCancel(context.Background())
	s.routes = s.routeTable()
	s.control = s.controlTable()
	if cfg.WebhookURL != "" {
		s.hook = newWebhookSender(s)
	}
	return s, nil
}

// Start listens on Config.Addr (default 127.0.0.1 with a random port) and
// serves REST, the token service, the gateway and the control API on it;
// with Config.WebhookURL it also starts the webhook sender. The serving goroutine belongs to s and
// ends in Close.
func (s *Server) Start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrServerClosed
	}
	if s.started {
		return ErrAlreadyStarted
	}
	ln, err := net.Listen("tcp", s.cfg.Addr)
	if err != nil {
		return fmt.Errorf("sim: listen: %w", err)
	}
	s.srv = &http.Server{
		Handler:           http.HandlerFunc(s.serveHTTP),
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelDebug),
	}
	s.addr = ln.Addr().String()
	if host, port, err := net.SplitHostPort(s.addr); err == nil {
		if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
			// Listening on every interface: advertise loopback.
			s.addr = net.JoinHostPort("127.0.0.1", port)
		}
	}
	s.started = true
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		if err := s.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.log.Error("serve", "err", err)
		}
	}()
	if s.hook != nil {
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			s.hook.run()
		}()
	}
	s.log.Debug("started", "addr", s.addr)
	return nil
}

// Close stops the listener, closes every gateway connection with 1001,
// ends pending MessageDelay waits and waits for all handlers to return.
// It is safe to call more than once and without Start.
func (s *Server) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	close(s.done)
	s.cancel()
	srv := s.srv
	conns := make([]*conn, 0, len(s.conns))
	for c := range s.conns {
		conns = append(conns, c)
	}
	s.mu.Unlock()

	var err error
	if srv != nil {
		// Close, not Shutdown: handlers are ended through s.done and by
		// closing the hijacked websocket connections below.
		err = srv.Close()
	}
	for _, c := range conns {
		c.closeWith(websocket.CloseGoingAway, "server shutting down")
		s.detach(c)
	}
	s.wg.Wait()
	s.log.Debug("closed")
	if err != nil {
		return fmt.Errorf("sim: close: %w", err)
	}
	return nil
}

// APIURL is the REST base, "http://127.0.0.1:PORT". Empty before Start.
func (s *Server) APIURL() string { return s.baseURL("http://") }

// ControlURL is the base of the control API, "http://127.0.0.1:PORT/sim"
// (control.go). Empty before Start.
func (s *Server) ControlURL() string {
	if b := s.baseURL("http://"); b != "" {
		return b + controlPrefix
	}
	return ""
}

// TokenURL is the token service base; clients POST
// TokenURL()+"/app/getAppAccessToken". Empty before Start.
func (s *Server) TokenURL() string { return s.baseURL("http://") }

// GatewayURL is "ws://127.0.0.1:PORT/websocket", the url that GET /gateway
// and GET /gateway/bot return. Empty before Start.
func (s *Server) GatewayURL() string {
	if b := s.baseURL("ws://"); b != "" {
		return b + gatewayPath
	}
	return ""
}

func (s *Server) baseURL(scheme string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.addr == "" {
		return ""
	}
	return scheme + s.addr
}

// AppID is the application id the token service and legacy tokens expect.
func (s *Server) AppID() string { return s.cfg.AppID }

// Secret is the AppSecret the token service expects as clientSecret.
func (s *Server) Secret() string { return s.cfg.Secret }

// BotToken is the legacy token accepted as "Bot <appid>.<token>".
func (s *Server) BotToken() string { return s.cfg.BotToken }

// World returns a snapshot of the simulated world.
func (s *Server) World() World {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.snapshot()
}

// Channels returns the channels of the guild guildID, in position order
// (nil for an unknown guild): where a test posts in a guild it added with
// JoinGuild.
func (s *Server) Channels(guildID string) []Channel {
	s.mu.Lock()
	defer s.mu.Unlock()
	g := s.w.guild(guildID)
	if g == nil {
		return nil
	}
	out := make([]Channel, 0, len(g.channels))
	for _, c := range g.channels {
		out = append(out, c.Channel)
	}
	return out
}

// serveHTTP is the single entry point of the listener. It registers the
// request with s.wg so that Close can wait for it, stamps the trace header
// every response carries, and routes.
func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	trace := newTraceID()
	// Assigned directly to keep the exact spelling botgo uses; header names
	// are case-insensitive, so any client still finds it.
	w.Header()["X-Tps-trace-ID"] = []string{trace}
	c := &call{w: w, r: r, trace: trace}
	if !s.enter() {
		c.fail(http.StatusServiceUnavailable, codeServerClosing, "server is shutting down")
		return
	}
	defer s.wg.Done()
	s.log.Debug("request", logMethod, r.Method, logPath, r.URL.Path)
	switch path := r.URL.Path; {
	case path == controlPrefix || strings.HasPrefix(path, controlPrefix+"/"):
		s.serveControl(c)
	case path == gatewayPath:
		s.serveGateway(c)
	case path == tokenPath:
		s.serveToken(c)
	default:
		s.serveREST(c)
	}
}

// enter adds a handler to s.wg unless the server is closing. Adding under
// s.mu orders every Add before the Wait in Close.
func (s *Server) enter() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	s.wg.Add(1)
	return true
}

// signal wakes every goroutine waiting for a state change. It is guarded by
// Server.mu: take wait() under the lock, release it, then block on the
// channel, which Server code closes (notify) after each change.
type signal struct {
	ch chan struct{}
}

func (g *signal) wait() <-chan struct{} {
	if g.ch == nil {
		g.ch = make(chan struct{})
	}
	return g.ch
}

func (g *signal) notify() {
	if g.ch != nil {
		close(g.ch)
		g.ch = nil
	}
}
