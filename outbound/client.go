package outbound

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Defaults for the zero fields of Config.
const (
	DefaultTimeout      = 10 * time.Second
	DefaultMaxBody      = 4 << 20
	DefaultMaxRedirects = 5
	DefaultMaxInFlight  = 4
	DefaultRate         = 5  // requests per second, per script
	DefaultBurst        = 10 // requests a script may make at once after a pause
)

// ScriptHeader is set on every request a script makes. luabot's own
// listeners (the admin listener and its web console) refuse a request that
// carries it: a script granted loopback (AllowLoopback) would otherwise
// read the console's pages of other scripts' kv and logs when the
// listener has no token.
const ScriptHeader = "Luabot-Script"

// Config configures a Client. Zero fields take the defaults above.
type Config struct {
	Timeout      time.Duration // per request, including reading the body
	MaxBody      int64         // bytes of one response body
	MaxRedirects int
	MaxInFlight  int     // requests (and open streams) per script
	Rate         float64 // requests per second per script
	Burst        int
	// AllowLoopback lets scripts reach loopback addresses, over https or
	// plain http: for a service on the bot's own machine, and for tests.
	AllowLoopback bool
	// RootCAs verifies servers; nil is the system's pool.
	RootCAs *x509.CertPool
	// Transport replaces the network (luabot test's stubs). Grants, schemes,
	// redirects and caps still apply; address checks are the network's.
	Transport http.RoundTripper
}

func (c Config) withDefaults() Config {
	if c.Timeout <= 0 {
		c.Timeout = DefaultTimeout
	}
	if c.MaxBody <= 0 {
		c.MaxBody = DefaultMaxBody
	}
	if c.MaxRedirects <= 0 {
		c.MaxRedirects = DefaultMaxRedirects
	}
	if c.MaxInFlight <= 0 {
		c.MaxInFlight = DefaultMaxInFlight
	}
	if c.Rate <= 0 {
		c.Rate = DefaultRate
	}
	if c.Burst <= 0 {
		c.Burst = DefaultBurst
	}
	return c
}

// Client is shared by every script of a bot: one connection pool.
type Client struct {
	cfg       Config
	transport http.RoundTripper
	pool      *http.Transport // nil when Config.Transport replaced it
}

// New returns a Client whose connections go only where cfg allows.
func New(cfg Config) *Client {
	cfg = cfg.withDefaults()
	c := &Client{cfg: cfg}
	if cfg.Transport != nil {
		c.transport = cfg.Transport
		return c
	}
	dialer := &net.Dialer{
		Timeout: cfg.Timeout,
		// Control runs for every address the dialer tries, after DNS and
		// before connecting: the one place that sees the address actually
		// used, whatever the name, the redirect or a DNS change.
		Control: func(network, address string, _ syscall.RawConn) error {
			ap, err := netip.ParseAddrPort(address)
			if err != nil {
				return &addressError{addr: address, why: "not an IP address"}
			}
			if why := refused(ap.Addr(), cfg.AllowLoopback); why != "" {
				return &addressError{addr: ap.Addr().String(), why: why}
			}
			return nil
		},
	}
	c.pool = &http.Transport{
		// Never through a proxy from the environment: the proxy would make
		// the connection, and the address check would see only the proxy.
		Proxy:               nil,
		DialContext:         dialer.DialContext,
		TLSClientConfig:     &tls.Config{RootCAs: cfg.RootCAs, MinVersion: tls.VersionTLS12},
		TLSHandshakeTimeout: cfg.Timeout,
		ForceAttemptHTTP2:   true,
		MaxIdleConns:        32,
		MaxIdleConnsPerHost: 4,
		IdleConnTimeout:     30 * time.Second,
		// Headers are not body: the size cap does not cover them, this does.
		MaxResponseHeaderBytes: 64 << 10,
	}
	c.transport = c.pool
	return c
}

// Close drops idle connections. Requests in flight end with their context.
func (c *Client) Close() {
	if c.pool != nil {
		c.pool.CloseIdleConnections()
	}
}

// Script is the client as one script sees it: its grants and its limits.
type Script struct {
	c        *Client
	grants   []string
	slots    chan struct{}
	bucket   *bucket
	redirect func(req *http.Request, via []*http.Request) error
}

