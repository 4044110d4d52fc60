package bindings_test

import (
	"context"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	lua "github.com/yuin/gopher-lua"

	"github.com/luabot/luabot/bindings"
	"github.com/luabot/luabot/kv"
)

type nopAPI struct{}

func (nopAPI) Do(context.Context, string, string, url.Values, any, any) error { return nil }

type noAsync struct{}

func (noAsync) Await(L *lua.LState, _ func(context.Context) bindings.Finish) int {
	bindings.Raise(L, "no async in this test")
	return 0
}

func newState(t *testing.T) *lua.LState {
	t.Helper()
	L := lua.NewState()
	t.Cleanup(L.Close)
	store, err := kv.Open(kv.Config{Path: filepath.Join(t.TempDir(), "t.db")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	if _, err := bindings.Install(L, bindings.Env{Script: "t", API: nopAPI{}, Store: store, Async: noAsync{}}); err != nil {
		t.Fatal(err)
	}
	return L
}

// eval runs a chunk that returns one value and gives it back as a string.
func eval(t *testing.T, L *lua.LState, src string) string {
	t.Helper()
	if err := L.DoString(src); err != nil {
		t.Fatalf("%s: %v", src, err)
	}
	v := L.Get(-1)
	L.Pop(1)
	return v.String()
}

func TestJSON_RoundTrips(t *testing.T) {
	L := newState(t)
	tests := []struct{ in, want string }{
		{`{"id":1234567890123456789}`, `{"id":"1234567890123456789"}`},
		{`[9007199254740993]`, `["9007199254740993"]`},
		{`{"n":42,"f":1.5,"neg":-7}`, `{"f":1.5,"n":42,"neg":-7}`},
		{`{"a":{}}`, `{"a":{}}`},
		{`{"a":[]}`, `{"a":[]}`},
		{`[1,null,3]`, `[1,null,3]`},
		{`{"a":null}`, `{"a":null}`},
		{`{"s":"<@!123> hi & bye"}`, `{"s":"<@!123> hi & bye"}`},
		{`"just a string"`, `"just a string"`},
	}
	for _, tt := range tests {
		got := eval(t, L, `return json.encode(json.decode(`+luaQuote(tt.in)+`))`)
		if got != tt.want {
			t.Errorf("round trip %s = %s, want %s", tt.in, got, tt.want)
		}
	}
}

func TestJSON_EncodeLuaTables(t *testing.T) {
	L := newState(t)
	tests := []struct{ src, want string }{
		{`{1, 2, 3}`, `[1,2,3]`},
		{`{}`, `{}`},
		{`json.array({})`, `[]`},
		{`{name = "x", list = {true, false}}`, `{"list":[true,false],"name":"x"}`},
		{`{1, 2, x = 1}`, `{"1":1,"2":2,"x":1}`},
		{`{[1] = "a", [3] = "c"}`, `{"1":"a","3":"c"}`},
		{`(function() local s = {1} return {s, s} end)()`, `[[1],[1]]`},
		{`{big = 1e20, small = 0.1}`, `{"big":1e+20,"small":0.1}`},
	}
	for _, tt := range tests {
		if got := eval(t, L, `return json.encode(`+tt.src+`)`); got != tt.want {
			t.Errorf("json.encode(%s) = %s, want %s", tt.src, got, tt.want)
		}
	}
}

func TestJSON_Errors(t *testing.T) {
	L := newState(t)
	tests := []struct{ name, src string }{
		{"cycle", `local t = {} t.self = t return json.encode(t)`},
		{"function", `return json.encode({f = print})`},
		{"nan", `return json.encode(0/0)`},
		{"depth", `local t = {} local cur = t for i = 1, 100 do cur.x = {} cur = cur.x end return json.encode(t)`},
		{"bad text", `return json.decode("{nope")`},
		{"trailing", `return json.decode("{} {}")`},
		// Numbers as RFC 8259 has them, as encoding/json reads them.
		{"leading zero", `return json.decode("01")`},
		{"bare point", `return json.decode("[1.]")`},
		{"negative leading zero", `return json.decode("{\"n\": -01}")`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := L.DoString(`local v, err = (function() ` + tt.src + ` end)() result = {v = v, err = err and tostring(err)}`); err != nil {
				t.Fatal(err)
			}
			r := L.GetGlobal("result").(*lua.LTable)
			if r.RawGetString("v") != lua.LNil || r.RawGetString("err") == lua.LNil {
				t.Fatalf("got v=%v err=%v, want nil and an error", r.RawGetString("v"), r.RawGetString("err"))
			}
		})
	}
}

func TestJSON_NullAndArrayLength(t *testing.T) {
	L := newState(t)
	if got := eval(t, L, `local t = json.decode("[1,null,3]") return #t .. " " .. tostring(t[2] == json.null) .. " " .. tostring(json.null)`); got != "3 true null" {
		t.Fatalf("got %q", got)
	}
}

func TestKV_MisuseRaisesWithLine(t *testing.T) {
	L := newState(t)
	err := L.DoString("local x = 1\nkv.set('k', print)")
	if err == nil || !containsAll(err.Error(), "<string>:2:", "kv.set") {
		t.Fatalf("err = %v", err)
	}
	err = L.DoString("kv.get(42)")
	if err == nil || !containsAll(err.Error(), "<string>:1:", "key") {
		t.Fatalf("err = %v", err)
	}
}

func TestOn_RejectsBadArguments(t *testing.T) {
	L := newState(t)
	for _, src := range []string{
		`on("message", "not a function")`,
		`on("at_message_create", function() end)`,
		`on(nil, function() end)`,
	} {
		if err := L.DoString(src); err == nil {
			t.Errorf("%s: no error", src)
		}
	}
}

func containsAll(s string, parts ...string) bool {
	for _, p := range parts {
		if !strings.Contains(s, p) {
			return false
		}
	}
	return true
}

func luaQuote(s string) string {
	out := []byte{'"'}
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '"', '\\':
			out = append(out, '\\', c)
		default:
			out = append(out, c)
		}
	}
	return string(append(out, '"'))
}
