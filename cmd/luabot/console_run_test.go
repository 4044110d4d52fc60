package main

import (
	"context"
	"encoding/json"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/luabot/luabot/sim"
)

// `luabot run --console ADDR` serves the console too; with no simulator it
// has no chat sandbox, and says so.
func TestRun_ConsoleShowsTheConnectedShard(t *testing.T) {
	platform, err := sim.New(sim.Config{})
	if err != nil {
		t.Fatal(err)
	}
	if err := platform.Start(); err != nil {
		t.Fatal(err)
	}
	defer platform.Close()
	dir := consoleScripts(t)
	url := startWithConsole(t, dir, "run", "--app-id", platform.AppID(), "--secret", platform.Secret(),
		"--api", platform.APIURL(), "--token-url", platform.TokenURL(), "--data", filepath.Join(t.TempDir(), "bot.db"),
		"--console", "127.0.0.1:0")

	getJSON := func(path string, v any) int {
		t.Helper()
		resp, err := http.Get(url + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		json.NewDecoder(resp.Body).Decode(v)
		return resp.StatusCode
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		var o struct {
			Shards []struct{ State string } `json:"shards"`
		}
		getJSON("api/overview", &o)
		if len(o.Shards) == 1 && o.Shards[0].State == "ready" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("overview never showed a ready shard: %+v", o)
		}
		time.Sleep(20 * time.Millisecond) // polling a state with a deadline
	}
	var chat struct {
		Available bool `json:"available"`
	}
	if code := getJSON("api/chat", &chat); code != 200 || chat.Available {
		t.Errorf("chat without a simulator: %d %+v", code, chat)
	}
	var scripts []struct{ Name string }
	if getJSON("api/scripts", &scripts); len(scripts) != 3 {
		t.Errorf("scripts %+v", scripts)
	}
}

// The console has no login yet: an address other machines reach is
// refused, before anything connects, with a line saying why.
func TestConsole_NonLoopbackAddressRefused(t *testing.T) {
	dir := consoleScripts(t)
	for _, addr := range []string{"0.0.0.0:0", "192.0.2.1:8080", ":8080"} {
		var stdout, stderr syncBuffer
		code := run(context.Background(), []string{"luabot", "run", "--app-id", "1", "--secret", "s",
			"--data", filepath.Join(t.TempDir(), "bot.db"), "--console", addr, dir}, strings.NewReader(""), &stdout, &stderr)
		if code != 2 || !strings.Contains(stderr.String(), "loopback address only") {
			t.Errorf("--console %s: exit %d, stderr:\n%s", addr, code, stderr.String())
		}
	}
}