// For returns the client for a script granted hosts: exact names
// ("api.example.com") or a wildcard for subdomains ("*.example.com", which
// does not match example.com itself). Ports are not part of a grant.
func (c *Client) For(hosts []string) *Script {
	s := &Script{
		c:      c,
		grants: normalizeGrants(hosts),
		slots:  make(chan struct{}, c.cfg.MaxInFlight),
		bucket: newBucket(c.cfg.Rate, c.cfg.Burst, time.Now),
	}
	return s
}

// Grants are the script's granted host patterns, normalized.
func (s *Script) Grants() []string { return s.grants }

func normalizeGrants(hosts []string) []string {
	var out []string
	for _, h := range hosts {
		h = strings.ToLower(strings.TrimSuffix(strings.TrimSpace(h), "."))
		if h != "" {
			out = append(out, h)
		}
	}
	return out
}

func (s *Script) granted(host string) bool {
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	for _, g := range s.grants {
		if g == host {
			return true
		}
		if rest, ok := strings.CutPrefix(g, "*."); ok && strings.HasSuffix(host, "."+rest) {
			return true
		}
	}
	return false
}

// Request is one call a script makes.
type Request struct {
	Method  string
	URL     string
	Header  http.Header
	Body    []byte
	Timeout time.Duration // 0: the client's; never more than the context allows
}

// Response is an answer. Body holds the whole body for Do; for Open it is
// nil and the body is read from the Stream.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// safeURL is u without its query and user info, for errors and logs: a
// query often carries an API key.
func safeURL(u *url.URL) string {
	if u == nil {
		return ""
	}
	c := *u
	c.User = nil
	c.RawQuery = ""
	c.Fragment = ""
	return c.String()
}

// check applies the scheme and grant rules to u.
func (s *Script) check(u *url.URL) *Error {
	su := safeURL(u)
	host := u.Hostname()
	switch u.Scheme {
	case "https":
	case "http":
		if !(s.c.cfg.AllowLoopback && isLoopbackName(host)) {
			return newError(KindScheme, su, "use https://", "plain http is not allowed")
		}
	default:
		return newError(KindScheme, su, "use https://", "scheme %q is not allowed", u.Scheme)
	}
	if host == "" {
		return newError(KindRequest, su, "", "no host in the URL")
	}
	if !s.granted(host) {
		return newError(KindHost, su,
			fmt.Sprintf("grant it in the script's header: -- luabot: http=%s", host),
			"host %s is not granted to this script", host)
	}
	return nil
}

func isLoopbackName(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	a, err := netip.ParseAddr(host)
	return err == nil && a.Unmap().IsLoopback()
}

// Do makes the request and reads the whole answer, up to the size cap.
func (s *Script) Do(ctx context.Context, req Request) (*Response, error) {
	st, err := s.Open(ctx, req)
	if err != nil {
		return nil, err
	}
	defer st.Close()
	if cl := st.contentLength; cl > st.max {
		return nil, st.tooLarge()
	}
	body, err := io.ReadAll(io.LimitReader(st.body, st.max+1))
	if err == nil && st.ctx.Err() != nil {
		// An end of body seen after the deadline may be a cut one.
		err = st.ctx.Err()
	}
	if err != nil {
		return nil, st.readError(err)
	}
	if int64(len(body)) > st.max {
		return nil, st.tooLarge()
	}
	res := st.Response
	res.Body = body
	return &res, nil
}

