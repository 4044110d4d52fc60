package console

import (
	"context"
	"embed"
	"encoding/json"
	"errors"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"github.com/luabot/luabot/host"
	"github.com/luabot/luabot/sim"
	"github.com/luabot/luabot/transport"
)

//go:embed web
var webFiles embed.FS

// Scripts is the bot's script set (a *host.Host).
type Scripts interface {
	ScriptInfos() []host.ScriptInfo
	ScriptInfo(name string) (host.ScriptInfo, bool)
	ReloadScript(name string) error
}

// Store reads the kv file (a *kv.Store).
type Store interface {
	Namespaces() ([]string, error)
	ScanAfter(ns, prefix, after string, fn func(key string, val []byte) bool) error
}

// Gateway reports the connection to the platform (a *transport.Source);
// before it exists, a Gateway may answer an empty report.
type Gateway interface {
	Status() transport.StatusReport
}

// Platform is the simulator the chat sandbox plays the users of (a
// *sim.Server).
type Platform interface {
	World() sim.World
	Post(sim.Post) (sim.Message, error)
	React(sim.Reaction) error
	Press(sim.Press) (sim.Interaction, error)
	AddMember(guildID, username string) (sim.User, error)
	WaitSent(ctx context.Context, i int) (sim.SentMessage, error)
}

// Config says what the console shows. Every field may be nil: the view
// that needs it then says it is not available.
type Config struct {
	Scripts  Scripts
	Store    Store
	Gateway  Gateway
	Platform Platform // the chat sandbox
	Logs     *LogHub
	// AnyHost accepts requests whatever host they name. Leave it off on a
	// listener without authentication: a site whose name is made to resolve
	// to 127.0.0.1 could otherwise read the console from the developer's
	// browser. A listener that checks a token on every request may set it.
	AnyHost bool
	// Logger receives the console's own log lines; nil discards.
	Logger *slog.Logger
}

// Console serves the page and its API. Close it to end its goroutines
// and every open stream.
type Console struct {
	cfg     Config
	log     *slog.Logger
	mux     *http.ServeMux
	ctx     context.Context
	cancel  context.CancelFunc
	wg      sync.WaitGroup
	samples *sampler
	chat    *chat
}

// New starts a console (its sampler, and the chat's reader of the bot's
// messages when there is a Platform).
func New(cfg Config) (*Console, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	c := &Console{cfg: cfg, log: cfg.Logger, mux: http.NewServeMux()}
	c.ctx, c.cancel = context.WithCancel(context.Background())
	if cfg.Platform != nil {
		c.chat = newChat(cfg.Platform)
		c.wg.Add(1)
		go func() {
			defer c.wg.Done()
			c.chat.follow(c.ctx)
		}()
	}
	c.samples = newSampler(c.counters)
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		c.samples.run(c.ctx)
	}()
	static, err := fs.Sub(webFiles, "web")
	if err != nil {
		return nil, err
	}
	files := http.FileServerFS(static)
	c.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			writeError(w, http.StatusMethodNotAllowed, "the page is read with GET")
			return
		}
		files.ServeHTTP(w, r)
	})
	c.mux.HandleFunc("GET /api/overview", c.getOverview)
	c.mux.HandleFunc("GET /api/scripts", c.getScripts)
	c.mux.HandleFunc("GET /api/scripts/{name}", c.getScript)
	c.mux.HandleFunc("POST /api/scripts/{name}/reload", c.postReload)
	c.mux.HandleFunc("GET /api/logs", c.getLogs)
	c.mux.HandleFunc("GET /api/kv", c.getNamespaces)
	c.mux.HandleFunc("GET /api/kv/{ns...}", c.getKV)
	c.mux.HandleFunc("GET /api/chat", c.getChat)
	c.mux.HandleFunc("POST /api/chat/messages", c.postMessage)
	c.mux.HandleFunc("POST /api/chat/press", c.postPress)
	c.mux.HandleFunc("POST /api/chat/reactions", c.postReaction)
	c.mux.HandleFunc("POST /api/chat/members", c.postMember)
	c.mux.HandleFunc("GET /api/events", c.events)
	c.mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "no such console endpoint: "+r.Method+" "+r.URL.Path)
	})
	return c, nil
}

// Close ends the console's goroutines and its open event streams.
func (c *Console) Close() {
	c.cancel()
	c.wg.Wait()
}

// pagePolicy is the Content-Security-Policy of every answer: the page runs
// only its own script and style, talks only to its own origin, and may not
// be framed (a page of another site could otherwise lay it under its own
// and have the operator click Reload or Send). Images may come from
// anywhere: a bot's message shows the image URL it sent.
const pagePolicy = "default-src 'self'; img-src * data: blob:; object-src 'none'; base-uri 'none'; " +
	"form-action 'self'; frame-ancestors 'none'"

// ServeHTTP serves the page and the API after the origin checks.
func (c *Console) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Security-Policy", pagePolicy)
	h.Set("X-Frame-Options", "DENY")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	if !c.cfg.AnyHost && !localHost(r.Host) {
		writeError(w, http.StatusForbidden, "the console answers requests addressed to an IP address or localhost only")
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		if o := r.Header.Get("Origin"); o != "" {
			if u, err := url.Parse(o); err != nil || u.Host != r.Host {
				writeError(w, http.StatusForbidden, "request from another origin refused")
				return
			}
		}
		if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
			writeError(w, http.StatusUnsupportedMediaType, "send a JSON body (Content-Type: application/json)")
			return
		}
	}
	c.mux.ServeHTTP(w, r)
}

// localHost accepts a Host header naming an IP address or localhost: a
// name that resolves to loopback through someone's DNS is refused.
func localHost(h string) bool {
	if host, _, err := net.SplitHostPort(h); err == nil {
		h = host
	}
	h = strings.Trim(h, "[]")
	return h == "localhost" || net.ParseIP(h) != nil
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v) // the client went away: nothing to do
}

// writeError answers {"error": msg}.
func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"error": msg})
}

// readJSON decodes a request body of at most 64 KiB into v.
func readJSON(w http.ResponseWriter, r *http.Request, v any) bool {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 64<<10))
	if err := dec.Decode(v); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			writeError(w, http.StatusRequestEntityTooLarge, "request body over 64 KiB")
		} else {
			writeError(w, http.StatusBadRequest, "request body is not the JSON expected: "+err.Error())
		}
		return false
	}
	return true
}
