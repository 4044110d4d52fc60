package openapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/luabot/luabot/internal/jsonscan"
)

const (
	traceHeader = "X-Tps-trace-ID"
	appIDHeader = "X-Union-Appid"

	jsonContentType = "application/json"

	// maxBody bounds what is read from one REST answer; the largest legitimate answers
	// (member and message lists) are far below it.
	maxBody = 16 << 20
	// maxMessage bounds the server text copied into an Error.
	maxMessage = 512
)

// acceptJSON and jsonContentTypeValue are header values every request
// shares.
var (
	acceptJSON           = []string{jsonContentType}
	jsonContentTypeValue = []string{jsonContentType}
)

// Client is a QQ bot OpenAPI client. It is safe for concurrent use.
type Client struct {
	appID     string
	legacy    string // legacy bot token; "" in the AppSecret flow
	secret    string // kept only to scrub it from error text
	base      *url.URL
	baseURL   string
	userAgent string
	hc        *http.Client
	// appIDValue and userAgentValue are the headers' values, shared by
	// every request.
	appIDValue, userAgentValue []string
	log                        *slog.Logger
	tokens                     *tokenSource // nil in legacy mode
	spacing                    *spacer
	replier                    *Replier
	observer                   Observer // nil: nobody listens

	maxRetries int
	retryBase  time.Duration
}

// New validates cfg and returns a Client. It performs no network I/O: the first access
// token is fetched by the first call that needs it.
func New(cfg Config) (*Client, error) {
	cfg, err := cfg.validate()
	if err != nil {
		return nil, err
	}
	base, err := url.Parse(cfg.BaseURL)
	if err != nil {
		return nil, fmt.Errorf("%w: BaseURL is not a URL", ErrInvalidConfig)
	}
	c := &Client{
		appID:     cfg.AppID,
		legacy:    cfg.Token,
		secret:    cfg.Secret,
		base:      base,
		baseURL:   cfg.BaseURL,
		userAgent: cfg.UserAgent,
		hc:        cfg.HTTPClient,
		log:       cfg.Logger,

		appIDValue:     []string{cfg.AppID},
		userAgentValue: []string{cfg.UserAgent},

		spacing:    newSpacer(cfg.RouteBurst, cfg.RouteInterval),
		replier:    NewReplier(cfg.Clock),
		maxRetries: cfg.MaxRetries,
		retryBase:  cfg.RetryBackoff,
		observer:   cfg.Observer,
	}
	c.replier.log = c.log
	if cfg.Secret != "" {
		c.tokens = &tokenSource{
			appID:     cfg.AppID,
			secret:    cfg.Secret,
			url:       cfg.TokenURL + tokenPath,
			userAgent: cfg.UserAgent,
			hc:        cfg.HTTPClient,
			log:       cfg.Logger,
			now:       cfg.Clock,
			sleep:     sleepCtx,
		}
	}
	return c, nil
}

// Run keeps the access token fresh in the background until ctx ends, then returns nil. It
// fetches a token at once and then again as each one enters its last 60 s, so no call waits
// for a fetch; failures are logged and retried with backoff (1 s doubling to 1 min), never
// fatal. The refresher runs on the caller's goroutine, so its owner is whoever calls Run
// (the host runs it next to the gateway); without Run the client still works and fetches
// tokens on demand. With a legacy token Run just waits for ctx.
func (c *Client) Run(ctx context.Context) error {
	if c.tokens == nil {
		<-ctx.Done()
		return nil
	}
	c.tokens.run(ctx)
	return nil
}

// AppID returns the configured application id.
func (c *Client) AppID() string { return c.appID }

// BaseURL returns the REST base URL in use (after defaults), without a trailing slash.
func (c *Client) BaseURL() string { return c.baseURL }

// IdentifyToken returns the credential for a gateway Identify frame: "QQBot <access_token>"
// in the AppSecret flow (fetching or refreshing the token as needed) or
// "Bot <appid>.<token>" with a legacy token. Its signature fits gateway.Config.Token.
func (c *Client) IdentifyToken(ctx context.Context) (string, error) {
	auth, _, err := c.authorization(ctx)
	return auth, err
}

