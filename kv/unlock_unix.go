//go:build unix

package kv

import (
	"os"
	"syscall"
)

// release gives up the lock and the descriptor of a file bolt.Open
// abandoned by panicking. Closing alone is not enough: the memory mapping
// bbolt made keeps the open file, and with it the flock, alive until the
// process exits, so a later Open in the same process (kv check after a
// failed start, a test) would find the file "in use". The mapping itself
// stays: bbolt never said where it is.
func release(f *os.File) {
	_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
	_ = f.Close()
}
