package bindings

import (
	"bytes"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"runtime"
	"strings"
	"testing"
	"time"

	lua "github.com/yuin/gopher-lua"
)

// The bounded encoder must write what encoding/json (HTML escaping off)
// wrote for the same data, so stored kv values stay byte-identical.
func TestEncoder_MatchesEncodingJSON(t *testing.T) {
	L := lua.NewState()
	defer L.Close()
	c := newCodec(L)
	rng := rand.New(rand.NewPCG(1, 2))
	alphabet := []string{"a", "Z", " ", "\"", "\\", "/", "<", ">", "&", "\n", "\r", "\t", "\b", "\f", "\x00", "\x1f",
		"\x7f", "é", "中", "😀", "\u2028", "\u2029", "\xff", "\xc3", "\xe4\xb8"}
	randomString := func() string {
		var sb strings.Builder
		for range rng.IntN(12) {
			sb.WriteString(alphabet[rng.IntN(len(alphabet))])
		}
		return sb.String()
	}
	for i := 0; i < 2000; i++ {
		k1, k2, v1 := randomString(), randomString(), randomString()
		f := rng.Float64() * 1e6
		n := rng.IntN(1000) - 500
		tbl := L.NewTable()
		tbl.RawSetString(k1, lua.LString(v1))
		tbl.RawSetString(k2, lua.LNumber(f))
		tbl.RawSetString("n", lua.LNumber(n))
		list := L.NewTable()
		list.Append(lua.LString(k1))
		list.Append(lua.LBool(i%2 == 0))
		tbl.RawSetString("list", list)
		got, err := c.encode(tbl)
		if err != nil {
			t.Fatal(err)
		}
		goValue := map[string]any{k1: v1, k2: f, "n": n, "list": []any{k1, i%2 == 0}}
		if k1 == k2 || k1 == "n" || k1 == "list" || k2 == "n" || k2 == "list" ||
			strings.HasPrefix(k1, "\x00") || strings.HasPrefix(k2, "\x00") {
			continue // the Lua table and the map hold different members
		}
		if want := viaEncodingJSON(t, goValue); string(got) != string(want) {
			t.Fatalf("encoder wrote %s, encoding/json writes %s", got, want)
		}
	}
}

func viaEncodingJSON(t *testing.T, v any) []byte {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
}

// Strings with every kind of escape encode exactly as encoding/json does.
func TestEncoder_StringsMatchEncodingJSON(t *testing.T) {
	L := lua.NewState()
	defer L.Close()
	c := newCodec(L)
	for b := 0; b < 256; b++ {
		for _, s := range []string{string(rune(b)), string([]byte{byte(b)}), "x" + string([]byte{byte(b)}) + "y\u2028z"} {
			got, err := c.encode(lua.LString(s))
			if err != nil {
				t.Fatal(err)
			}
			if want := viaEncodingJSON(t, s); string(got) != string(want) {
				t.Fatalf("%q: got %s, want %s", s, got, want)
			}
			if n := quotedLen(s); n != len(got) {
				t.Fatalf("quotedLen(%q) = %d, want %d", s, n, len(got))
			}
		}
	}
}

// A table holding the same sub-table twice at each of 26 levels would
// expand to 2^22 leaves (2^26 in the attack; fewer here so that an
// unbounded encoder fails the test without exhausting memory); the encoder must stop at its size limit at once,
// without allocating much more than that limit.
func TestEncoder_SharedSubtablesStopAtTheLimit(t *testing.T) {
	L := lua.NewState()
	defer L.Close()
	c := newCodec(L)
	if err := L.DoString(`t = {"leaf"} for i = 1, 22 do t = {t, t} end`); err != nil {
		t.Fatal(err)
	}
	v := L.GetGlobal("t")
	for _, encode := range []struct {
		name string
		f    func() error
	}{
		{"encode", func() error { _, err := c.encode(v); return err }},
		{"toGo", func() error { _, err := c.toGo(v); return err }},
	} {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		start := time.Now()
		err := encode.f()
		took := time.Since(start)
		runtime.ReadMemStats(&after)
		var se *SizeError
		if !errors.As(err, &se) {
			t.Fatalf("%s: err = %v, want a size error", encode.name, err)
		}
		if took > 10*time.Second { // about 0.3 s; the race detector and a busy machine slow it
			t.Errorf("%s took %s", encode.name, took)
		}
		if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 64<<20 {
			t.Errorf("%s allocated %d MiB", encode.name, alloc>>20)
		}
	}
}

