package openapi

import (
	"context"
	"log/slog"
	"time"
)

// Hooks for the black-box tests in package openapi_test.

// OnTokenWait registers f to run whenever a caller starts waiting on another caller's
// token fetch.
func OnTokenWait(c *Client, f func()) { c.tokens.onWait = f }

// SetTokenSleep replaces how the background refresher waits.
func SetTokenSleep(c *Client, f func(ctx context.Context, d time.Duration) error) { c.tokens.sleep = f }

// SetReplierLogger gives a standalone Replier a logger (a Client's has the client's).
func SetReplierLogger(r *Replier, l *slog.Logger) { r.log = l }
