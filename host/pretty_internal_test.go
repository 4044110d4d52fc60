package host

import (
	"math"
	"strings"
	"testing"

	lua "github.com/yuin/gopher-lua"
)

// The REPL prints a table of large strings in bounded text.
func TestPretty_LargeStringsCut(t *testing.T) {
	L := lua.NewState()
	defer L.Close()
	big := lua.LString(strings.Repeat("\x01", 15<<20))
	tbl := L.NewTable()
	for range 20 {
		tbl.Append(big)
	}
	out := pretty(tbl)
	if len(out) > maxPretty+64<<10 {
		t.Fatalf("printed %d bytes", len(out))
	}
	if !strings.Contains(out, "more bytes ]]") {
		t.Fatal("no cut marker")
	}
	if got := pretty(lua.LString("short")); got != `"short"` {
		t.Fatalf("got %s", got)
	}
}

// The REPL shows numbers as Lua 5.1's tostring writes them.
func TestPretty_NumbersAsLua51(t *testing.T) {
	L := lua.NewState()
	defer L.Close()
	three := 3.0
	tbl := L.NewTable()
	tbl.Append(lua.LNumber(three * 1.1))
	tbl.RawSet(lua.LNumber(0.5), lua.LNumber(math.Inf(1)))
	if got, want := pretty(tbl), "{\n  3.3,\n  [0.5] = inf,\n}"; got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
}
