package bindings

import (
	"context"
	"encoding/json"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	lua "github.com/yuin/gopher-lua"

	"github.com/luabot/luabot/kv"
	"github.com/luabot/luabot/openapi"
)

// qqNames are the function names of the qq table, sorted.
func qqNames() []string {
	var names []string
	for _, e := range qqAPI {
		names = append(names, e.name)
	}
	slices.Sort(names)
	return names
}

// missing reports the names in a and not in b.
func missing(a, b []string) []string {
	var out []string
	for _, n := range a {
		if !slices.Contains(b, n) {
			out = append(out, n)
		}
	}
	return out
}

// The qq table is the one list of what scripts can call: the editor stubs
// and the reference must name exactly its functions, with the stubs'
// leading parameters spelled as the table's id arguments.
func TestQQAPI_MatchesStubsAndDocs(t *testing.T) {
	stubs, err := os.ReadFile("../scripts/luabot.d.lua")
	if err != nil {
		t.Fatal(err)
	}
	docs, err := os.ReadFile("../docs/lua-api.md")
	if err != nil {
		t.Fatal(err)
	}
	names := qqNames()
	if dup := slices.Compact(slices.Clone(names)); len(dup) != len(names) {
		t.Fatalf("qqAPI names a function twice: %v", names)
	}

	params := map[string][]string{}
	for _, m := range regexp.MustCompile(`(?m)^function qq\.(\w+)\(([^)]*)\)`).FindAllStringSubmatch(string(stubs), -1) {
		var ps []string
		for _, p := range strings.Split(m[2], ",") {
			if p = strings.TrimSpace(p); p != "" {
				ps = append(ps, p)
			}
		}
		params[m[1]] = ps
	}
	var declared []string
	for n := range params {
		declared = append(declared, n)
	}
	for _, n := range missing(names, declared) {
		t.Errorf("qq.%s is in the qq table but scripts/luabot.d.lua does not declare it", n)
	}
	for _, n := range missing(declared, names) {
		t.Errorf("scripts/luabot.d.lua declares qq.%s, which the qq table does not have", n)
	}

	var documented []string
	for _, m := range regexp.MustCompile(`qq\.(\w+)`).FindAllStringSubmatch(string(docs), -1) {
		if !slices.Contains(documented, m[1]) {
			documented = append(documented, m[1])
		}
	}
	for _, n := range missing(names, documented) {
		t.Errorf("qq.%s is in the qq table but docs/lua-api.md never mentions it", n)
	}
	for _, n := range missing(documented, names) {
		t.Errorf("docs/lua-api.md mentions qq.%s, which the qq table does not have", n)
	}

	for _, e := range qqAPI {
		if e.custom != nil {
			continue
		}
		ids, got := e.ids(), params[e.name]
		if len(got) < len(ids) || !slices.Equal(got[:len(ids)], ids) {
			t.Errorf("qq.%s: luabot.d.lua declares (%s); its table entry takes ids (%s) first",
				e.name, strings.Join(got, ", "), strings.Join(ids, ", "))
		}
	}
}

// Each column of an entry must fit its route: a send names the route its
// scene posts to, a path-id function fills every placeholder, a body
// function's route has none.
func TestQQAPI_EntriesFitTheirRoutes(t *testing.T) {
	for _, e := range qqAPI {
		switch {
		case e.custom != nil:
			if e.route != (openapi.Route{}) {
				t.Errorf("qq.%s: a custom function names no route", e.name)
			}
		case e.send != "":
			want, err := openapi.Target{Scene: e.send, ID: "x"}.MessagesPath()
			got, err2 := e.route.Expand("x")
			if err != nil || err2 != nil || got != want {
				t.Errorf("qq.%s: route %s, but %s messages are posted to %s (%v, %v)", e.name, e.route.Path, e.send, want, err, err2)
			}
		case e.body != nil:
			if len(e.route.Params()) != 0 {
				t.Errorf("qq.%s: ids go to the body, but route %s has placeholders", e.name, e.route.Path)
			}
		default:
			params := slices.Repeat([]string{"x"}, len(e.ids()))
			if e.emoji {
				params = append(params, "1", "x")
			}
			if _, err := e.route.Expand(params...); err != nil {
				t.Errorf("qq.%s: %v", e.name, err)
			}
		}
		if e.route.Method == "" && e.custom == nil {
			t.Errorf("qq.%s: no route", e.name)
		}
	}
}

