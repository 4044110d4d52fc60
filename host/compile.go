package host

import (
	"errors"
	"fmt"
	"strings"

	lua "github.com/yuin/gopher-lua"
	"github.com/yuin/gopher-lua/parse"

	"github.com/luabot/luabot/internal/luaproto"
)

// compile parses and compiles source once; the proto is read-only and can
// be instantiated in any sandbox (its .. operators call the checked
// concatenation, concat.go).
func compile(src, chunk string) (*lua.FunctionProto, error) {
	stmts, err := Parse(src, chunk) // gotoname.go
	var pe *parse.Error
	if errors.As(err, &pe) && pe.Pos.Line == parse.EOF {
		line, msg := SyntaxAtEOF(src, chunk)
		return nil, fmt.Errorf("%s:%d: %s", chunk, line, msg)
	}
	if err != nil {
		return nil, errors.New(compileMessage(err))
	}
	// One walk: `..` and # become calls (concat.go, length.go), then
	// assignments of calls are split (assigncall.go), covering those calls
	// too.
	rw := astRewriter{expr: builtinRewrite, stmt: splitCallAssignment}
	if err := rw.run(stmts); err != nil {
		return nil, fmt.Errorf("%s: %w", chunk, err)
	}
	proto, err := lua.Compile(stmts, chunk)
	var ce *lua.CompileError
	if errors.As(err, &ce) {
		return nil, fmt.Errorf("%s:%d: %s", chunk, ce.Line, ce.Message)
	}
	if err != nil {
		return nil, err
	}
	if err := bindBuiltins(proto); err != nil {
		return nil, fmt.Errorf("%s: %w", chunk, err)
	}
	luaproto.Trim(proto)
	return proto, nil
}

// compileMessage rewrites gopher-lua's syntax errors ("x.lua line:3(column:5)
// near 'foo': syntax error") into the file:line form every other Lua error
// uses, so editors and humans find the line.
func compileMessage(err error) string {
	var pe *parse.Error
	var ce *lua.CompileError
	var ae *lua.ApiError
	switch {
	case errors.As(err, &pe):
		if pe.Pos.Line == parse.EOF {
			return fmt.Sprintf("%s: %s at end of file", pe.Pos.Source, pe.Message)
		}
		return fmt.Sprintf("%s:%d: %s near '%s'", pe.Pos.Source, pe.Pos.Line, pe.Message, pe.Token)
	case errors.As(err, &ce):
		return fmt.Sprintf("line %d: %s", ce.Line, ce.Message)
	case errors.As(err, &ae) && ae.Cause != nil:
		return compileMessage(ae.Cause)
	}
	return strings.TrimSpace(err.Error())
}

// SyntaxAtEOF explains a syntax error at the end of src, which gopher-lua
// reports with no line ("at EOF"): almost always a block or a bracket left
// open. It names the innermost one, as Lua 5.1 does ("'end' expected (to
// close 'if' at line 2)"), and returns the file's last line as the place.
func SyntaxAtEOF(src, chunk string) (line int, msg string) {
	line = strings.Count(strings.TrimRight(src, "\r\n"), "\n") + 1
	type opener struct {
		word  string
		close string
		line  int
	}
	var stack []opener
	var loop *opener // a while or for waiting for its do
	pop := func(close string) {
		if n := len(stack); n > 0 && stack[n-1].close == close {
			stack = stack[:n-1]
		}
	}
	sc := parse.NewScanner(strings.NewReader(src), chunk)
	lx := &parse.Lexer{}
	for {
		tok, err := sc.Scan(lx)
		if err != nil || tok.Type == parse.EOF {
			break
		}
		at := tok.Pos.Line
		switch tok.Type {
		case parse.TFunction:
			stack = append(stack, opener{"function", "end", at})
		case parse.TIf:
			stack = append(stack, opener{"if", "end", at})
		case parse.TWhile:
			loop = &opener{"while", "end", at}
		case parse.TFor:
			loop = &opener{"for", "end", at}
		case parse.TDo:
			if loop != nil {
				stack, loop = append(stack, *loop), nil
			} else {
				stack = append(stack, opener{"do", "end", at})
			}
		case parse.TRepeat:
			stack = append(stack, opener{"repeat", "until", at})
		case '(':
			stack = append(stack, opener{"(", ")", at})
		case '{':
			stack = append(stack, opener{"{", "}", at})
		case '[':
			stack = append(stack, opener{"[", "]", at})
		case parse.TEnd:
			pop("end")
		case parse.TUntil:
			pop("until")
		case ')', '}', ']':
			pop(string(rune(tok.Type)))
		}
	}
	if len(stack) == 0 {
		return line, "syntax error at end of file"
	}
	o := stack[len(stack)-1]
	return line, fmt.Sprintf("syntax error at end of file: '%s' expected (to close '%s' at line %d)", o.close, o.word, o.line)
}
