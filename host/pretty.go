package host

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/luabot/luabot/internal/luanum"

	lua "github.com/yuin/gopher-lua"
)

// maxPretty bounds the text of one printed value: a table of large strings
// must not make the REPL build hundreds of MiB.
const maxPretty = 1 << 20

// Pretty is pretty for other packages: `luabot test` shows an error raised
// with a table the way the REPL shows the table.
func Pretty(v lua.LValue) string { return pretty(v) }

// pretty prints a Lua value as an indented Lua literal, for the REPL.
// Cycles print as <cycle>, very large tables are cut short, and strings are
// cut where the text would pass maxPretty.
func pretty(v lua.LValue) string {
	var b strings.Builder
	p := &printer{b: &b, seen: map[*lua.LTable]bool{}, budget: 2000}
	p.value(v, 0)
	return b.String()
}

type printer struct {
	b      *strings.Builder
	seen   map[*lua.LTable]bool
	budget int
}

var identifier = func(s string) bool {
	if s == "" || (s[0] >= '0' && s[0] <= '9') {
		return false
	}
	for _, c := range s {
		if !(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

func (p *printer) value(v lua.LValue, depth int) {
	switch v := v.(type) {
	case lua.LString:
		// A quoted byte takes at most 4 bytes.
		room := max((maxPretty-p.b.Len())/4, 0)
		if len(v) <= room {
			p.b.WriteString(strconv.Quote(string(v)))
			return
		}
		p.b.WriteString(strconv.Quote(string(v[:room])))
		fmt.Fprintf(p.b, " --[[ cut: %d more bytes ]]", len(v)-room)
	case *lua.LTable:
		p.table(v, depth)
	case lua.LNumber:
		p.b.WriteString(luanum.Format(v)) // as Lua 5.1's tostring
	default:
		p.b.WriteString(v.String())
	}
}

func (p *printer) table(t *lua.LTable, depth int) {
	if p.seen[t] {
		p.b.WriteString("<cycle>")
		return
	}
	p.seen[t] = true
	defer delete(p.seen, t)
	type entry struct {
		k lua.LValue
		v lua.LValue
	}
	// The list part is 1..n up to the first nil: a sparse table (t[1000]
	// = 1) prints its keys, not hundreds of nils up to a border Len found.
	var array []lua.LValue
	n := 0
	for v := t.RawGetInt(1); v != lua.LNil; v = t.RawGetInt(n + 1) {
		array = append(array, v)
		n++
	}
	var hash []entry
	t.ForEach(func(k, v lua.LValue) {
		if num, ok := k.(lua.LNumber); ok && float64(num) >= 1 && float64(num) <= float64(n) && float64(int(num)) == float64(num) {
			return
		}
		if s, ok := k.(lua.LString); ok && strings.HasPrefix(string(s), "\x00") {
			return
		}
		hash = append(hash, entry{k, v})
	})
	// Numbers first, in numeric order, then the rest by their text.
	sort.Slice(hash, func(i, j int) bool {
		a, aNum := hash[i].k.(lua.LNumber)
		b, bNum := hash[j].k.(lua.LNumber)
		switch {
		case aNum && bNum:
			return a < b
		case aNum != bNum:
			return aNum
		}
		return hash[i].k.String() < hash[j].k.String()
	})
	if len(array) == 0 && len(hash) == 0 {
		p.b.WriteString("{}")
		return
	}
	indent := strings.Repeat("  ", depth+1)
	p.b.WriteString("{\n")
	for _, v := range array {
		if p.over() {
			break
		}
		p.b.WriteString(indent)
		p.value(v, depth+1)
		p.b.WriteString(",\n")
	}
	for _, e := range hash {
		if p.over() {
			break
		}
		p.b.WriteString(indent)
		if s, ok := e.k.(lua.LString); ok && identifier(string(s)) {
			p.b.WriteString(string(s))
		} else {
			p.b.WriteString("[")
			p.value(e.k, depth+1)
			p.b.WriteString("]")
		}
		p.b.WriteString(" = ")
		p.value(e.v, depth+1)
		p.b.WriteString(",\n")
	}
	p.b.WriteString(strings.Repeat("  ", depth) + "}")
}

func (p *printer) over() bool {
	p.budget--
	if p.budget == 0 {
		fmt.Fprintf(p.b, "%s-- (cut: too long to print)\n", "  ")
	}
	return p.budget <= 0
}
