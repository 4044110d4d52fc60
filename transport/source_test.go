package transport_test

import (
	"encoding/json"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/luabot/luabot/internal/simtest"
	"github.com/luabot/luabot/sim"
	"github.com/luabot/luabot/transport"
)

// A bot stopped and started again resumes its session and answers what was posted while
// it was down, once; nothing it had already answered is answered again.
func TestSource_RestartResumesAndReplays(t *testing.T) {
	platform := simtest.Start(t, sim.Config{})
	dir := t.TempDir()
	path := filepath.Join(dir, "bot.db")
	status := filepath.Join(dir, "bot.db.status.json")
	ctx := simtest.Deadline(t, 20*time.Second)

	_, stop := runBot(t, platform, path, transport.Config{StatusFile: status}, "../examples/echo.lua")
	if err := platform.WaitSessions(ctx, 1); err != nil {
		t.Fatal(err)
	}
	if _, err := platform.Post(sim.Post{Content: "before", MentionBot: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := platform.WaitSent(ctx, 0); err != nil {
		t.Fatal(err)
	}
	if err := stop(); err != nil {
		t.Fatalf("first Run: %v", err)
	}

	// Down: the platform keeps the session and logs what happens meanwhile.
	if _, err := platform.Post(sim.Post{Content: "while down", MentionBot: true}); err != nil {
		t.Fatal(err)
	}

	var logs strings.Builder
	var mu = make(chan struct{}, 1)
	mu <- struct{}{}
	logger := slog.New(slog.NewTextHandler(writerFunc(func(p []byte) (int, error) {
		<-mu
		defer func() { mu <- struct{}{} }()
		return logs.Write(p)
	}), nil))
	_, stop = runBot(t, platform, path, transport.Config{Logger: logger, StatusFile: status}, "../examples/echo.lua")
	got, err := platform.WaitSent(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	if got.Content != "while down" {
		t.Fatalf("second reply = %q, want the replayed %q", got.Content, "while down")
	}
	// RESUMED follows the replayed events; wait for it before stopping.
	for resumed := false; !resumed; {
		<-mu
		resumed = strings.Contains(logs.String(), "gateway resumed")
		mu <- struct{}{}
		if !resumed {
			if ctx.Err() != nil {
				t.Fatal("no RESUMED after the replay")
			}
			time.Sleep(time.Millisecond)
		}
	}
	if err := stop(); err != nil {
		t.Fatalf("second Run: %v", err)
	}
	if n := len(platform.Sent()); n != 2 {
		t.Errorf("%d replies, want 2 (no duplicate of the first)", n)
	}
	<-mu
	if !strings.Contains(logs.String(), "gateway resumed") {
		t.Errorf("second run did not resume; log:\n%s", logs.String())
	}
	mu <- struct{}{}

	b, err := os.ReadFile(status)
	if err != nil {
		t.Fatal(err)
	}
	var r transport.StatusReport
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	if len(r.Shards) != 1 || r.Shards[0].State != "stopped" || r.Shards[0].Resumes != 1 || r.Shards[0].SessionID == "" {
		t.Errorf("status file = %s", b)
	}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

func TestSource_SessionLimitRefused(t *testing.T) {
	platform := simtest.Start(t, sim.Config{})
	// The simulator allows 1000 starts a day; 1001 shards cannot all identify.
	h, src, _ := newBot(t, platform, filepath.Join(t.TempDir(), "b.db"), transport.Config{Shards: 1001})
	err := h.Run(simtest.Deadline(t, 10*time.Second), src)
	var le *transport.SessionLimitError
	if !errors.As(err, &le) || le.Shards != 1001 || !strings.Contains(err.Error(), "run fewer shards") {
		t.Fatalf("Run = %v, want a SessionLimitError naming the fix", err)
	}
}
