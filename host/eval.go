package host

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	lua "github.com/yuin/gopher-lua"

	"github.com/luabot/luabot/bindings"
	"github.com/yuin/gopher-lua/parse"
)

// replEvent names REPL evaluations among a script's handlers: they may
// define globals, which handlers may not.
const replEvent = "repl"

// ErrIncomplete is returned by Eval for input that is a prefix of valid
// Lua (an unclosed function or string): a REPL asks for more lines.
var ErrIncomplete = errors.New("host: incomplete input")

// ErrNoScript is returned by Eval and Complete for an unknown script name.
var ErrNoScript = errors.New("host: no such script")

// Eval runs code in the named script's VM as a handler of its own, so
// waiting calls (qq.*, sleep) work, and returns what it printed (print's
// lines, which are not logged) followed by its results as Lua literals.
// An expression is evaluated as one ("1+1" prints 2). When the code
// fails, out still holds what it printed before the error.
func (h *Host) Eval(ctx context.Context, scriptName, code string) (string, error) {
	s := h.script(scriptName)
	if s == nil {
		return "", fmt.Errorf("%w %q (loaded: %s)", ErrNoScript, scriptName, strings.Join(h.Scripts(), ", "))
	}
	type result struct {
		out string
		err error
	}
	done := make(chan result, 1)
	ran := s.do(func() {
		fn, expr, err := s.compileInput(code)
		if err != nil {
			done <- result{err: err}
			return
		}
		th, _ := s.L.NewThread()
		hd := &handler{event: replEvent, th: th}
		ctx, cancel := context.WithCancel(context.Background())
		hd.ctx, hd.cancel = forVM(ctx), cancel
		// What the input prints is shown at the prompt, before its results.
		var printed []string
		kept, dropped := 0, 0
		hd.printed = func(line string) {
			if kept+len(line) > maxPrinted {
				dropped++
				return
			}
			kept += len(line)
			printed = append(printed, line)
		}
		hd.onResult = func(vals []lua.LValue, failure string) {
			if dropped > 0 {
				printed = append(printed, fmt.Sprintf("…[%d printed lines dropped]", dropped))
			}
			out := ""
			if len(printed) > 0 {
				out = bindings.Redact(strings.Join(printed, "\n"), s.secrets)
			}
			if failure != "" {
				done <- result{out: out, err: errors.New(bindings.Redact(failure, s.secrets))}
				return
			}
			if expr && len(vals) > 0 {
				n, _ := vals[0].(lua.LNumber)
				vals = vals[1:min(len(vals), 1+int(n))]
			}
			parts := make([]string, 0, len(vals))
			for _, v := range vals {
				parts = append(parts, pretty(v))
			}
			if !expr && len(vals) == 1 && vals[0] == lua.LNil {
				parts = nil // a statement prints nothing
			}
			if res := bindings.Redact(strings.Join(parts, "\t"), s.secrets); res != "" && out != "" {
				out += "\n" + res
			} else if res != "" {
				out = res
			}
			done <- result{out: out}
		}
		th.SetContext(hd.ctx)
		s.threads[th] = hd
		s.inflight.Add(1)
		s.resume(hd, fn)
	})
	if !ran {
		return "", fmt.Errorf("host: script %q has stopped", scriptName)
	}
	select {
	case r := <-done:
		return r.out, r.err
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

// compileInput compiles REPL input, as an expression first. Input that
// ends too early either way (an unclosed function or string, "1 +") is
// incomplete: the REPL asks for another line.
func (s *script) compileInput(code string) (fn *lua.LFunction, expr bool, err error) {
	// An expression is returned with its count first, so that a call
	// returning nothing (print(x)) prints nothing while the expression nil
	// prints nil, as in Lua 5.3's prompt.
	wrapped := "return (function(...) return select('#', ...), ... end)(" + code + "\n)"
	if proto, err := compile(wrapped, "repl"); err == nil {
		s.replSource = wrapped
		return s.L.NewFunctionFromProto(proto), true, nil
	}
	atEOF := func(src string) bool {
		_, err := Parse(src, "repl")
		var pe *parse.Error
		return errors.As(err, &pe) && pe.Pos.Line == parse.EOF
	}
	if atEOF(code) || atEOF("return "+code) {
		return nil, false, ErrIncomplete
	}
	proto, err := compile(code, "repl")
	if err != nil {
		return nil, false, err
	}
	s.replSource = code
	return s.L.NewFunctionFromProto(proto), false, nil
}

// Complete returns the globals or module members of the named script that
// start with prefix ("qq.se" → "qq.send"), for tab completion.
func (h *Host) Complete(scriptName, prefix string) ([]string, error) {
	s := h.script(scriptName)
	if s == nil {
		return nil, fmt.Errorf("%w %q", ErrNoScript, scriptName)
	}
	done := make(chan []string, 1)
	if !s.do(func() { done <- s.namesWithPrefix(prefix) }) {
		return nil, nil
	}
	return <-done, nil
}

func (s *script) namesWithPrefix(prefix string) []string {
	table := s.L.Get(lua.GlobalsIndex).(*lua.LTable)
	path, last := "", prefix
	if i := strings.LastIndexAny(prefix, ".:"); i >= 0 {
		path, last = prefix[:i+1], prefix[i+1:]
		v := lua.LValue(table)
		for _, part := range strings.FieldsFunc(prefix[:i], func(r rune) bool { return r == '.' || r == ':' }) {
			t, ok := v.(*lua.LTable)
			if !ok {
				return nil
			}
			v = t.RawGetString(part)
		}
		t, ok := v.(*lua.LTable)
		if !ok {
			return nil
		}
		table = t
	}
	var out []string
	table.ForEach(func(k, _ lua.LValue) {
		if name, ok := k.(lua.LString); ok && strings.HasPrefix(string(name), last) && !strings.HasPrefix(string(name), "\x00") {
			out = append(out, path+string(name))
		}
	})
	sort.Strings(out)
	return out
}

// maxPrinted bounds what one REPL evaluation's print calls keep for the
// prompt; the rest is counted, not kept.
const maxPrinted = 1 << 20

// printer is bindings.Env.Printer: the sink of a REPL evaluation's thread,
// nil (the log) for every other. It runs on the scheduler goroutine, which
// owns s.threads.
func (s *script) printer(L *lua.LState) func(string) {
	if hd := s.threads[L]; hd != nil {
		return hd.printed
	}
	return nil
}
