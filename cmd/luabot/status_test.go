package main

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestRun_TransportFlagMistakes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"webhook without listen", []string{"--transport", "webhook"}, "--listen"},
		{"listen without webhook", []string{"--listen", ":8443"}, "--transport webhook"},
		{"cert without key", []string{"--transport", "webhook", "--listen", ":8443", "--tls-cert", "c.pem"}, "--tls-key"},
		{"bad range", []string{"--shard-range", "3-9/8"}, "FIRST-LAST/COUNT"},
		{"shards disagree", []string{"--shards", "4", "--shard-range", "0-1/8"}, "disagrees"},
		{"unknown transport", []string{"--transport", "carrier-pigeon"}, "want ws or webhook"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stderr syncBuffer
			args := append([]string{"luabot", "run", "--app-id", "1", "--secret", "s", "--data", filepath.Join(t.TempDir(), "k.db")}, tt.args...)
			code := run(context.Background(), append(args, "../../examples/echo.lua"), strings.NewReader(""), io.Discard, &stderr)
			if code != 2 || !strings.Contains(stderr.String(), tt.want) {
				t.Errorf("exit %d, stderr %q; want 2 and a line naming %s", code, stderr.String(), tt.want)
			}
		})
	}
}

func TestStatus_PrintsShards(t *testing.T) {
	t.Parallel()
	data := filepath.Join(t.TempDir(), "k.db")
	var stderr, stdout syncBuffer
	if code := run(context.Background(), []string{"luabot", "status", "--data", data}, strings.NewReader(""), &stdout, &stderr); code != 1 ||
		!strings.Contains(stderr.String(), "no status") {
		t.Fatalf("without a status file: exit %d, %q", code, stderr.String())
	}
	os.WriteFile(statusPath(data), []byte(`{"pid":7,"transport":"ws","updated":"2026-01-01T00:00:00Z","received":12,
		"intents_not_granted":4096,
		"shards":[{"shard":[1,4],"state":"ready","since":"2026-01-01T00:00:00Z","session_id":"sess-9","seq":33,"intents":1073742336,
		"last_code":4009,"last_reason":"Session timed out","last_decision":"resume","resumes":2,"identifies":1,"events":12}]}`), 0o600)
	if code := run(context.Background(), []string{"luabot", "status", "--data", data}, strings.NewReader(""), &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	for _, want := range []string{"pid 7", "1/4", "ready", "sess-9", "33", "resume (code 4009: Session timed out)",
		"intents granted: GUILD_MESSAGES|PUBLIC_GUILD_MESSAGES (1073742336)", "not granted (need approval on the QQ open platform): DIRECT_MESSAGE"} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("status output lacks %q:\n%s", want, stdout.String())
		}
	}
}

// luabot status without --data shows a running luabot dev in the same folder.
func TestStatus_ShowsARunningDev(t *testing.T) {
	echo, err := filepath.Abs("../../examples/echo.lua")
	if err != nil {
		t.Fatal(err)
	}
	t.Chdir(t.TempDir())
	bot := start(t, "dev", echo)
	bot.expect("luabot dev:")
	deadline := time.Now().Add(10 * time.Second)
	for {
		code, out, errOut := runCLI("status")
		if code == 0 && strings.Contains(out, "ready") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("status: exit %d, stdout %q, stderr %q", code, out, errOut)
		}
		time.Sleep(50 * time.Millisecond) // polling the status file, which a shard becoming ready rewrites
	}
	bot.stdin.Close()
	if code := bot.exitCode(); code != 0 {
		t.Fatalf("dev exit %d", code)
	}
}
