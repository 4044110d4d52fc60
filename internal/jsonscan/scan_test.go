package jsonscan_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/luabot/luabot/internal/jsonscan"
)

var seeds = []string{
	`{}`, `[]`, `null`, `true`, `false`, `0`, `-0`, `1.5e-3`, `-12E+7`, `"x"`, ` {"a" : [1, 2, {"b": null}], "c": "d"} `,
	`01`, `1.`, `.5`, `-`, `+1`, `1e`, `0x10`, `"\u00e9\ud83d\ude00"`, `"\ud800"`, `"\udc00\ud800x"`, `"\ud800\u0041"`,
	`"\ud800\udc00"`, `"a\/b\"c\\d\b\f\n\r\t"`, `"\x"`, "\"\x01\"", `"\u12g4"`, `[1,]`, `{"a":1,}`, `{"a" 1}`, `{1:2}`,
	`[1 2]`, `tru`, `nul`, `"unterminated`, `{"a":"b"`, `[[[[]]]]`, `{"a":{"b":{"c":[true,false,null]}}}`, "\"\xff\"",
	`{"op":0,"s":3,"t":"AT_MESSAGE_CREATE","id":"e1","d":{"content":"hi"}}`, ``, ` `, `1 2`, `"a" "b"`,
}

func deep(n int) string { return strings.Repeat("[", n) + strings.Repeat("]", n) }

// Valid agrees with encoding/json on every text but those nested deeper than MaxDepth.
// Each string a valid text holds (as a value or a key) decodes as encoding/json decodes
// it, for strings that are valid UTF-8 (others keep their bytes, on purpose).
func FuzzScanner(f *testing.F) {
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Add([]byte(deep(jsonscan.MaxDepth)))
	f.Fuzz(func(t *testing.T, data []byte) {
		if nesting(data) > jsonscan.MaxDepth {
			if jsonscan.Valid(data) {
				t.Fatalf("Valid accepted nesting deeper than %d", jsonscan.MaxDepth)
			}
			return
		}
		got, want := jsonscan.Valid(data), json.Valid(data)
		if got != want {
			t.Fatalf("Valid(%q) = %v, encoding/json says %v", data, got, want)
		}
		if !want {
			return
		}
		checkStrings(t, data)
	})
}

// nesting is how deep brackets outside strings nest in data (an upper bound for
// malformed text).
func nesting(data []byte) int {
	depth, most, inString := 0, 0, false
	for i := 0; i < len(data); i++ {
		switch c := data[i]; {
		case inString && c == '\\':
			i++
		case c == '"':
			inString = !inString
		case inString:
		case c == '[' || c == '{':
			depth++
			most = max(most, depth)
		case c == ']' || c == '}':
			depth--
		}
	}
	return most
}

// checkStrings decodes every string literal of the valid text data both ways.
func checkStrings(t *testing.T, data []byte) {
	for i := 0; i < len(data); i++ {
		if data[i] != '"' {
			continue
		}
		s := jsonscan.Scanner{Data: data, Pos: i}
		got, err := s.String()
		if err != nil {
			t.Fatalf("String at %d of %q: %v", i, data, err)
		}
		lit := data[i:s.Pos]
		i = s.Pos - 1
		if !utf8.Valid(lit) {
			if !bytes.Contains([]byte(got), unescapedInvalid(lit)) {
				t.Fatalf("String(%q) = %q lost the bytes that are not UTF-8", lit, got)
			}
			continue
		}
		var want string
		if err := json.Unmarshal(lit, &want); err != nil {
			t.Fatalf("encoding/json refused %q from a valid text: %v", lit, err)
		}
		if got != want {
			t.Fatalf("String(%q) = %q, encoding/json %q", lit, got, want)
		}
	}
}

// unescapedInvalid returns the first byte of lit that is not valid UTF-8.
func unescapedInvalid(lit []byte) []byte {
	for i := 0; i < len(lit); {
		r, n := utf8.DecodeRune(lit[i:])
		if r == utf8.RuneError && n == 1 {
			return lit[i : i+1]
		}
		i += n
	}
	return nil
}

// Fields lists an object's keys in order with their raw values, and Field stops at the
// key it wants, even when the text after it is malformed.
func TestFields(t *testing.T) {
	data := []byte(` {"a": 1, "b\u0021": {"c": [2, "]"]}, "d": "e"} `)
	var got []string
	if err := jsonscan.Fields(data, func(k []byte, v jsonscan.Span) bool {
		got = append(got, string(k)+"="+string(data[v.Start:v.End]))
		return true
	}); err != nil {
		t.Fatal(err)
	}
	if want := `a=1 b!={"c": [2, "]"]} d="e"`; strings.Join(got, " ") != want {
		t.Errorf("Fields: %s, want %s", strings.Join(got, " "), want)
	}
	if raw := jsonscan.Field([]byte(`{"id":"x","rest":[`), "id"); string(raw) != `"x"` {
		t.Errorf(`Field(id) = %q, want "x"`, raw)
	}
	for _, bad := range []string{`[]`, `{"a":1} x`, `{"a":01}`, `{"a" 1}`} {
		if err := jsonscan.Fields([]byte(bad), func([]byte, jsonscan.Span) bool { return true }); err == nil {
			t.Errorf("Fields(%s) accepted it", bad)
		}
	}
}

// Key reads what String reads, as bytes; a plain key is a slice of the
// text, so walking an object's keys allocates nothing.
func TestKey(t *testing.T) {
	for _, in := range []string{`"plain"`, `""`, `"esc\u0061ped\n"`, `"ünï"`, `"open`, `"ctl` + "\x01" + `"`, `"bad\q"`, `x`} {
		ks := jsonscan.Scanner{Data: []byte(in)}
		key, kerr := ks.Key()
		ss := jsonscan.Scanner{Data: []byte(in)}
		str, serr := ss.String()
		if string(key) != str || fmt.Sprint(kerr) != fmt.Sprint(serr) || ks.Pos != ss.Pos {
			t.Errorf("Key(%s) = %q, %v at %d; String: %q, %v at %d", in, key, kerr, ks.Pos, str, serr, ss.Pos)
		}
	}
	data := []byte(`{"id":"m1","channel_id":"c1","author":{"id":"u"},"n":[1,2]}`)
	allocs := testing.AllocsPerRun(100, func() {
		_ = jsonscan.Fields(data, func([]byte, jsonscan.Span) bool { return true })
	})
	if allocs != 0 {
		t.Errorf("Fields over plain keys: %v allocations, want 0", allocs)
	}
}
