package testkit

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	lua "github.com/yuin/gopher-lua"
	"github.com/yuin/gopher-lua/parse"

	"github.com/luabot/luabot/bindings"
	"github.com/luabot/luabot/host"
	"github.com/luabot/luabot/internal/luaproto"
)

//go:embed prelude.lua
var prelude string

// testCase is one test(name, fn) registration.
type testCase struct {
	name string
	fn   *lua.LFunction
}

// suite is one *_test.lua file: its VM, its tests and, while a test runs,
// that test's env.
type suite struct {
	path    string
	scripts []string
	cfg     Config
	L       *lua.LState
	tests   []testCase
	env     *env
	ctx     context.Context // the running test's
	// expected are the running test's sim.expect_error patterns.
	expected []string
	// vm is held by whoever runs Lua on L: the test, or a sim.http stub
	// function called from the bot's request while the test waits in a
	// sim call, which lets go of it (simhttp.go).
	vm chan struct{}
	// settings are what sim.config gave the scripts, for every test of
	// the file.
	settings map[string]map[string]bindings.Setting
}

// runFile runs every test of one file, reporting each as it finishes.
func runFile(ctx context.Context, cfg Config, path string, report func(Result)) {
	scripts, err := scriptsBeside(path)
	if err != nil {
		report(Result{File: path, Name: path, Err: err})
		return
	}
	s := &suite{path: path, scripts: scripts, cfg: cfg, L: newState(), vm: make(chan struct{}, 1)}
	defer s.L.Close()
	if err := s.load(); err != nil {
		report(Result{File: path, Name: path, Err: err})
		return
	}
	if len(s.tests) == 0 {
		report(Result{File: path, Name: path, Err: errors.New("no test(name, fn) in the file")})
		return
	}
	for _, tc := range s.tests {
		if ctx.Err() != nil {
			return
		}
		if cfg.Match != nil && !cfg.Match(tc.name) {
			continue
		}
		began := time.Now()
		err := s.run(ctx, tc)
		report(Result{File: path, Name: tc.name, Err: err, Elapsed: time.Since(began)})
	}
}

// scriptsBeside lists the scripts under test: the scripts of the test's
// folder as a folder argument gives them (host.ScriptsIn: no tests, no
// libraries).
func scriptsBeside(path string) ([]string, error) {
	return host.ScriptsIn(filepath.Dir(path))
}

// load runs the test file's top level, which registers the tests.
func (s *suite) load() error {
	src, err := os.ReadFile(s.path)
	if err != nil {
		return err
	}
	chunk := filepath.ToSlash(s.path)
	stmts, err := host.Parse(string(src), chunk) // goto as a name, as in 5.1
	if err != nil {
		var pe *parse.Error
		if errors.As(err, &pe) && pe.Pos.Line == parse.EOF {
			line, msg := host.SyntaxAtEOF(string(src), chunk)
			return fmt.Errorf("%s:%d: %s", chunk, line, msg)
		}
		if errors.As(err, &pe) {
			return fmt.Errorf("%s:%d: %s near '%s'", chunk, pe.Pos.Line, pe.Message, pe.Token)
		}
		return err
	}
	if err := host.SplitCallAssignments(stmts); err != nil { // a gopher-lua compiler fault, as in scripts
		return fmt.Errorf("%s: %w", chunk, err)
	}
	proto, err := lua.Compile(stmts, chunk)
	if err != nil {
		return err
	}
	s.install()
	ctx, cancel := context.WithTimeout(context.Background(), s.cfg.timeout())
	defer cancel()
	s.L.SetContext(ctx)
	defer s.L.RemoveContext()
	s.L.Push(s.L.NewFunctionFromProto(proto))
	if err := s.L.PCall(0, 0, nil); err != nil {
		return errors.New(message(err))
	}
	return nil
}

