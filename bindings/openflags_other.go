//go:build !unix

package bindings

// nonBlocking is not needed where there are no FIFOs to open.
const nonBlocking = 0
