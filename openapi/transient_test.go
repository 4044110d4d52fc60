package openapi_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"syscall"
	"testing"

	"github.com/luabot/luabot/openapi"
)

func TestTransient(t *testing.T) {
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: &os.SyscallError{Syscall: "connect", Err: syscall.ECONNREFUSED}}
	for _, tc := range []struct {
		name string
		err  error
		want bool
	}{
		{"503 from the token service", fmt.Errorf("get access token: %w", &openapi.Error{Status: 503}), true},
		{"429", &openapi.Error{Status: 429, Code: 20028}, true},
		{"token service internal err", &openapi.Error{Status: 200, Code: openapi.CodeTokenInternal}, true},
		{"connection refused", fmt.Errorf("get /gateway/bot: %w", refused), true},
		{"timeout", fmt.Errorf("post: %w", context.DeadlineExceeded), true},
		{"wrong secret", &openapi.Error{Status: 200, Code: openapi.CodeSecretInvalid}, false},
		{"unknown app id", &openapi.Error{Status: 200, Code: openapi.CodeAppIDInvalid}, false},
		{"legacy token refused", &openapi.Error{Status: 401, Code: openapi.CodeLegacyTokenDisabled}, false},
		{"403", &openapi.Error{Status: 403, Code: 11253}, false},
		{"invalid request", fmt.Errorf("x: %w", openapi.ErrInvalidRequest), false},
		{"reply window", &openapi.ReplyError{Reason: openapi.ErrReplyExpired}, false},
		{"nil", nil, false},
	} {
		if got := openapi.Transient(tc.err); got != tc.want {
			t.Errorf("%s: Transient(%v) = %v, want %v", tc.name, tc.err, got, tc.want)
		}
	}
	if !errors.Is(fmt.Errorf("x: %w", refused), syscall.ECONNREFUSED) {
		t.Fatal("test setup: the refused error does not unwrap")
	}
}
