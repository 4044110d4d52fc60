package openapi

import "time"

// Hooks for the black-box tests in package openapi_test.

// SetClock replaces the clock the token cache uses.
func SetClock(c *Client, now func() time.Time) { c.tokens.now = now }

// OnTokenWait registers f to run whenever a caller starts waiting on another caller's
// token fetch.
func OnTokenWait(c *Client, f func()) { c.tokens.onWait = f }