// run gives tc a fresh env and calls it.
func (s *suite) run(ctx context.Context, tc testCase) error {
	ctx, cancel := context.WithTimeout(ctx, s.cfg.timeout())
	defer cancel()
	e, err := newEnv(ctx, s.scripts, s.cfg.Logger, s.cfg.location(), s.cfg.Lang, s.settings, s.cfg.OpenStore)
	if err != nil {
		return err
	}
	defer e.close()
	e.http.run = s.runStub
	s.env, s.ctx, s.expected = e, ctx, nil
	defer func() { s.env, s.ctx, s.expected = nil, nil, nil }()
	s.L.SetContext(ctx)
	defer s.L.RemoveContext()
	s.vm <- struct{}{}
	err = s.L.CallByParam(lua.P{Fn: tc.fn, NRet: 0, Protect: true, Handler: s.L.NewFunction(placeError)})
	if err == nil {
		// Still holding the VM: checkFailures runs Lua patterns on it.
		err = s.checkFailures(e)
		<-s.vm
		return err
	}
	<-s.vm
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return fmt.Errorf("the test ran longer than %s", s.cfg.timeout())
	}
	return errors.New(message(err))
}

// placeError is the tests' error handler: error(value) with a value that is
// not a string carries no position, so it gets the line of the function
// that raised it and the value printed as a Lua literal.
func placeError(L *lua.LState) int {
	v := L.Get(1)
	if _, ok := v.(lua.LString); ok {
		L.Push(v)
		return 1
	}
	if mt, ok := L.GetMetatable(v).(*lua.LTable); ok && mt.RawGetString("__tostring") != lua.LNil {
		L.Push(lua.LString(L.Where(2) + " " + L.ToStringMeta(v).String()))
		return 1
	}
	L.Push(lua.LString(L.Where(2) + " error(" + host.Pretty(v) + ")"))
	return 1
}

// newState builds the test VM: trusted code, but sandboxed like scripts
// (no io, no os beyond time, no loading code from files or strings).
func newState() *lua.LState { return host.NewSandbox() }

// install adds test, expect and the sim module.
func (s *suite) install() {
	L := s.L
	L.SetGlobal("test", L.NewFunction(func(L *lua.LState) int {
		name := L.CheckString(1)
		fn := L.CheckFunction(2)
		s.tests = append(s.tests, testCase{name: name, fn: fn})
		return 0
	}))
	// The script API's libraries first: their log module brings a print
	// of its own, which the test's replaces.
	simMod := s.simModule()
	simMod.RawSetString("kv", s.installLibs())
	L.SetGlobal("print", L.NewFunction(func(L *lua.LState) int {
		parts := make([]string, L.GetTop())
		for i := range parts {
			parts[i] = L.ToStringMeta(L.Get(i + 1)).String()
		}
		fmt.Fprintf(s.cfg.output(), "%s %s\n", L.Where(1), strings.Join(parts, "\t"))
		return 0
	}))
	L.SetGlobal("sim", simMod)
	// The test reads the time as its bot does: the virtual clock, in the
	// bot's zone.
	host.ZonedOS(L, s.cfg.location(), func() time.Time {
		if s.env != nil {
			return s.env.clock.Now()
		}
		return startIn(s.cfg.location())
	})
	fn, err := luaproto.Load(L, prelude, preludeChunk)
	if err == nil {
		L.Push(fn)
		L.Push(L.NewFunction(callerLine))
		err = L.PCall(1, 0, nil)
	}
	if err != nil {
		panic("testkit: prelude: " + err.Error()) // a bug in prelude.lua, caught by the tests
	}
}

// preludeChunk names prelude.lua in Lua positions.
const preludeChunk = "testkit"

// callerLine returns "file:line: " for the innermost Lua frame outside the
// prelude: where the failing expect was written.
func callerLine(L *lua.LState) int {
	for level := 0; ; level++ {
		dbg, ok := L.GetStack(level)
		if !ok {
			break
		}
		if _, err := L.GetInfo("Sl", dbg, lua.LNil); err != nil {
			break
		}
		if dbg.CurrentLine > 0 && dbg.Source != preludeChunk {
			L.Push(lua.LString(fmt.Sprintf("%s:%d: ", dbg.Source, dbg.CurrentLine)))
			return 1
		}
	}
	L.Push(lua.LString(""))
	return 1
}

// message is the readable text of a Lua error, without the traceback.
func message(err error) string { return strings.TrimSpace(bindings.ErrorText(err)) }
