package openapi

import (
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Numbers the platform's HTTP answers carry are kept within bounds before they become a
// time.Duration: an overflowed product turns a wait negative or absurd.
const (
	// maxRetryAfter caps a Retry-After header; the retry wait is capped at
	// maxRetryBackoff anyway, this only keeps the arithmetic and the log line sane.
	maxRetryAfter = 10 * time.Minute
	// maxTokenLifetime caps expires_in: the platform issues tokens for 7200 s, and a
	// token believed good for longer is simply refreshed after a day.
	maxTokenLifetime = 24 * time.Hour
)

// parseRetryAfter reads a Retry-After header: delay-seconds or an HTTP-date. It returns
// the wait (0 when absent or unusable) and, when the header was present but not used as
// sent, what was wrong with it, for the caller's log line.
func parseRetryAfter(h string, now time.Time) (time.Duration, string) {
	h = strings.TrimSpace(h)
	if h == "" {
		return 0, ""
	}
	if n, err := strconv.ParseInt(h, 10, 64); err == nil || isRange(err) {
		switch {
		case n < 0:
			return 0, "negative seconds; not waiting for it"
		case err != nil || n > int64(maxRetryAfter/time.Second):
			return maxRetryAfter, "more than " + maxRetryAfter.String() + "; waiting at most that"
		}
		return time.Duration(n) * time.Second, ""
	}
	if t, err := http.ParseTime(h); err == nil {
		d := t.Sub(now)
		switch {
		case d <= 0:
			return 0, "" // a date already past: retry now
		case d > maxRetryAfter:
			return maxRetryAfter, "a date more than " + maxRetryAfter.String() + " ahead; waiting at most that"
		}
		return d, ""
	}
	return 0, "neither whole seconds nor an HTTP date; not waiting for it"
}

func isRange(err error) bool {
	ne, ok := err.(*strconv.NumError)
	return ok && ne.Err == strconv.ErrRange
}

// tokenLifetime turns expires_in (seconds) into a lifetime: 0 when it is absent, not a
// number or not positive (the fetch fails), at most maxTokenLifetime. problem says what was
// wrong when the value was not used as sent.
func tokenLifetime(expiresIn lenientInt) (time.Duration, string) {
	switch {
	case expiresIn <= 0:
		return 0, "missing, not a number or not positive"
	case expiresIn > lenientInt(maxTokenLifetime/time.Second):
		return maxTokenLifetime, "more than " + maxTokenLifetime.String() + "; refreshing after that"
	}
	return time.Duration(expiresIn) * time.Second, ""
}

// saturate converts f to a lenientInt, clamping values beyond int64 (a float-to-int
// conversion out of range is implementation-defined in Go).
func saturate(f float64) lenientInt {
	switch {
	case math.IsNaN(f):
		return 0
	case f >= math.MaxInt64:
		return math.MaxInt64
	case f <= math.MinInt64:
		return math.MinInt64
	}
	return lenientInt(f)
}