// The installed module has exactly the table's functions.
func TestQQAPI_Installed(t *testing.T) {
	L := lua.NewState()
	defer L.Close()
	if _, err := Install(L, Env{Script: "t", API: nopDoer{}, Store: nopStore{}, Async: nopAsync{}}); err != nil {
		t.Fatal(err)
	}
	var got []string
	L.GetGlobal("qq").(*lua.LTable).ForEach(func(k, v lua.LValue) {
		if v.Type() == lua.LTFunction {
			got = append(got, k.String())
		}
	})
	slices.Sort(got)
	if want := qqNames(); !slices.Equal(got, want) {
		t.Errorf("qq has %v, want %v", got, want)
	}
}

type nopDoer struct{}

func (nopDoer) Do(context.Context, string, string, url.Values, any, any) error { return nil }

type nopStore struct{}

func (nopStore) Get(string, string) ([]byte, bool, error)             { return nil, false, nil }
func (nopStore) Set(string, string, []byte) error                     { return nil }
func (nopStore) Delete(string, string) error                          { return nil }
func (nopStore) Commit([]kv.Op) error                                 { return nil }
func (nopStore) Scan(string, string, func(string, []byte) bool) error { return nil }

type nopAsync struct{}

func (nopAsync) Await(*lua.LState, func(context.Context) Finish) int { return 0 }

// pagedAPI answers the members and guilds listings from fixed pages, keyed
// by the "after" asked for, and records every request.
type pagedAPI struct {
	pages map[string]string // "path?after" → JSON array
	asked []string
}

func (a *pagedAPI) Do(_ context.Context, method, path string, q url.Values, _, out any) error {
	a.asked = append(a.asked, method+" "+path+"?"+q.Encode())
	page, ok := a.pages[path+"?"+q.Get("after")]
	if !ok {
		page = "[]"
	}
	return json.Unmarshal([]byte(page), out)
}

type syncAsync struct{}

func (syncAsync) Await(L *lua.LState, work func(context.Context) Finish) int {
	vals := work(context.Background())(L)
	for _, v := range vals {
		L.Push(v)
	}
	return len(vals)
}

// opts.all = true walks openapi's listing: members from after=0, skipping
// a member the platform repeats, until a page brings nothing new; guilds
// until a short page.
func TestQQ_AllPages(t *testing.T) {
	api := &pagedAPI{pages: map[string]string{
		"/guilds/g1/members?0":  `[{"user":{"id":"u1"}},{"user":{"id":"u2"}}]`,
		"/guilds/g1/members?u2": `[{"user":{"id":"u2"}},{"user":{"id":"u3"},"nick":"n3"}]`,
		"/users/@me/guilds?":    `[{"id":"g1","name":"one"}]`,
	}}
	L := lua.NewState()
	defer L.Close()
	if _, err := Install(L, Env{Script: "t", API: api, Store: nopStore{}, Async: syncAsync{}}); err != nil {
		t.Fatal(err)
	}
	err := L.DoString(`
local ms = assert(qq.members("g1", {all = true}))
local ids = {}
for _, m in ipairs(ms) do ids[#ids + 1] = m.user.id end
members = table.concat(ids, ",") .. " " .. ms[3].nick
local gs = assert(qq.guilds({all = true}))
guilds = #gs .. " " .. gs[1].name`)
	if err != nil {
		t.Fatal(err)
	}
	if got := L.GetGlobal("members").String(); got != "u1,u2,u3 n3" {
		t.Errorf("members = %q", got)
	}
	if got := L.GetGlobal("guilds").String(); got != "1 one" {
		t.Errorf("guilds = %q", got)
	}
	want := []string{
		"GET /guilds/g1/members?after=0&limit=400",
		"GET /guilds/g1/members?after=u2&limit=400",
		"GET /guilds/g1/members?after=u3&limit=400",
		"GET /users/@me/guilds?limit=100",
	}
	if !slices.Equal(api.asked, want) {
		t.Errorf("requests:\n%s\nwant:\n%s", strings.Join(api.asked, "\n"), strings.Join(want, "\n"))
	}
}
