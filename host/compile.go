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
	stmts, err := parse.Parse(strings.NewReader(src), chunk)
	if err != nil {
		return nil, errors.New(compileMessage(err))
	}
	// One walk: `..` becomes a call (concat.go), then assignments of calls
	// are split (assigncall.go), covering those calls too.
	rw := astRewriter{expr: concatRewrite, stmt: splitCallAssignment}
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
	if err := bindConcat(proto); err != nil {
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