// InvalidateToken drops the cached access token if it is the one in rejected (an identify
// credential such as "QQBot <token>", or a bare token), so the next call fetches a new one.
// The gateway calls it after close 4004. Legacy bot tokens cannot be refetched: a no-op.
func (c *Client) InvalidateToken(rejected string) {
	if c.tokens == nil {
		return
	}
	c.tokens.invalidate(strings.TrimPrefix(rejected, "QQBot "))
}

// authorization returns the Authorization header value and, in the AppSecret flow, the bare
// access token it contains (so a 11244 answer can invalidate exactly that token).
func (c *Client) authorization(ctx context.Context) (header, token string, err error) {
	if c.tokens == nil {
		return "Bot " + c.appID + "." + c.legacy, "", nil
	}
	tok, err := c.tokens.token(ctx)
	if err != nil {
		return "", "", err
	}
	return "QQBot " + tok, tok, nil
}

// Doer is the one method every typed helper is built on; *Client implements it.
// [Replier] and [SendMessage] take a Doer so that a fake can stand in for the
// client in tests.
type Doer interface {
	Do(ctx context.Context, method, path string, query url.Values, in, out any) error
}

// Do sends one request to path (relative to BaseURL, starting with "/", without query) with
// query appended. in, if non-nil, is the body: a *[Form] is sent as multipart/form-data,
// anything else is JSON-encoded. out, if non-nil, receives the JSON-decoded answer whatever
// its Content-Type; pass *json.RawMessage for the raw bytes. An empty answer (e.g. 204)
// leaves out untouched.
//
// Authorization and X-Union-Appid are added. A non-2xx answer, or a 201/202 answer whose
// body has a non-zero business code other than the audit codes, is returned as *Error. A
// 201/202 answer with code 304023/304024 (held for audit) is a success: its body is decoded
// into out and [AuditOf] recognises it.
//
// Before sending, Do waits for the route's turn (see Config.RouteInterval). 429 and
// 5xx answers are retried with jittered exponential backoff up to Config.MaxRetries times
// while the context's deadline leaves room. A request the platform may have processed is
// repeated only when that is safe (resend.go): GET, PUT and DELETE, and passive replies,
// which the platform deduplicates by msg_id and msg_seq; a 40054005 answer to such a
// repeat is a success, with {"deduplicated":true} decoded into out. Other POSTs and
// PATCHes repeat after a 5xx or transport failure only when the request never left
// (connection refused, DNS failure). In the AppSecret flow an answer with code 11244 makes
// Do refetch the token and send the request once more.
func (c *Client) Do(ctx context.Context, method, path string, query url.Values, in, out any) error {
	_, err := c.do(ctx, method, path, query, in, out)
	return err
}

// logKey is the context key of WithLogger.
type logKey struct{}

// WithLogger returns a context whose requests the Client logs (the request
// lines at debug, retries, Retry-After problems) to log instead of
// Config.Logger. A host gives each script's calls the script's logger: the
// lines then name the script and hide its secrets, which a path the script
// built may hold.
func WithLogger(ctx context.Context, log *slog.Logger) context.Context {
	return context.WithValue(ctx, logKey{}, log)
}

// logFor is the logger of a request made with ctx.
func (c *Client) logFor(ctx context.Context) *slog.Logger {
	if log, ok := ctx.Value(logKey{}).(*slog.Logger); ok && log != nil {
		return log
	}
	return c.log
}

