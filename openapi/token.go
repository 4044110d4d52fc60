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
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf16"
	"unicode/utf8"
)

const (
	// refreshMargin is how long before expiry a cached token is replaced. The token service
	// hands out the same token until its last 60 s, so fetching earlier is pointless and
	// fetching later risks using a token that dies mid-request.
	refreshMargin = 60 * time.Second

	maxTokenBody = 64 << 10

	// tokenRetryMin and tokenRetryMax bound the backoff between failed token
	// fetches made by the background refresher (and, while an older token is
	// still valid, by callers).
	tokenRetryMin = time.Second
	tokenRetryMax = time.Minute
)

// tokenSource obtains and caches the access token of the AppSecret flow. It runs no
// goroutine of its own: the first caller that needs a fresh token performs the fetch on its
// own goroutine and every concurrent caller waits for that one result. [Client.Run] drives
// run, which refreshes the token ahead of time on the goroutine Run was called on.
type tokenSource struct {
	appID, secret string
	url           string // full token endpoint
	userAgent     string
	hc            *http.Client
	log           *slog.Logger
	now           func() time.Time

	// onWait, when set (tests only), is called each time a caller starts waiting on a
	// fetch another caller is running.
	onWait func()
	// sleep waits between background refreshes; tests replace it to drive the clock.
	sleep func(ctx context.Context, d time.Duration) error

	mu        sync.Mutex // guards the fields below
	tok       string     // cached access token, "" when none
	prevTok   string     // the token tok replaced; still scrubbed from error text
	refreshAt time.Time  // when tok stops being served from the cache
	expiresAt time.Time  // when tok stops being valid at all
	failures  int        // consecutive failed fetches
	flight    *tokenFetch
}

// tokenFetch is one fetch in progress; done is closed once tok/err are set.
type tokenFetch struct {
	done chan struct{}
	tok  string
	err  error
}

// token returns a valid access token, fetching one if the cache is empty or close to expiry.
func (s *tokenSource) token(ctx context.Context) (string, error) {
	for {
		s.mu.Lock()
		if s.tok != "" && s.now().Before(s.refreshAt) {
			tok := s.tok
			s.mu.Unlock()
			return tok, nil
		}
		if f := s.flight; f != nil {
			s.mu.Unlock()
			if s.onWait != nil {
				s.onWait()
			}
			select {
			case <-f.done:
			case <-ctx.Done():
				return "", fmt.Errorf("get access token: %w", ctx.Err())
			}
			// The fetch ran under the other caller's context. If only that context gave
			// up, the result says nothing about the token: try again under ours.
			if f.err != nil && isContextErr(f.err) && ctx.Err() == nil {
				continue
			}
			return f.tok, f.err
		}
		f := &tokenFetch{done: make(chan struct{})}
		s.flight = f
		s.mu.Unlock()
		s.runFetch(ctx, f)
		return f.tok, f.err
	}
}

// runFetch performs f and publishes its result; the deferred part runs even if the HTTP
// stack panics, so waiters are never stranded.
func (s *tokenSource) runFetch(ctx context.Context, f *tokenFetch) {
	f.err = errors.New("get access token: fetch aborted")
	defer func() {
		s.mu.Lock()
		s.flight = nil
		s.mu.Unlock()
		close(f.done)
	}()
	start := s.now()
	tok, ttl, err := s.fetch(ctx)
	if err != nil {
		f.tok, f.err = "", fmt.Errorf("get access token: %w", err)
		if isContextErr(err) {
			return
		}
		// A refresh failed while the current token still has life in it: keep serving
		// it and try again after a backoff, so a token-service hiccup costs no call.
		s.mu.Lock()
		s.failures++
		now := s.now()
		if s.tok != "" && now.Before(s.expiresAt.Add(-tokenSafety(s.expiresAt.Sub(s.refreshAt)))) {
			retry := min(tokenBackoff(s.failures), s.expiresAt.Sub(now)/2)
			s.refreshAt = now.Add(retry)
			s.log.Warn("access token refresh failed; using the current token meanwhile",
				"err", f.err, "retry_in", retry, "failures", s.failures)
			f.tok, f.err = s.tok, nil
		}
		s.mu.Unlock()
		return
	}
	margin := refreshMargin
	if ttl <= 2*refreshMargin {
		// A very short lifetime (fakes, tests) would otherwise never be cached.
		margin = ttl / 2
	}
	s.mu.Lock()
	if s.tok != tok {
		s.prevTok = s.tok
	}
	s.tok = tok
	s.refreshAt = start.Add(ttl - margin)
	s.expiresAt = start.Add(ttl)
	s.failures = 0
	s.mu.Unlock()
	f.tok, f.err = tok, nil
}

