package luanum

import (
	"math"
	"testing"

	lua "github.com/yuin/gopher-lua"
)

// Numbers are written as Lua 5.1 writes them with "%.14g" on glibc (the
// host's differential tests check the same against /usr/bin/lua5.1).
func TestFormat(t *testing.T) {
	// Variables, so that the sums are float64 sums, not exact constants.
	tenth, eleven, three := 0.1, 1.1, 3.0
	for _, c := range []struct {
		n    float64
		want string
	}{
		{0, "0"},
		{math.Copysign(0, -1), "-0"},
		{42, "42"},
		{-7, "-7"},
		{three * eleven, "3.3"},
		{tenth + 2*tenth, "0.3"},
		{1 / three, "0.33333333333333"},
		{0.1, "0.1"},
		{12.5, "12.5"},
		{1e14 - 1, "99999999999999"},
		{-(1e14 - 1), "-99999999999999"},
		{1e14, "1e+14"},
		{-1e14, "-1e+14"},
		{123456789012345, "1.2345678901234e+14"},
		{1 << 53, "9.007199254741e+15"},
		{1 << 63, "9.2233720368548e+18"},
		{1e100, "1e+100"},
		{1e-4, "0.0001"},
		{1e-5, "1e-05"},
		{-1.5e-7, "-1.5e-07"},
		{5e-324, "4.9406564584125e-324"},
		{math.MaxFloat64, "1.7976931348623e+308"},
		{math.Inf(1), "inf"},
		{math.Inf(-1), "-inf"},
		{math.NaN(), "nan"},
		{-math.NaN(), "-nan"},
	} {
		if got := Format(lua.LNumber(c.n)); got != c.want {
			t.Errorf("Format(%v) = %q, want %q", c.n, got, c.want)
		}
		if got := string(Append([]byte("x"), lua.LNumber(c.n))); got != "x"+c.want {
			t.Errorf("Append(%v) = %q, want %q", c.n, got, "x"+c.want)
		}
	}
}

// ToString honours __tostring and writes numbers as Format does.
func TestToString(t *testing.T) {
	L := lua.NewState()
	defer L.Close()
	if err := L.DoString(`v = setmetatable({}, {__tostring = function() return 0.1 + 0.2 end})`); err != nil {
		t.Fatal(err)
	}
	v := L.GetGlobal("v")
	if got, ok := ToString(L, v).(lua.LNumber); !ok || got.String() != "0.30000000000000004" {
		t.Errorf("ToString = %v, want the metamethod's number", got)
	}
	if got := Text(L, v); got != "0.3" {
		t.Errorf("Text = %q, want 0.3", got)
	}
	three := 3.0
	if got := Text(L, lua.LNumber(three*1.1)); got != "3.3" {
		t.Errorf("Text(3*1.1) = %q", got)
	}
	if got := Text(L, lua.LTrue); got != "true" {
		t.Errorf("Text(true) = %q", got)
	}
}
