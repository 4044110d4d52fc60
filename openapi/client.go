package openapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"
)

const (
	traceHeader = "X-Tps-trace-ID"
	appIDHeader = "X-Union-Appid"

	// maxBody bounds what is read from one REST answer; the largest legitimate answers
	// (member and message lists) are far below it.
	maxBody = 16 << 20
	// maxMessage bounds the server text copied into an Error.
	maxMessage = 512
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
	log       *slog.Logger
	tokens    *tokenSource // nil in legacy mode
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
	}
	if cfg.Secret != "" {
		c.tokens = &tokenSource{
			appID:     cfg.AppID,
			secret:    cfg.Secret,
			url:       cfg.TokenURL + tokenPath,
			userAgent: cfg.UserAgent,
			hc:        cfg.HTTPClient,
			log:       cfg.Logger,
			now:       time.Now,
		}
	}
	return c, nil
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

// Do sends one request to path (relative to BaseURL, starting with "/", without query) with
// query appended. in, if non-nil, is JSON-encoded as the body. out, if non-nil, receives the
// JSON-decoded answer whatever its Content-Type; pass *json.RawMessage for the raw bytes. An
// empty answer (e.g. 204) leaves out untouched.
//
// Authorization and X-Union-Appid are added. A non-2xx answer, or a 201/202 answer whose body
// has a non-zero business code, is returned as *Error. In the AppSecret flow an answer with
// code 11244 makes Do refetch the token and send the request once more.
func (c *Client) Do(ctx context.Context, method, path string, query url.Values, in, out any) error {
	target, err := c.target(path, query)
	if err != nil {
		return err
	}
	var body []byte
	if in != nil {
		if body, err = json.Marshal(in); err != nil {
			return fmt.Errorf("encode request body: %w", err)
		}
	}
	for attempt := 0; ; attempt++ {
		auth, tok, err := c.authorization(ctx)
		if err != nil {
			return err
		}
		err = c.send(ctx, method, path, target, auth, body, in != nil, out)
		var apiErr *Error
		if attempt == 0 && c.tokens != nil && errors.As(err, &apiErr) && apiErr.Code == CodeTokenExpired {
			c.log.Warn("access token rejected, refetching", "method", method, "path", path, "trace_id", apiErr.TraceID)
			c.tokens.invalidate(tok)
			continue
		}
		return err
	}
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
func (c *Client) send(ctx context.Context, method, path, target, auth string, body []byte, hasBody bool, out any) error {
	var rd io.Reader
	if hasBody {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, target, rd)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrInvalidRequest, err)
	}
	req.Header.Set("Authorization", auth)
	req.Header.Set(appIDHeader, c.appID)
	req.Header.Set("User-Agent", c.userAgent)
	req.Header.Set("Accept", "application/json")
	if hasBody {
		req.Header.Set("Content-Type", "application/json")
	}

	start := time.Now()
	resp, err := c.hc.Do(req)
	if err != nil {
		return fmt.Errorf("%s %s: %w", strings.ToLower(method), path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return fmt.Errorf("%s %s: read response: %w", strings.ToLower(method), path, err)
	}
	// The trace id is server text that ends up in logs and errors: scrub it like a message.
	trace := scrub(oneLine(resp.Header.Get(traceHeader), maxMessage), c.secrets()...)
	c.log.Debug("openapi request", "method", method, "path", path, "status", resp.StatusCode,
		"trace_id", trace, "duration", time.Since(start))

	if e := c.errorFor(resp.StatusCode, trace, raw); e != nil {
		return e
	}
	if out == nil || len(bytes.TrimSpace(raw)) == 0 {
		return nil
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return fmt.Errorf("%s %s: decode response (status %d, trace %q): %w",
			strings.ToLower(method), path, resp.StatusCode, trace, err)
	}
	return nil
}

// errorFor returns the *Error an answer represents, or nil for a success. 201 and 202 are
// the platform's "accepted, but" answers (e.g. 304023 pending audit): their body decides.
func (c *Client) errorFor(status int, trace string, raw []byte) *Error {
	var eb errorBody
	isJSON := json.Unmarshal(raw, &eb) == nil
	switch {
	case status == http.StatusCreated || status == http.StatusAccepted:
		if !isJSON || eb.businessCode() == 0 {
			return nil
		}
	case status >= 200 && status <= 299:
		return nil
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
	return e
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