// A table met again is copied from its first rendering: the output is the
// same as walking it again, and where the copy would land deeper than
// maxDepth allows, the walk's error is what the script gets.
func TestEncoder_SharedSubtablesRenderAsWalked(t *testing.T) {
	L := lua.NewState()
	defer L.Close()
	c := newCodec(L)
	if err := L.DoString(`
leaf = {name = "leaf", list = {1, 2, "three"}, flag = true}
t = leaf
for i = 1, 8 do t = {a = t, b = {t, t}} end
deep = {}
local cur = deep
for i = 1, 60 do cur[1] = {} cur = cur[1] end
chain = {}
local c = chain
for i = 1, 10 do c.x = {pad = string.rep("p", 300)} c = c.x end
fits = {chain, deep}
cur[1] = chain -- chain now lands 61 levels down, 10 more than fit
`); err != nil {
		t.Fatal(err)
	}
	var goLeaf any = map[string]any{"name": "leaf", "list": []any{1, 2, "three"}, "flag": true}
	for range 8 {
		goLeaf = map[string]any{"a": goLeaf, "b": []any{goLeaf, goLeaf}}
	}
	got, err := c.encode(L.GetGlobal("t"))
	if err != nil {
		t.Fatal(err)
	}
	if want := viaEncodingJSON(t, goLeaf); !bytes.Equal(got, want) {
		t.Fatalf("shared sub-tables: %d bytes differ from encoding/json's %d", len(got), len(want))
	}
	// chain (11 levels) is written first at depth 1, then met 61 levels
	// down inside deep: a copy there would hide the nesting error.
	if _, err := c.encode(L.GetGlobal("fits")); err == nil || !strings.Contains(err.Error(), "nesting deeper than 64") {
		t.Fatalf("err = %v, want the nesting error", err)
	}
}

// Ten strings of 15 MiB: the encoder refuses before copying them.
func TestEncoder_LargeStringsRefusedBeforeCopying(t *testing.T) {
	L := lua.NewState()
	defer L.Close()
	c := newCodec(L)
	big := lua.LString(strings.Repeat("z", 15<<20))
	tbl := L.NewTable()
	for range 10 {
		tbl.Append(big)
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err := c.encode(tbl)
	runtime.ReadMemStats(&after)
	var se *SizeError
	if !errors.As(err, &se) {
		t.Fatalf("err = %v", err)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 16<<20 {
		t.Errorf("allocated %d MiB", alloc>>20)
	}
}

// A document of a million empty arrays would build more Lua tables than the
// budget allows: decode stops with an error instead of building them.
func TestDecoder_Budget(t *testing.T) {
	L := lua.NewState()
	defer L.Close()
	c := newCodec(L)
	c.decodeBudget = 8 << 20
	doc := "[" + strings.Repeat("[],", 1_000_000) + "[]]"
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err := c.decodeBytes(L, []byte(doc), false)
	runtime.ReadMemStats(&after)
	if !errors.Is(err, errDecodeBudget) {
		t.Fatalf("err = %v", err)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 64<<20 {
		t.Errorf("allocated %d MiB", alloc>>20)
	}
	// An ordinary document fits.
	if _, err := c.decodeBytes(L, []byte(`{"a":[1,2,3],"b":"text"}`), false); err != nil {
		t.Fatal(err)
	}
}
