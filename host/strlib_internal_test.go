package host

import (
	"runtime"
	"strings"
	"testing"

	lua "github.com/yuin/gopher-lua"
)

// Each builtin that builds a string must fail before allocating much more
// than the string cap: a Lua error, and the Go heap barely touched.
func TestStrlib_FailsBeforeAllocating(t *testing.T) {
	tests := []struct {
		name, setup, call, want string
		maxAlloc                uint64
	}{
		{"table.concat with a huge range", ``, `return table.concat({}, "", 1, 4000000)`, "invalid value (at index 1)", 1 << 20},
		{"gsub function returning large strings", `big = string.rep("b", 15*1024*1024)`,
			`return ("aaaa"):gsub("a", function() return big end)`, "result would exceed", 24 << 20},
		{"format of many large strings", `big = string.rep("z", 15*1024*1024)`,
			`return string.format("%s%s%s%s%s%s", big, big, big, big, big, big)`, "result would exceed", 1 << 20},
		{"concat of many operands", `big = string.rep("z", 15*1024*1024)`,
			`return big .. big .. big .. big .. big .. big`, "result would exceed", 1 << 20},
		{"upper that grows the text", `big = string.rep("ȿ", 6*1024*1024)`,
			`return big:upper()`, "result would exceed", 1 << 20},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			L := newSandbox()
			defer L.Close()
			run := func(src string) error {
				proto, err := compile(src, "t.lua")
				if err != nil {
					t.Fatal(err)
				}
				L.Push(L.NewFunctionFromProto(proto))
				return L.PCall(0, lua.MultRet, nil)
			}
			if err := run(tt.setup); err != nil {
				t.Fatal(err)
			}
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			err := run(tt.call)
			runtime.ReadMemStats(&after)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
			if alloc := after.TotalAlloc - before.TotalAlloc; alloc > tt.maxAlloc {
				t.Fatalf("allocated %d MiB before failing", alloc>>20)
			}
		})
	}
}
