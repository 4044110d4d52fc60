package kvredis

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// A server that stops answering would otherwise cost every call its whole
// deadline: during a network partition each kv call, each event's dedup
// check and each timer claim would wait 2 s. The breaker, a go-redis hook
// under every command, pipeline and dial, makes the calls fail at once
// after the server failed to answer, and lets one call through again after
// a backoff (100 ms doubling to 5 s), so the server is retried with backoff
// and work resumes with the first call that succeeds.
const (
	breakerFirst = 100 * time.Millisecond
	breakerMax   = 5 * time.Second
)

type breaker struct {
	mu      sync.Mutex
	down    bool
	probing bool // a call is trying the server while down
	retryAt time.Time
	wait    time.Duration
	last    error
}

// ErrUnavailable is wrapped by calls refused while the server is not
// answering, without trying it.
var ErrUnavailable = errors.New("the server did not answer a moment ago; retrying with backoff")

func (b *breaker) allow() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.down {
		return nil
	}
	if b.probing || time.Now().Before(b.retryAt) {
		return fmt.Errorf("%w (last error: %v)", ErrUnavailable, b.last)
	}
	b.probing = true
	return nil
}

// result records how a call that was let through went.
func (b *breaker) result(err error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.probing = false
	if !unreachable(err) {
		b.down, b.wait = false, 0
		return
	}
	b.wait = min(max(2*b.wait, breakerFirst), breakerMax)
	b.down, b.retryAt, b.last = true, time.Now().Add(b.wait), err
}

// unreachable tells a server that did not answer (refused, reset, timed
// out) from one that answered, even with an error reply.
func unreachable(err error) bool {
	if err == nil || errors.Is(err, redis.Nil) || errors.Is(err, redis.TxFailedErr) {
		return false
	}
	var reply redis.Error
	if errors.As(err, &reply) {
		return false
	}
	var ne net.Error
	return errors.As(err, &ne) || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, net.ErrClosed) ||
		errors.Is(err, redis.ErrClosed) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF)
}

func (b *breaker) DialHook(next redis.DialHook) redis.DialHook { return next }

func (b *breaker) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		if err := b.allow(); err != nil {
			cmd.SetErr(err)
			return err
		}
		err := next(ctx, cmd)
		b.result(err)
		return err
	}
}

func (b *breaker) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		if err := b.allow(); err != nil {
			for _, c := range cmds {
				c.SetErr(err)
			}
			return err
		}
		err := next(ctx, cmds)
		b.result(err)
		return err
	}
}
