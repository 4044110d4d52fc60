package host

import (
	"errors"
	"strings"

	"github.com/yuin/gopher-lua/ast"
	"github.com/yuin/gopher-lua/parse"
)

// Parse parses Lua source as compile does, reading goto as Lua 5.1 does:
// gopher-lua's parser reserves the word for Lua 5.2's goto statement, so
// t.goto = 1, local goto = 1 and {goto = 1}, valid Lua 5.1, were syntax
// errors. Before parsing, each goto that 5.1 reads as a name is renamed
// to a name of luabot's that the source cannot contain; after parsing,
// every name and string of the tree that is that name is set back to
// "goto" (the compiler does not look at keywords), so globals, fields,
// locals and error messages all say goto. A goto followed by a label
// name where a statement starts stays gopher-lua's goto statement (valid
// 5.1 never has a name after the name goto there).
func Parse(src, chunk string) ([]ast.Stmt, error) {
	renamed, placeholder := renameGotoNames(src)
	stmts, err := parse.Parse(strings.NewReader(renamed), chunk)
	if placeholder == "" {
		return stmts, err
	}
	if err != nil {
		var pe *parse.Error
		if errors.As(err, &pe) && pe.Token == placeholder {
			pe.Token = "goto"
		}
		return nil, err
	}
	restore := func(s *string) {
		if *s == placeholder {
			*s = "goto"
		}
	}
	restoreAll := func(names []string) {
		for i := range names {
			restore(&names[i])
		}
	}
	restorePars := func(f *ast.FunctionExpr) {
		if f != nil && f.ParList != nil {
			restoreAll(f.ParList.Names)
		}
	}
	rw := astRewriter{
		expr: func(e ast.Expr) ast.Expr {
			switch n := e.(type) {
			case *ast.IdentExpr:
				restore(&n.Value)
			case *ast.StringExpr:
				restore(&n.Value)
			case *ast.FuncCallExpr:
				restore(&n.Method)
			case *ast.FunctionExpr:
				restorePars(n)
			}
			return e
		},
		stmt: func(s ast.Stmt) ast.Stmt {
			switch n := s.(type) {
			case *ast.LocalAssignStmt:
				restoreAll(n.Names)
			case *ast.NumberForStmt:
				restore(&n.Name)
			case *ast.GenericForStmt:
				restoreAll(n.Names)
			case *ast.FuncDefStmt:
				if n.Name != nil {
					restore(&n.Name.Method)
				}
				restorePars(n.Func)
			}
			return s
		},
	}
	if err := rw.run(stmts); err != nil {
		return nil, err
	}
	return stmts, nil
}

// renameGotoNames returns src with each goto that Lua 5.1 reads as a name
// replaced by placeholder, or src and "" when there is none. The
// placeholder occurs nowhere in src and is longer than any quoted string
// in it (an escape takes at least two bytes for one), so no string
// literal of the source can have it as its value: only the renamed
// names do.
func renameGotoNames(src string) (string, string) {
	if !strings.Contains(src, "goto") {
		return src, ""
	}
	var names []int // offsets of the gotos to rename
	longest := 0
	prev := "" // the previous token: a punctuation or word, or "v" for a value
	i := 0
	if strings.HasPrefix(src, "#") { // a first line #!... is skipped
		for i < len(src) && src[i] != '\n' {
			i++
		}
	}
	for i < len(src) {
		c := src[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v':
			i++
		case c == '-' && strings.HasPrefix(src[i:], "--"):
			i = skipComment(src, i)
		case c == '[' && longBracket(src, i) >= 0:
			i = skipLong(src, i)
			prev = "v"
		case c == '"' || c == '\'':
			start := i
			i++
			for i < len(src) && src[i] != c && src[i] != '\n' && src[i] != '\r' {
				if src[i] == '\\' {
					i++
				}
				i++
			}
			i = min(i+1, len(src))
			longest = max(longest, i-start)
			prev = "v"
		case isNameStart(c):
			start := i
			for i < len(src) && isNameByte(src[i]) {
				i++
			}
			word := src[start:i]
			if word == "goto" && gotoIsName(src, i, prev) {
				names = append(names, start)
			}
			if _, kw := luaKeywords[word]; kw || word == "goto" {
				prev = word
			} else {
				prev = "v"
			}
		case isDigit(c) || c == '.' && i+1 < len(src) && isDigit(src[i+1]):
			for i < len(src) && (isNameByte(src[i]) || src[i] == '.') {
				if (src[i] == 'e' || src[i] == 'E') && i+1 < len(src) && (src[i+1] == '+' || src[i+1] == '-') {
					i++
				}
				i++
			}
			prev = "v"
		default:
			n := 1
			for _, op := range []string{"...", "..", "==", "~=", "<=", ">=", "::"} {
				if strings.HasPrefix(src[i:], op) {
					n = len(op)
					break
				}
			}
			prev = src[i : i+n]
			if prev == ")" || prev == "]" || prev == "}" {
				prev = "v"
			}
			i += n
		}
	}
	if len(names) == 0 {
		return src, ""
	}
	placeholder := "goto_luabot_" + strings.Repeat("x", longest)
	for strings.Contains(src, placeholder) {
		placeholder += "x"
	}
	var b strings.Builder
	b.Grow(len(src) + len(names)*len(placeholder))
	last := 0
	for _, at := range names {
		b.WriteString(src[last:at])
		b.WriteString(placeholder)
		last = at + len("goto")
	}
	b.WriteString(src[last:])
	return b.String(), placeholder
}

