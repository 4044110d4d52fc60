package bindings_test

import (
	"path/filepath"
	"strings"
	"testing"

	lua "github.com/yuin/gopher-lua"

	"github.com/luabot/luabot/bindings"
	"github.com/luabot/luabot/kv"
)

// oneBuffer is a Scope whose every call runs in the same handler.
type oneBuffer struct{ b *bindings.KVBuffer }

func (o oneBuffer) KV(*lua.LState) *bindings.KVBuffer { return o.b }

// A script filling its namespace gets nil, err naming the quota at the
// kv.set that would pass it, in a handler (buffered) and at once (incr);
// the handler's earlier writes still commit, and a canary script on the
// same store keeps writing.
func TestKV_QuotaRefusesAtTheCall(t *testing.T) {
	store, err := kv.Open(kv.Config{Path: filepath.Join(t.TempDir(), "q.db"), Quota: kv.Quota{Bytes: 4 << 20, Keys: 100}})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	state := func(name string, buf *bindings.KVBuffer) *lua.LState {
		L := lua.NewState()
		t.Cleanup(L.Close)
		env := bindings.Env{Script: name, API: nopAPI{}, Store: store, Async: noAsync{}}
		if buf != nil {
			env.Scope = oneBuffer{buf}
		}
		if _, err := bindings.Install(L, env); err != nil {
			t.Fatal(err)
		}
		return L
	}
	buf := bindings.NewKVBuffer()
	attacker := state("attacker", buf)
	got := eval(t, attacker, `
local n = 0
for i = 1, 1000 do
  local ok, err = kv.set("k" .. i, i)
  if not ok then return n .. " " .. tostring(err) end
  n = n + 1
end
return "all written"`)
	if !strings.HasPrefix(got, "100 ") || !strings.Contains(got, "quota of 100 keys") {
		t.Fatalf("buffered writes: %s, want 100 written then an error naming the quota", got)
	}
	if err := buf.Commit(store); err != nil {
		t.Fatalf("the 100 writes that fit: %v", err)
	}
	got = eval(t, attacker, `local v, err = kv.incr("one-more") return tostring(v) .. " " .. tostring(err)`)
	if !strings.Contains(got, "nil") || !strings.Contains(got, "quota") {
		t.Fatalf("kv.incr over the quota: %s", got)
	}
	big := bindings.NewKVBuffer()
	got = eval(t, state("bigger", big), `
for i = 1, 10 do
  local ok, err = kv.set("b" .. i, string.rep("x", 1000000))
  if not ok then return i .. " " .. tostring(err) end
end
return "all written"`)
	if !strings.HasPrefix(got, "5 ") || !strings.Contains(got, "quota of 4 MiB") {
		t.Fatalf("bytes: %s, want the fifth 1 MB value refused", got)
	}
	if got := eval(t, state("canary", nil), `return tostring(kv.set("alive", true)) .. " " .. tostring(kv.incr("n"))`); got != "true 1" {
		t.Fatalf("canary: %s", got)
	}
}
