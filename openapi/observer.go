package openapi

import (
	"context"
	"time"
)

// Observer hears of each REST exchange, for metrics (package metrics implements it;
// openapi never imports a metrics library). Routes are templates (RouteOf), never
// paths with ids in them. Its methods are called on the caller's goroutine and must not
// block.
type Observer interface {
	// Request is called once per HTTP exchange (a retried call makes several) with the
	// answer's status, 0 when no answer came (refused, timed out), and how long it took.
	Request(route Route, status int, took time.Duration)
	// Retry is called before each repeat of a call, with the status that caused it (0
	// for a transport failure).
	Retry(route Route, status int)
}

// CallObserver is an Observer that also hears of each call's request as the caller
// made it, once per call however often it is sent (a recording implements it; Client
// checks Config.Observer for it). body is the encoded body (nil without one); ctx is
// the caller's, so the observer can tell who called. It must not block or keep body.
type CallObserver interface {
	Call(ctx context.Context, method, path string, body []byte, contentType string)
}