// Open makes the request and returns once the headers are in.
func (s *Script) Open(ctx context.Context, req Request) (*Stream, error) {
	method := strings.ToUpper(req.Method)
	if method == "" {
		method = http.MethodGet
	}
	u, err := url.Parse(req.URL)
	if err != nil {
		return nil, newError(KindRequest, "", "", "bad URL: %v", errors.Unwrap(err))
	}
	if e := s.check(u); e != nil {
		return nil, e
	}
	if !s.bucket.take() {
		return nil, newError(KindRate, safeURL(u),
			fmt.Sprintf("a script may make %g requests a second", s.c.cfg.Rate), "rate limit reached")
	}
	timeout := s.c.cfg.Timeout
	if req.Timeout > 0 {
		timeout = req.Timeout
	}
	rctx, cancel := context.WithTimeout(ctx, timeout)
	select {
	case s.slots <- struct{}{}:
	case <-rctx.Done():
		cancel()
		return nil, ctxError(ctx, rctx, safeURL(u), timeout)
	}
	// The slot is given back when the request's context ends, however it
	// ends: the timeout, the handler finishing, or Close, which gives it
	// back before returning so the script's next request finds it free.
	release := sync.OnceFunc(func() { <-s.slots })
	context.AfterFunc(rctx, release)
	cancel = func(cancelCtx context.CancelFunc) context.CancelFunc {
		return func() { cancelCtx(); release() }
	}(cancel)

	hr, err := http.NewRequestWithContext(rctx, method, u.String(), bytes.NewReader(req.Body))
	if err != nil {
		cancel()
		return nil, newError(KindRequest, safeURL(u), "", "%v", err)
	}
	if req.Body == nil {
		hr.Body, hr.ContentLength = http.NoBody, 0
	}
	for k, vs := range req.Header {
		for _, v := range vs {
			hr.Header.Add(k, v)
		}
	}
	if hr.Header.Get("User-Agent") == "" {
		hr.Header.Set("User-Agent", "luabot")
	}
	// After the script's own headers, so that no script can leave it out
	// (redirects copy it).
	hr.Header.Set(ScriptHeader, "1")
	hc := &http.Client{Transport: s.c.transport, CheckRedirect: s.checkRedirect}
	res, err := hc.Do(hr)
	if err == nil && rctx.Err() != nil {
		// The transport may hand over an answer that raced the deadline
		// (a server that stopped when the client gave up): it is not one.
		res.Body.Close()
		err = rctx.Err()
	}
	if err != nil {
		err = s.doError(ctx, rctx, u, timeout, err)
		cancel()
		return nil, err
	}
	st := &Stream{
		Response: Response{Status: res.StatusCode, Header: res.Header},
		ctx:      rctx, cancel: cancel, parent: ctx,
		body: res.Body, r: bufio.NewReaderSize(res.Body, 4096),
		max: s.c.cfg.MaxBody, url: safeURL(u), timeout: timeout,
		contentLength: res.ContentLength,
	}
	return st, nil
}

func (s *Script) checkRedirect(req *http.Request, via []*http.Request) error {
	if len(via) > s.c.cfg.MaxRedirects {
		return &policyError{newError(KindRedirects, safeURL(req.URL), "",
			"more than %d redirects", s.c.cfg.MaxRedirects)}
	}
	if e := s.check(req.URL); e != nil {
		e.Msg = "redirect refused: " + e.Msg
		return &policyError{e}
	}
	return nil
}

func (s *Script) doError(parent, rctx context.Context, u *url.URL, timeout time.Duration, err error) error {
	var pe *policyError
	if errors.As(err, &pe) {
		return pe.err
	}
	if ae, ok := asAddress(err); ok {
		return &Error{Kind: KindAddress, URL: safeURL(u), Msg: "refused: " + ae.Error(), Err: err,
			hint: "scripts may reach only public addresses"}
	}
	if rctx.Err() != nil {
		return ctxError(parent, rctx, safeURL(u), timeout)
	}
	// The url.Error repeats the full URL (with its query); keep the cause.
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	msg := err.Error()
	if strings.HasPrefix(msg, "failed to parse Location header") {
		// net/http quotes the header whole, query included.
		msg = "the answer redirects to a Location that is not a URL"
	}
	return &Error{Kind: KindNetwork, URL: safeURL(u), Msg: msg, Err: err}
}

func ctxError(parent, rctx context.Context, u string, timeout time.Duration) error {
	if parent.Err() != nil {
		return &Error{Kind: KindCanceled, URL: u, Msg: "canceled", Err: parent.Err(),
			hint: "the handler ended first"}
	}
	return &Error{Kind: KindTimeout, URL: u, Msg: fmt.Sprintf("no complete answer within %s", timeout),
		Err: rctx.Err(), hint: "pass a longer timeout, or try again later"}
}
