package host

import (
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
