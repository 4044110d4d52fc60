package host_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/luabot/luabot/gateway"
	"github.com/luabot/luabot/host"
	"github.com/luabot/luabot/kv"
	"github.com/luabot/luabot/sim"
	"github.com/luabot/luabot/transport"
)

// A handler still running at shutdown finishes while the host drains; the
// session and the dedup window saved at the end cover its event, so the
// next start does not get it replayed (the transport alone saved them
// before the handler had finished).
func TestHost_StopSavesEventsFinishedWhileDraining(t *testing.T) {
	platform := newPlatform(t, sim.Config{})
	dir := t.TempDir()
	script := filepath.Join(dir, "slow.lua")
	if err := os.WriteFile(script, []byte(`on("message", function(ev) ev:reply("started"); sleep(0.3); ev:reply("done") end)`), 0o644); err != nil {
		t.Fatal(err)
	}
	data := filepath.Join(dir, "bot.db")
	stop := runHost(t, platform, data, host.Config{}, script)
	ctx := deadline(t, 15*time.Second)
	if err := platform.WaitSessions(ctx, 1); err != nil {
		t.Fatal(err)
	}
	msg, err := platform.Post(sim.Post{Content: "hi", MentionBot: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := platform.WaitSent(ctx, 0); err != nil {
		t.Fatalf("the handler did not start: %v", err)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if m, err := platform.WaitSent(ctx, 1); err != nil || m.Content != "done" {
		t.Fatalf("the handler did not finish while draining: %v", err)
	}
	store, err := kv.Open(kv.Config{Path: data, ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	raw, _, _ := store.Get(transport.GatewayNamespace, transport.SessionKey([2]int{0, 1}))
	var sess gateway.Session
	json.Unmarshal(raw, &sess)
	if sess.Seq < 2 {
		t.Errorf("saved session %+v: seq behind the message handled while draining", sess)
	}
	raw, _, _ = store.Get(transport.GatewayNamespace, "dedup")
	var ids []string
	json.Unmarshal(raw, &ids)
	if !slices.Contains(ids, msg.EventID) {
		t.Errorf("dedup window %v lacks %s, handled while draining", ids, msg.EventID)
	}
}
