package main

import (
	"context"
	"io"
	"net"
	"path/filepath"
	"strings"
	"testing"
)

// A --store URL that cannot be right is a usage error (exit 2) in one line
// that never shows the password.
func TestRun_StoreURLMistakesAreUsageErrors(t *testing.T) {
	t.Parallel()
	for _, url := range []string{
		"http://bot:hunter2@127.0.0.1:6379/0",
		"redis://bot:hunter2@127.0.0.1/0",
		"redis://bot:hunter2@127.0.0.1:6379/zero",
		"redis://bot:hunt%zzer2@127.0.0.1:6379/0",
		"redis://bot:hunter2@10.1.2.3:6379/0", // clear text off this machine: rediss://
	} {
		var stderr syncBuffer
		code := run(context.Background(), []string{"luabot", "run", "--app-id", "1", "--secret", "s",
			"--data", filepath.Join(t.TempDir(), "k.db"), "--store", url, "../../examples/echo.lua"},
			strings.NewReader(""), io.Discard, &stderr)
		out := stderr.String()
		if code != 2 || !strings.Contains(out, "--store") || strings.Count(strings.TrimSpace(out), "\n") != 0 {
			t.Errorf("%s: exit %d, stderr %q; want 2 and one line naming --store", url, code, out)
		}
		if strings.Contains(out, "hunt") {
			t.Errorf("%s: stderr shows the password: %q", url, out)
		}
	}
}

// A store nobody answers at start: exit 1, one line naming the address.
func TestRun_StoreUnreachableAtStart(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close() // nothing listens there now
	var stderr syncBuffer
	code := run(context.Background(), []string{"luabot", "run", "--app-id", "1", "--secret", "s",
		"--data", filepath.Join(t.TempDir(), "k.db"), "--store", "redis://bot:hunter2@" + addr + "/0", "../../examples/echo.lua"},
		strings.NewReader(""), io.Discard, &stderr)
	out := strings.TrimSpace(stderr.String())
	if code != 1 || !strings.Contains(out, addr) || strings.Count(out, "\n") != 0 {
		t.Fatalf("exit %d, stderr %q; want 1 and one line naming %s", code, out, addr)
	}
	if strings.Contains(out, "hunter2") {
		t.Fatalf("stderr shows the password: %q", out)
	}
}

// --share-shards needs --store and a lease the rounds fit in: usage errors.
func TestRun_ShareShardsMistakesAreUsageErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--share-shards"}, "--share-shards needs --store"},
		{[]string{"--share-shards", "--store", "redis://127.0.0.1:1/0", "--shard-lease", "100ms"}, "--shard-lease"},
		{[]string{"--share-shards", "--store", "redis://127.0.0.1:1/0", "--transport", "webhook", "--listen", ":0"}, "--transport ws"},
	} {
		var stderr syncBuffer
		args := append([]string{"luabot", "run", "--app-id", "1", "--secret", "s", "--data", filepath.Join(t.TempDir(), "k.db")}, tc.args...)
		code := run(context.Background(), append(args, "../../examples/echo.lua"), strings.NewReader(""), io.Discard, &stderr)
		if code != 2 || !strings.Contains(stderr.String(), tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want 2 and %q", tc.args, code, stderr.String(), tc.want)
		}
	}
}