// do is Do that also returns the pending-audit result of a 201/202 answer.
func (c *Client) do(ctx context.Context, method, path string, query url.Values, in, out any) (*Audit, error) {
	target, err := c.target(path, query)
	if err != nil {
		return nil, err
	}
	body, contentType, err := encodeBody(in)
	if err != nil {
		return nil, err
	}
	if co, ok := c.observer.(CallObserver); ok {
		co.Call(ctx, method, path, body, contentType)
	}
	refetched := false
	retries := 0
	RouteKey := method + " " + path
	passive := isPassiveReply(method, path, in, body)
	uncertain := false // an earlier attempt may have been processed
	var route Route    // the template, for the observer; found once per call
	if c.observer != nil {
		route = RouteOf(method, path)
	}
	for attempt := 1; ; attempt++ {
		if err := c.spacing.wait(ctx, RouteKey); err != nil {
			return nil, fmt.Errorf("%s %s: %w", strings.ToLower(method), path, err)
		}
		auth, tok, err := c.authorization(ctx)
		if err != nil {
			return nil, err
		}
		audit, err := c.send(ctx, method, path, target, auth, body, contentType, out, route)
		if err == nil {
			return audit, nil
		}
		if deduplicated(passive, uncertain, err) {
			// The platform already has this reply: an earlier attempt got
			// through and only its answer was lost.
			c.logFor(ctx).Info("reply already delivered by an earlier attempt", "method", method, "path", path, "attempt", attempt)
			if out != nil {
				_ = json.Unmarshal(dedupAnswer, out)
			}
			return nil, nil
		}
		var apiErr *Error
		isAPI := errors.As(err, &apiErr)
		if isAPI {
			apiErr.Attempts = attempt
		}
		if isAPI && apiErr.Code == CodeTokenExpired && c.tokens != nil && !refetched {
			refetched = true
			c.logFor(ctx).Warn("access token rejected, refetching", "method", method, "path", path, "trace_id", apiErr.TraceID)
			c.tokens.invalidate(tok)
			continue
		}
		if retries >= c.maxRetries || !retryable(method, passive, err) || ctx.Err() != nil {
			return nil, err
		}
		uncertain = uncertain || mayHaveArrived(err)
		wait := c.backoff(retries, apiErr)
		if dl, ok := ctx.Deadline(); ok && time.Until(dl) < wait {
			return nil, err // waiting would outlast the caller: report what we have
		}
		if isAPI && apiErr.Status == http.StatusTooManyRequests {
			c.spacing.penalize(RouteKey, wait)
		}
		retries++
		if c.observer != nil {
			status := 0
			if isAPI {
				status = apiErr.Status
			}
			c.observer.Retry(route, status)
		}
		c.logFor(ctx).Debug("openapi retry", "method", method, "path", path, "attempt", attempt+1, "wait", wait, "err", err)
		if sleepCtx(ctx, wait) != nil {
			return nil, err
		}
	}
}

// backoff is the wait before retry n (0-based): base·2ⁿ capped at 10 s, with
// "equal jitter" (half fixed, half random) so that clients which failed
// together do not retry together; at least the server's Retry-After.
func (c *Client) backoff(n int, apiErr *Error) time.Duration {
	d := c.retryBase << min(n, 16)
	if d > maxRetryBackoff || d <= 0 {
		d = maxRetryBackoff
	}
	d = d/2 + rand.N(d/2+1)
	if apiErr != nil && apiErr.retryAfter > d {
		d = min(apiErr.retryAfter, maxRetryBackoff)
	}
	return d
}

// target builds the absolute URL for path. Callers (including Lua scripts through host
// bindings) pass paths, so anything that could steer the request to another host or smuggle
// a query is refused rather than escaped.
func (c *Client) target(path string, query url.Values) (string, error) {
	if !strings.HasPrefix(path, "/") || strings.HasPrefix(path, "//") {
		return "", fmt.Errorf("%w: path %q must start with a single /", ErrInvalidRequest, path)
	}
	if strings.ContainsAny(path, "?#\\") || !headerSafe(path) {
		return "", fmt.Errorf("%w: path %q contains ?, #, \\, spaces or control characters", ErrInvalidRequest, path)
	}
	raw := c.baseURL + path
	if len(query) > 0 {
		raw += "?" + query.Encode()
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "", fmt.Errorf("%w: path %q: %v", ErrInvalidRequest, path, err)
	}
	if u.Scheme != c.base.Scheme || u.Host != c.base.Host {
		return "", fmt.Errorf("%w: path %q leaves the API host", ErrInvalidRequest, path)
	}
	return raw, nil
}

