package transport

import (
	"context"
	"errors"
	"net"
	"syscall"
	"time"

	"github.com/luabot/luabot/gateway"
	"github.com/luabot/luabot/openapi"
)

// Start-up steps that talk to the platform or the network (the access token, GET
// /gateway/bot, the webhook listener) are retried while they fail in a way waiting can fix:
// an outage of the token service or the API at the moment the bot starts must not end it,
// any more than the same outage while it runs does. Each failed attempt is one log line;
// the bot connects as soon as the step succeeds. A failure waiting cannot fix (refused
// credentials, any other 4xx) ends Start at once with that error.

const (
	defaultStartBackoff = time.Second
	maxStartBackoff     = time.Minute
)

// retryStart runs fn until it succeeds, fails in a way transient does not accept, or ctx
// ends (then ctx's error is returned). step names it in the log lines.
func (s *Source) retryStart(ctx context.Context, step string, transient func(error) bool, fn func(context.Context) error) error {
	lo := s.cfg.StartBackoff
	for attempt := 1; ; attempt++ {
		err := fn(ctx)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if err == nil {
			if attempt > 1 {
				s.log.Info("start-up step succeeded", "step", step, "attempt", attempt)
			}
			return nil
		}
		if !transient(err) {
			return err
		}
		wait := gateway.Backoff(attempt-1, lo, maxStartBackoff)
		s.log.Warn("start-up step failed; retrying", "step", step, "attempt", attempt, "retry_in", wait, "err", err)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
}

// checkCredentials fetches the access token once, so that a wrong secret or app id ends
// start-up with the token service's answer whatever the transport. With a legacy token
// there is nothing to fetch.
func (s *Source) checkCredentials(ctx context.Context) error {
	return s.retryStart(ctx, "get access token", openapi.Transient, func(ctx context.Context) error {
		_, err := s.cfg.API.IdentifyToken(ctx)
		return err
	})
}

// listenWebhook opens the webhook listener, waiting while the address is still in use (a
// previous luabot shutting down, a restart racing the old process).
func (s *Source) listenWebhook(ctx context.Context, addr string) (net.Listener, error) {
	var ln net.Listener
	inUse := func(err error) bool { return errors.Is(err, syscall.EADDRINUSE) }
	err := s.retryStart(ctx, "webhook listen "+addr, inUse, func(ctx context.Context) error {
		var err error
		ln, err = (&net.ListenConfig{}).Listen(ctx, "tcp", addr)
		return err
	})
	return ln, err
}
