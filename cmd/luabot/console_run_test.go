package main

import (
	"encoding/json"
	"net/http"
	"net/http/cookiejar"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/luabot/luabot/internal/simtest"
	"github.com/luabot/luabot/sim"
)

// `luabot run --admin ADDR` serves the console at / too; with no simulator it
// has no chat sandbox, and says so.
func TestRun_ConsoleShowsTheConnectedShard(t *testing.T) {
	t.Parallel()
	platform := simtest.Start(t, sim.Config{})
	dir := consoleScripts(t)
	url := startWithConsole(t, dir, "run", "--app-id", platform.AppID(), "--secret", platform.Secret(),
		"--api", platform.APIURL(), "--token-url", platform.TokenURL(), "--data", filepath.Join(t.TempDir(), "bot.db"),
		"--admin", "127.0.0.1:0")

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

// On an address other machines reach, the console is behind the admin token like
// everything on the admin listener: a browser brings it once as ?token=, then holds it
// as a cookie; without it, 401.
func TestRun_ConsoleBehindTheAdminToken(t *testing.T) {
	t.Parallel()
	platform := simtest.Start(t, sim.Config{})
	const token = "console-Tk-8812"
	dir := consoleScripts(t)
	logged := startWithConsole(t, dir, "run", "--app-id", platform.AppID(), "--secret", platform.Secret(),
		"--api", platform.APIURL(), "--token-url", platform.TokenURL(), "--data", filepath.Join(t.TempDir(), "bot.db"),
		"--admin", "127.0.0.1:0", "--admin-token", token)
	if strings.Contains(logged, token) {
		t.Fatalf("the logged console URL shows the token: %s", logged)
	}
	base := logged
	if resp, err := http.Get(base + "api/scripts"); err != nil || resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("without the token: %v %v, want 401", resp, err)
	} else {
		resp.Body.Close()
	}
	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar}
	resp, err := browser.Get(base + "?token=" + token)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("the page with ?token=: %v %v", resp, err)
	}
	resp.Body.Close()
	var scripts []struct{ Name string }
	resp, err = browser.Get(base + "api/scripts")
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("the API with the cookie: %v %v", resp, err)
	}
	json.NewDecoder(resp.Body).Decode(&scripts)
	resp.Body.Close()
	if len(scripts) != 3 {
		t.Errorf("scripts %+v", scripts)
	}
	// The logs view has the bot's lines, not only the console's own: the
	// host logged each script's load after the listener opened.
	var logs []struct{ Msg, Script string }
	resp, err = browser.Get(base + "api/logs")
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("the logs: %v %v", resp, err)
	}
	json.NewDecoder(resp.Body).Decode(&logs)
	resp.Body.Close()
	loaded := 0
	for _, l := range logs {
		if l.Msg == "script loaded" && l.Script != "" {
			loaded++
		}
	}
	if loaded != 3 {
		t.Errorf("the logs view shows %d script loads, want 3: %+v", loaded, logs)
	}
}

// dev's console logs view has the simulator's lines beside the bot's.
func TestDev_ConsoleLogsShowTheSimulator(t *testing.T) {
	t.Parallel()
	base := startDev(t, consoleScripts(t))
	// The console's URL is logged before the bot connects, and the
	// simulator logs the connection: poll until it has.
	deadline := time.Now().Add(20 * time.Second)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		resp, err := http.Get(base + "api/logs")
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("the logs: %v %v", resp, err)
		}
		var logs []struct{ Msg, Script, Attrs string }
		json.NewDecoder(resp.Body).Decode(&logs)
		resp.Body.Close()
		var sim, loaded int
		for _, l := range logs {
			if strings.Contains(l.Attrs, "component=sim") {
				sim++
			}
			if l.Msg == "script loaded" {
				loaded++
			}
		}
		if sim > 0 && loaded == 3 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the logs view shows %d simulator lines and %d script loads, want some and 3: %+v", sim, loaded, logs)
		}
		<-tick.C // polling the page, as the console's own view does
	}
}
