package outbound

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"
)

// Stream is an answer being read line by line (Open), for long answers
// such as server-sent events. It must be closed; it is also closed, and its
// slot given back, when the context given to Open ends. The request's
// timeout covers reading the whole stream.
type Stream struct {
	Response
	ctx           context.Context // the request's: timeout and handler
	parent        context.Context // the caller's, to tell canceled from timed out
	cancel        context.CancelFunc
	body          io.ReadCloser
	r             *bufio.Reader
	max           int64 // bytes of the whole body
	read          int64
	url           string
	timeout       time.Duration
	contentLength int64

	mu     sync.Mutex // one reader at a time
	closed bool
}

// ReadLine returns the next line without its line ending; at the end of
// the body it returns "", io.EOF. A line or a body over the size cap is a
// KindTooLarge error.
func (st *Stream) ReadLine() (string, error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.closed {
		return "", io.EOF
	}
	var line []byte
	for {
		frag, err := st.r.ReadSlice('\n')
		st.read += int64(len(frag))
		if st.read > st.max {
			return "", st.tooLarge()
		}
		line = append(line, frag...)
		switch {
		case err == nil:
			return trimEOL(line), nil
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case errors.Is(err, io.EOF) && st.ctx.Err() != nil:
			// An end seen after the deadline may be a cut one.
			return "", st.readError(st.ctx.Err())
		case errors.Is(err, io.EOF):
			if len(line) > 0 {
				return trimEOL(line), nil
			}
			return "", io.EOF
		default:
			return "", st.readError(err)
		}
	}
}

func trimEOL(b []byte) string {
	if n := len(b); n > 0 && b[n-1] == '\n' {
		b = b[:n-1]
		if n := len(b); n > 0 && b[n-1] == '\r' {
			b = b[:n-1]
		}
	}
	return string(b)
}

// Close ends the exchange and gives the script's slot back. It is safe to
// call more than once.
func (st *Stream) Close() {
	st.cancel()
	st.mu.Lock()
	defer st.mu.Unlock()
	if !st.closed {
		st.closed = true
		st.body.Close()
	}
}

func (st *Stream) tooLarge() error {
	return newError(KindTooLarge, st.url, "ask for less, or stream it with stream = true and read it in parts",
		"the answer is over %d bytes", st.max)
}

func (st *Stream) readError(err error) error {
	if st.ctx.Err() != nil {
		return ctxError(st.parent, st.ctx, st.url, st.timeout)
	}
	return &Error{Kind: KindNetwork, URL: st.url, Msg: fmt.Sprintf("reading the answer: %v", err), Err: err}
}