// gotoIsName reports whether the goto ending at src[end] is a name in Lua
// 5.1 rather than gopher-lua's goto statement: it is a field or method
// name, or it is not followed by a label name, or it stands where an
// expression continues (x = goto y = 1 is x = goto; y = 1 in 5.1).
func gotoIsName(src string, end int, prev string) bool {
	switch prev {
	case ".", ":", "..", "=", ",", "(", "[", "{", "+", "-", "*", "/", "%", "^", "#",
		"==", "~=", "<", "<=", ">", ">=", "and", "or", "not", "return", "local",
		"function", "in", "for", "until", "if", "elseif", "while", "goto":
		return true
	}
	i := end
	for i < len(src) {
		switch c := src[i]; {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v':
			i++
		case c == '-' && strings.HasPrefix(src[i:], "--"):
			i = skipComment(src, i)
		case isNameStart(c):
			j := i
			for j < len(src) && isNameByte(src[j]) {
				j++
			}
			_, kw := luaKeywords[src[i:j]]
			return kw || src[i:j] == "goto"
		default:
			return true
		}
	}
	return true
}

var luaKeywords = map[string]struct{}{
	"and": {}, "break": {}, "do": {}, "else": {}, "elseif": {}, "end": {}, "false": {}, "for": {},
	"function": {}, "if": {}, "in": {}, "local": {}, "nil": {}, "not": {}, "or": {}, "repeat": {},
	"return": {}, "then": {}, "true": {}, "until": {}, "while": {},
}

// longBracket is the level of the long bracket [==[ opening at src[i],
// or -1 when there is none.
func longBracket(src string, i int) int {
	j := i + 1
	for j < len(src) && src[j] == '=' {
		j++
	}
	if j < len(src) && src[j] == '[' {
		return j - i - 1
	}
	return -1
}

// skipLong returns the offset after the long string or comment body whose
// opening bracket is at src[i] (the end of src when it is not closed).
func skipLong(src string, i int) int {
	level := longBracket(src, i)
	closing := "]" + strings.Repeat("=", level) + "]"
	body := i + level + 2
	if k := strings.Index(src[body:], closing); k >= 0 {
		return body + k + len(closing)
	}
	return len(src)
}

// skipComment returns the offset after the comment starting at src[i].
func skipComment(src string, i int) int {
	i += 2
	if i < len(src) && src[i] == '[' && longBracket(src, i) >= 0 {
		return skipLong(src, i)
	}
	for i < len(src) && src[i] != '\n' && src[i] != '\r' {
		i++
	}
	return i
}

func isNameStart(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

func isNameByte(c byte) bool { return isNameStart(c) || isDigit(c) }
