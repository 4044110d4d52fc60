package admin

import "errors"

// ErrTokenRequired is returned by New when Config.Addr is not a loopback address and
// Config.Token is empty: the listener would be open to other machines without auth.
var ErrTokenRequired = errors.New("admin: Token is required when Addr is not a loopback address")

// ErrNoAddr is returned by New when Config.Addr is empty.
var ErrNoAddr = errors.New("admin: Addr is required")
