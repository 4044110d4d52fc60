package host

import (
	"context"
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
		{"%q that doubles the text", `big = string.rep('"', 9*1024*1024)`,
			`return string.format("%q", big)`, "result would exceed", 1 << 20},
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

// table.sort sorts like gopher-lua's, and a default-comparator sort of a
// large array stops when the handler's context ends.
func TestTableSort(t *testing.T) {
	L := newSandbox()
	defer L.Close()
	for src, want := range map[string]string{
		`local t = {5, 3, 9, 1, 3.5} table.sort(t) return table.concat(t, ",")`:                          "1,3,3.5,5,9",
		`local t = {"b", "a", "B", "ab", ""} table.sort(t) return table.concat(t, ",")`:                  ",B,a,ab,b",
		`local t = {5, 3, 9} table.sort(t, function(a, b) return a > b end) return table.concat(t, ",")`: "9,5,3",
		`local t = {} table.sort(t) return #t`:                                                           "0",
		`local ok, err = pcall(table.sort, {1, "a"}) return tostring(ok) .. " " .. tostring(err ~= nil)`: "false true",
	} {
		if err := L.DoString(src); err != nil {
			t.Fatalf("%s: %v", src, err)
		}
		if got := L.Get(-1).String(); got != want {
			t.Errorf("%s = %q, want %q", src, got, want)
		}
		L.SetTop(0)
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	L.SetContext(ctx)
	defer L.RemoveContext()
	vals := make([]lua.LValue, 1_000_000)
	for i := range vals {
		vals[i] = lua.LNumber((i * 7919) % 1000003)
	}
	if sortChecked(L, vals, true) {
		t.Fatal("a sort under an ended context finished")
	}
}