// tokenSafety is how long before its expiry a token is no longer worth sending: long enough
// for one request to reach the server.
func tokenSafety(margin time.Duration) time.Duration { return min(10*time.Second, margin/2) }

// tokenBackoff is the wait after the n-th consecutive failed fetch: 1 s, 2 s, 4 s … 1 min.
func tokenBackoff(n int) time.Duration {
	d := tokenRetryMin << min(max(n-1, 0), 6)
	return min(d, tokenRetryMax)
}

// run keeps the token fresh until ctx ends: it fetches one at once, then sleeps until the
// cached token enters its refresh window (60 s before expiry) and fetches the next, so that
// callers normally never wait for a fetch. Failures are logged and retried with backoff;
// run never gives up and never panics. It returns when ctx ends.
func (s *tokenSource) run(ctx context.Context) {
	for {
		_, err := s.token(ctx)
		if ctx.Err() != nil {
			return
		}
		var wait time.Duration
		if err != nil {
			s.mu.Lock()
			s.failures++
			wait = tokenBackoff(s.failures)
			s.mu.Unlock()
			s.log.Warn("access token fetch failed; retrying", "err", err, "retry_in", wait)
		} else {
			s.mu.Lock()
			wait = s.refreshAt.Sub(s.now())
			s.mu.Unlock()
			wait = max(wait, 0)
		}
		if s.sleep(ctx, wait) != nil {
			return
		}
	}
}

// invalidate drops the cached token if it is still stale; a token another caller already
// replaced is kept, so a burst of 11244 answers causes a single refetch.
func (s *tokenSource) invalidate(stale string) {
	s.mu.Lock()
	if s.tok == stale {
		s.tok = ""
		s.prevTok = stale
	}
	s.mu.Unlock()
}

// known returns the tokens that must be scrubbed from any text shown to users.
func (s *tokenSource) known() (cur, prev string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tok, s.prevTok
}

// tokenResponse is the token service's answer, success or failure. expires_in is a JSON
// string in practice but documented as a number; both are accepted.
type tokenResponse struct {
	AccessToken string     `json:"access_token"`
	ExpiresIn   lenientInt `json:"expires_in"`
	errorBody
}

