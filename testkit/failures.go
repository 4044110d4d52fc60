package testkit

import (
	"fmt"
	"strings"
	"sync"

	lua "github.com/yuin/gopher-lua"
)

// failures collects the handlers that failed during one test. A failure
// the test did not announce with sim.expect_error fails the test: an
// error in the bot would otherwise show only as a missing reply, far from
// its cause.
type failures struct {
	mu   sync.Mutex
	list []failure
}

type failure struct{ script, event, err string }

func (f failure) String() string {
	return fmt.Sprintf("script %s failed on %s: %s", f.script, f.event, f.err)
}

func (f *failures) add(script, event, err string) {
	f.mu.Lock()
	f.list = append(f.list, failure{script, event, err})
	f.mu.Unlock()
}

func (f *failures) all() []failure {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]failure(nil), f.list...)
}

// expectError is sim.expect_error(pattern): handler failures whose error
// matches the Lua pattern are part of the test; at its end at least one
// must have happened.
func (s *suite) expectError(L *lua.LState) int {
	s.current(L)
	s.expected = append(s.expected, L.CheckString(1))
	return 0
}

// checkFailures reports the first failure no sim.expect_error pattern
// covers, or the first pattern no failure matched.
func (s *suite) checkFailures(e *env) error {
	matched := make([]bool, len(s.expected))
	for _, f := range e.failures.all() {
		ok := false
		for i, p := range s.expected {
			if s.luaFind(f.err, p) {
				matched[i], ok = true, true
			}
		}
		if !ok {
			return fmt.Errorf("%s (sim.expect_error(pattern) if the test means it)", f)
		}
	}
	for i, m := range matched {
		if !m {
			return fmt.Errorf("sim.expect_error(%q): no handler failed with a matching error", s.expected[i])
		}
	}
	return nil
}

// luaFind is string.find(text, pattern) in the test's VM, so patterns mean
// what they mean everywhere else in Lua.
func (s *suite) luaFind(text, pattern string) bool {
	find := s.L.GetField(s.L.GetGlobal("string"), "find")
	if err := s.L.CallByParam(lua.P{Fn: find, NRet: 1, Protect: true}, lua.LString(text), lua.LString(pattern)); err != nil {
		return strings.Contains(text, pattern)
	}
	v := s.L.Get(-1)
	s.L.Pop(1)
	return v != lua.LNil
}
