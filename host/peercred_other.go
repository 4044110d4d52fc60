//go:build !linux

package host

import (
	"errors"
	"net"
)

var errNoPeerCred = errors.New("peer credentials not available")

// peerUID is not available here; the socket file's 0600 mode is the guard.
func peerUID(net.Conn) (int, error) { return 0, errNoPeerCred }
