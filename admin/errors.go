package admin

import "errors"

// ErrTokenRequired is returned by New when Config.Addr is not a loopback address and
// Config.Token is empty: the listener would be open to other machines without auth.
var ErrTokenRequired = errors.New("admin: Token is required when Addr is not a loopback address")

// ErrTLSRequired is returned by New when Config.Addr is not a loopback address and
// Config.TLSCert is empty.
var ErrTLSRequired = errors.New("admin: TLSCert and TLSKey are required when Addr is not a loopback address")

// ErrTLSPair is returned by New when only one of Config.TLSCert and Config.TLSKey is set.
var ErrTLSPair = errors.New("admin: TLSCert and TLSKey go together")

// ErrNoAddr is returned by New when Config.Addr is empty.
var ErrNoAddr = errors.New("admin: Addr is required")
