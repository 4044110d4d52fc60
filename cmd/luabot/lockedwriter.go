package main

import (
	"io"
	"sync"
)

// lockedWriter serialises writes to w. stderr is written by the log handler from every
// goroutine and by the commands' own messages (the REPL's errors, the usage lines) from
// theirs; a file descriptor takes that, but a writer such as a test's bytes.Buffer does
// not.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
