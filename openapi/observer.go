package openapi

import "time"

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
