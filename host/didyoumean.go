package host

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"

	lua "github.com/yuin/gopher-lua"
)

// gopher-lua reports a call of nil as "attempt to call a non-function
// object", without a name. When a handler fails that way, the host reads
// the failing line, finds the call whose function does not exist
// (qq.sned, ev:replay, pirnt) and names it with the closest existing name.

var (
	rePosition = regexp.MustCompile(`^(.+?):(\d+): attempt to (?:call a non-function object|index a non-table object\(nil\) with key '[^']*')`)
	reCall     = regexp.MustCompile(`([A-Za-z_]\w*)(?:\s*([.:])\s*([A-Za-z_]\w*))?\s*[({"']`)
)

// eventMethods are the event's methods, for x:name() on a local event.
var eventMethods = []string{"reply", "raw"}

// explainCall rewrites msg when it is a failed call of nil on a line whose
// mistake can be named; otherwise it returns msg unchanged.
func (s *script) explainCall(msg string) string {
	m := rePosition.FindStringSubmatch(msg)
	if m == nil {
		return msg
	}
	n, _ := strconv.Atoi(m[2])
	line, ok := "", false
	if m[1] == replEvent {
		// The REPL's input, not a file named "repl" in the working folder.
		line, ok = lineAt(s.replSource, n)
	} else {
		line, ok = sourceLine(m[1], n)
	}
	if !ok {
		return msg
	}
	globals := s.L.Get(lua.GlobalsIndex).(*lua.LTable)
	for _, c := range reCall.FindAllStringSubmatch(codeOnly(line), -1) {
		name, sep, field := c[1], c[2], c[3]
		if isKeyword(name) {
			continue
		}
		// What the sandbox leaves out gets the sentence luabot check gives.
		if why, ok := MissingGlobals[name]; ok && globals.RawGetString(name) == lua.LNil {
			return fmt.Sprintf("%s:%s: %s is not available in the sandbox: %s", m[1], m[2], name, why)
		}
		if why, ok := MissingFields[name][field]; ok && sep == "." {
			return fmt.Sprintf("%s:%s: %s.%s is not available in the sandbox: %s", m[1], m[2], name, field, why)
		}
		if strings.HasPrefix(m[0][len(m[1])+len(m[2])+2:], " attempt to index") {
			continue // only the sandbox's own gaps are named for an index of nil
		}
		var what, guess string
		switch {
		case sep == "":
			if globals.RawGetString(name) != lua.LNil {
				continue
			}
			what, guess = name, closest(name, tableKeys(globals))
		default:
			mod, isTable := globals.RawGetString(name).(*lua.LTable)
			switch {
			case isTable:
				if mod.RawGetString(field) != lua.LNil {
					continue
				}
				if g := closest(field, tableKeys(mod)); g != "" {
					guess = name + sep + g
				}
			case sep == ":" && globals.RawGetString(name) == lua.LNil:
				// A local such as ev: only the event's methods are known.
				if g := closest(field, eventMethods); g != "" && g != field {
					guess = name + ":" + g
				} else {
					continue
				}
			default:
				continue
			}
			what = name + sep + field
		}
		out := fmt.Sprintf("%s:%s: %s is not a function", m[1], m[2], what)
		if guess != "" {
			out += ": did you mean " + guess + "?"
		}
		return out + msg[len(m[0]):]
	}
	return msg
}

// codeOnly blanks what is not code on a line: the text inside string
// literals (their opening quote stays, so f"x" is still a call) and a
// comment. Otherwise a word in a string, such as the "a" of
// ev.text == "a", would be taken for the name of the failed call.
func codeOnly(line string) string {
	b := []byte(line)
	for i := 0; i < len(b); i++ {
		switch c := b[i]; {
		case c == '"' || c == '\'':
			j := i + 1
			for ; j < len(b) && b[j] != c; j++ {
				if b[j] == '\\' && j+1 < len(b) {
					b[j] = ' '
					j++
				}
				b[j] = ' '
			}
			i = j
		case c == '-' && i+1 < len(b) && b[i+1] == '-':
			return string(b[:i])
		case c == '[':
			j := i + 1
			for j < len(b) && b[j] == '=' {
				j++
			}
			if j >= len(b) || b[j] != '[' {
				continue
			}
			closing := "]" + strings.Repeat("=", j-i-1) + "]"
			end := strings.Index(string(b[j+1:]), closing)
			stop := len(b)
			if end >= 0 {
				stop = j + 1 + end
			}
			for k := j + 1; k < stop; k++ {
				b[k] = ' '
			}
			i = stop + len(closing) - 1
		}
	}
	return string(b)
}

// sourceLine reads line n of the script file at path.
func sourceLine(path string, n int) (string, bool) {
	src, err := readCapped(path, maxModule)
	if err != nil {
		return "", false
	}
	return lineAt(src, n)
}

// lineAt is line n of src.
func lineAt(src string, n int) (string, bool) {
	lines := strings.Split(src, "\n")
	if n < 1 || n > len(lines) {
		return "", false
	}
	return lines[n-1], true
}

func tableKeys(t *lua.LTable) []string {
	var keys []string
	t.ForEach(func(k, _ lua.LValue) {
		if s, ok := k.(lua.LString); ok && !strings.HasPrefix(string(s), "_") {
			keys = append(keys, string(s))
		}
	})
	sort.Strings(keys)
	return keys
}

func isKeyword(s string) bool {
	switch s {
	case "and", "break", "do", "else", "elseif", "end", "false", "for", "function", "if", "in",
		"local", "nil", "not", "or", "repeat", "return", "then", "true", "until", "while":
		return true
	}
	return false
}

// closest is the candidate nearest to name by edit distance, if it is
// near enough to be the intended name (at most 2 edits, and fewer than
// half of name's letters).
func closest(name string, candidates []string) string {
	best, bestD := "", 3
	for _, c := range candidates {
		d := editDistance(strings.ToLower(name), strings.ToLower(c))
		if d < bestD && d*2 < len(name)+1 {
			best, bestD = c, d
		}
	}
	return best
}

// editDistance is the Damerau-Levenshtein distance (adjacent swaps count
// as one edit: pirnt → print).
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	d := make([][]int, len(ra)+1)
	for i := range d {
		d[i] = make([]int, len(rb)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(ra); i++ {
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(ra)][len(rb)]
}
