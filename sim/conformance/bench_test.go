package conformance

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// luabot bench --compare --botgo runs the same load against luabot, the bare Go client
// and the echo bot on the official SDK (cmd/botgo-echo), each reply checked, in one run.
func TestBench_BotgoColumn(t *testing.T) {
	if testing.Short() {
		t.Skip("builds luabot and the botgo echo bot")
	}
	dir := t.TempDir()
	luabot, echo := filepath.Join(dir, "luabot"), filepath.Join(dir, "botgo-echo")
	// luabot is built in its own module (the repository root), the echo bot in this one.
	for _, b := range [][]string{{luabot, "./cmd/luabot", "../.."}, {echo, "./cmd/botgo-echo", "."}} {
		build := exec.Command("go", "build", "-o", b[0], b[1])
		build.Dir = b[2]
		if out, err := build.CombinedOutput(); err != nil {
			t.Fatalf("go build %s: %v\n%s", b[1], err, out)
		}
	}
	script := filepath.Join(dir, "echo.lua")
	if err := os.WriteFile(script, []byte(`on("AT_MESSAGE_CREATE", function(ev) ev:reply(ev.content) end)`), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(luabot, "bench", "--events", "100", "--window", "10", "--compare", "--botgo", echo, "--json", script).Output()
	if err != nil {
		t.Fatalf("bench: %v\n%s", err, out)
	}
	var res struct {
		Results []struct {
			Bot      string `json:"bot"`
			Replies  int    `json:"replies"`
			Measured bool   `json:"measured"`
			Problem  string `json:"problem"`
		} `json:"results"`
	}
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("bench output is not JSON: %v\n%s", err, out)
	}
	if len(res.Results) != 3 || res.Results[2].Bot != "botgo" {
		t.Fatalf("want rows luabot, bare, botgo:\n%s", out)
	}
	for _, r := range res.Results {
		if !r.Measured || r.Problem != "" || r.Replies != 100 {
			t.Errorf("%s: %+v; want all 100 events answered once", r.Bot, r)
		}
	}
}
