package bindings

import (
	"errors"
	"strings"
	"testing"

	lua "github.com/yuin/gopher-lua"
)

// An error table whose fields a script filled with huge strings still
// prints as a short line.
func TestErrorTostringBounded(t *testing.T) {
	L := lua.NewState()
	defer L.Close()
	b := &binder{L: L}
	e := b.errorValue(L, errors.New("boom"))
	big := lua.LString(strings.Repeat("x", 4<<20))
	for _, k := range []string{"message", "hint", "trace_id"} {
		e.RawSetString(k, big)
	}
	if s := L.ToStringMeta(e).String(); len(s) > 16<<10 {
		t.Fatalf("tostring of %d bytes", len(s))
	}
}
