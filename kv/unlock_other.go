//go:build !unix

package kv

import "os"

// release closes a file bolt.Open abandoned by panicking.
func release(f *os.File) { _ = f.Close() }
