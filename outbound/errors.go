package outbound

import (
	"errors"
	"fmt"
)

// Kinds of Error, stable strings a script can compare err.kind with.
const (
	KindHost      = "host"      // the host is not granted to the script
	KindScheme    = "scheme"    // not https (or http to an allowed loopback)
	KindAddress   = "address"   // the name resolved to a refused address
	KindTooLarge  = "too_large" // the response is over the size cap
	KindTimeout   = "timeout"   // no complete answer within the timeout
	KindRedirects = "redirects" // more redirects than allowed
	KindRate      = "rate"      // the script's rate limit
	KindCanceled  = "canceled"  // the handler ended first
	KindNetwork   = "network"   // anything else on the way: DNS, TLS, connection
	KindRequest   = "request"   // a malformed request (bad URL, method)
)

// Error is why a request failed: Kind is one of the Kind constants, URL the
// address concerned (without its query, which may carry a key).
type Error struct {
	Kind string
	URL  string
	Msg  string
	Err  error
	hint string
}

func (e *Error) Error() string {
	s := e.Msg
	if e.URL != "" {
		s = e.URL + ": " + s
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

// Hint says what to do about the failure, for the script author.
func (e *Error) Hint() string { return e.hint }

func newError(kind, u, hint string, format string, args ...any) *Error {
	return &Error{Kind: kind, URL: u, Msg: fmt.Sprintf(format, args...), hint: hint}
}

// addressError is what the dialer's Control returns for a refused address;
// it travels up through net and url errors and becomes a KindAddress Error.
type addressError struct {
	addr, why string
}

func (e *addressError) Error() string { return fmt.Sprintf("%s is %s", e.addr, e.why) }

// policyError is a refusal from CheckRedirect, carried through url.Error.
type policyError struct{ err *Error }

func (e *policyError) Error() string { return e.err.Error() }

func asAddress(err error) (*addressError, bool) {
	var ae *addressError
	ok := errors.As(err, &ae)
	return ae, ok
}