// fetch makes one token request and returns the token and its lifetime.
func (s *tokenSource) fetch(ctx context.Context) (string, time.Duration, error) {
	body, err := json.Marshal(struct {
		AppID        string `json:"appId"`
		ClientSecret string `json:"clientSecret"`
	}{s.appID, s.secret})
	if err != nil {
		return "", 0, fmt.Errorf("encode request: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.url, bytes.NewReader(body))
	if err != nil {
		return "", 0, fmt.Errorf("build request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", s.userAgent)

	resp, err := s.hc.Do(req)
	if err != nil {
		return "", 0, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxTokenBody))
	if err != nil {
		return "", 0, fmt.Errorf("read response: %w", err)
	}
	trace := scrub(resp.Header.Get(traceHeader), s.secret)

	var tr tokenResponse
	jsonErr := json.Unmarshal(raw, &tr)
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return "", 0, s.apiError(resp.StatusCode, trace, raw, tr.errorBody, jsonErr == nil)
	}
	if jsonErr != nil {
		return "", 0, fmt.Errorf("decode response (status %d, trace %q): %w", resp.StatusCode, trace, jsonErr)
	}
	// The service reports failures with HTTP 200 and a non-zero code.
	if tr.businessCode() != 0 || tr.AccessToken == "" {
		e := s.apiError(resp.StatusCode, trace, raw, tr.errorBody, true)
		if e.Message == "" {
			e.Message = "no access_token in response"
		}
		return "", 0, e
	}
	ttl, problem := tokenLifetime(tr.ExpiresIn)
	if ttl == 0 {
		return "", 0, &Error{Status: resp.StatusCode, Message: "missing or invalid expires_in in response", TraceID: trace}
	}
	if problem != "" {
		s.log.Warn("access token: expires_in out of range", "expires_in", int64(tr.ExpiresIn), "using", ttl, "problem", problem)
	}
	s.log.Debug("access token fetched", "expires_in", int64(tr.ExpiresIn), "trace_id", trace)
	return tr.AccessToken, ttl, nil
}

// apiError builds the *Error for a failed token call, scrubbing the secret (and any token the
// body may echo) from the text.
func (s *tokenSource) apiError(status int, trace string, raw []byte, eb errorBody, isJSON bool) *Error {
	e := &Error{Status: status, TraceID: trace}
	if isJSON {
		e.Code = eb.businessCode()
		e.Message = eb.Message
		if e.TraceID == "" {
			e.TraceID = eb.TraceID
		}
	} else {
		e.Message = string(raw)
	}
	if e.Message == "" && status != http.StatusOK {
		e.Message = http.StatusText(status)
	}
	// Do not copy Data: nothing in a token error needs it and it could echo the request.
	e.Message = scrub(oneLine(e.Message, maxMessage), s.secret)
	e.TraceID = scrub(oneLine(e.TraceID, maxMessage), s.secret)
	return e
}

func isContextErr(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}

// minScrubLen is the shortest credential scrub looks for. Shorter values (toy tokens in
// tests and fakes) occur in ordinary words, and replacing them would mangle every message
// while protecting nothing; real secrets and access tokens are far longer.
const minScrubLen = 6

// scrub replaces every occurrence of each credential in s, written as it is or
// as JSON spells it inside a string: a service that echoes the request body
// (or its own JSON) shows a secret with <, > or & as \u003c, \u003e, \u0026.
func scrub(s string, secrets ...string) string {
	for _, sec := range secrets {
		if len(sec) < minScrubLen {
			continue
		}
		for _, form := range spellings(sec) {
			if strings.Contains(s, form) {
				s = strings.ReplaceAll(s, form, "[redacted]")
			}
		}
	}
	return s
}

// scrubBytes is scrub for raw JSON; "[redacted]" contains no JSON metacharacters, so valid
// JSON stays valid unless a secret straddled a quote.
func scrubBytes(b []byte, secrets ...string) []byte {
	for _, sec := range secrets {
		if len(sec) < minScrubLen {
			continue
		}
		for _, form := range spellings(sec) {
			if bytes.Contains(b, []byte(form)) {
				b = bytes.ReplaceAll(b, []byte(form), []byte("[redacted]"))
			}
		}
	}
	return b
}

// spellings are the ways sec may appear in text: as it is, and inside a JSON
// string as encoders write it, with <, > and & escaped (Go's json.Marshal,
// which encodes the token request) or not, and with every non-ASCII
// character escaped (Python's json.dumps) or not. The longest come first,
// so that a shorter spelling never splits a longer one.
func spellings(sec string) []string {
	forms := []string{sec}
	for _, html := range []bool{true, false} {
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(html)
		if enc.Encode(sec) != nil {
			continue
		}
		quoted := strings.TrimSuffix(buf.String(), "\n")
		inner := quoted[1 : len(quoted)-1]
		for _, f := range []string{inner, asciiEscaped(inner)} {
			if !slices.Contains(forms, f) {
				forms = append(forms, f)
			}
		}
	}
	slices.SortStableFunc(forms, func(a, b string) int { return len(b) - len(a) })
	return forms
}

// asciiEscaped writes every non-ASCII character of s as \uXXXX (a surrogate
// pair beyond the Basic Multilingual Plane).
func asciiEscaped(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r < utf8.RuneSelf:
			b.WriteRune(r)
		case r > 0xFFFF:
			r1, r2 := utf16.EncodeRune(r)
			fmt.Fprintf(&b, "\\u%04x\\u%04x", r1, r2)
		default:
			fmt.Fprintf(&b, "\\u%04x", r)
		}
	}
	return b.String()
}