// send performs one HTTP exchange and decodes the answer.
// route is the request's template for Config.Observer (unset without one).
func (c *Client) send(ctx context.Context, method, path, target, auth string, body []byte, contentType string, out any, route Route) (*Audit, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, target, rd)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidRequest, err)
	}
	// Set by their canonical names, the fixed values shared between
	// requests (net/http only reads them): Header.Set's canonicalising and a
	// slice per value were most of a request's own allocations.
	h := req.Header
	h["Authorization"] = []string{auth}
	h[appIDHeader] = c.appIDValue
	h["User-Agent"] = c.userAgentValue
	h["Accept"] = acceptJSON
	if body != nil {
		if contentType == jsonContentType {
			h["Content-Type"] = jsonContentTypeValue
		} else {
			h["Content-Type"] = []string{contentType}
		}
	}

	start := time.Now()
	resp, err := c.hc.Do(req)
	if err != nil {
		if c.observer != nil {
			c.observer.Request(route, 0, time.Since(start))
		}
		return nil, fmt.Errorf("%s %s: %w", strings.ToLower(method), path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return nil, fmt.Errorf("%s %s: read response: %w", strings.ToLower(method), path, err)
	}
	// The trace id is server text that ends up in logs and errors: scrub it like a message.
	trace := scrub(oneLine(resp.Header.Get(traceHeader), maxMessage), c.secrets()...)
	took := time.Since(start)
	if log := c.logFor(ctx); log.Enabled(ctx, slog.LevelDebug) { // the arguments would be boxed on every request
		log.Debug("openapi request", "method", method, "path", path, "status", resp.StatusCode,
			"trace_id", trace, "duration", took)
	}
	if c.observer != nil {
		c.observer.Request(route, resp.StatusCode, took)
	}

	audit, e := c.classify(resp.StatusCode, trace, raw)
	if e != nil {
		h := resp.Header.Get("Retry-After")
		var problem string
		e.retryAfter, problem = parseRetryAfter(h, time.Now())
		if problem != "" {
			c.logFor(ctx).Warn("openapi: Retry-After header not used as sent", "method", method, "path", path,
				"retry_after", oneLine(h, 64), "using", e.retryAfter, "problem", problem)
		}
		return nil, e
	}
	if err := decodeAnswer(raw, out); err != nil {
		return nil, fmt.Errorf("%s %s: decode response (status %d, trace %q): %w",
			strings.ToLower(method), path, resp.StatusCode, trace, err)
	}
	return audit, nil
}

// decodeAnswer decodes a successful answer's body into out (nil: ignored).
// raw must be the caller's own buffer: a *json.RawMessage is given raw
// itself, checked but not copied, since most answers go to Lua as raw JSON.
func decodeAnswer(raw []byte, out any) error {
	if out == nil || len(bytes.TrimSpace(raw)) == 0 {
		return nil
	}
	if rm, ok := out.(*json.RawMessage); ok {
		if err := jsonscan.Check(raw); err != nil {
			return err
		}
		*rm = raw
		return nil
	}
	return json.Unmarshal(raw, out)
}

// classify returns the *Error an answer represents, or the pending-audit result
// of a 201/202 answer, or neither for a plain success. 201 and 202 are the
// platform's "accepted, but" answers: their body decides.
func (c *Client) classify(status int, trace string, raw []byte) (*Audit, *Error) {
	if status >= 200 && status <= 299 && status != http.StatusCreated && status != http.StatusAccepted {
		return nil, nil // a plain success: its body is the caller's
	}
	var eb errorBody
	isJSON := json.Unmarshal(raw, &eb) == nil
	switch {
	case status == http.StatusCreated || status == http.StatusAccepted:
		if !isJSON || eb.businessCode() == 0 {
			return nil, nil
		}
		if a, ok := AuditOf(raw); ok {
			a.TraceID = trace
			if a.TraceID == "" {
				a.TraceID = scrub(oneLine(eb.TraceID, maxMessage), c.secrets()...)
			}
			a.Message = scrub(a.Message, c.secrets()...)
			return a, nil
		}
	case status >= 200 && status <= 299:
		return nil, nil
	}
	e := &Error{Status: status, TraceID: trace}
	if isJSON {
		e.Code = eb.businessCode()
		e.Message = eb.Message
		if e.TraceID == "" {
			e.TraceID = eb.TraceID
		}
		if len(eb.Data) > 0 && string(eb.Data) != "null" {
			e.Data = json.RawMessage(scrubBytes(bytes.Clone(eb.Data), c.secrets()...))
		}
	} else {
		e.Message = string(raw)
	}
	if e.Message == "" {
		e.Message = http.StatusText(status)
	}
	e.Message = scrub(oneLine(e.Message, maxMessage), c.secrets()...)
	e.TraceID = scrub(oneLine(e.TraceID, maxMessage), c.secrets()...)
	return nil, e
}

// secrets lists every credential that must never be shown.
func (c *Client) secrets() []string {
	s := []string{c.secret, c.legacy}
	if c.tokens != nil {
		cur, prev := c.tokens.known()
		s = append(s, cur, prev)
	}
	return s
}
