package bindings

import (
	"context"
	"log/slog"
	"strings"

	lua "github.com/yuin/gopher-lua"
)

// openLog builds the log module and print:
//
//	log.debug(...) log.info(...) log.warn(...) log.error(...)
//	print(...)   same as log.info
//
// Arguments are joined with spaces after tostring, as print does. Each line
// carries the script name and the calling line.
func (b *binder) openLog() {
	mod := b.L.NewTable()
	levels := map[string]slog.Level{
		"debug": slog.LevelDebug,
		"info":  slog.LevelInfo,
		"warn":  slog.LevelWarn,
		"error": slog.LevelError,
	}
	for name, level := range levels {
		b.L.SetField(mod, name, b.L.NewFunction(b.logAt(level)))
	}
	b.L.SetGlobal("log", mod)
	b.L.SetGlobal("print", b.L.NewFunction(b.logAt(slog.LevelInfo)))
}

func (b *binder) logAt(level slog.Level) lua.LGFunction {
	return func(L *lua.LState) int {
		if !b.env.Logger.Enabled(context.Background(), level) {
			return 0
		}
		n := L.GetTop()
		parts := make([]string, n)
		for i := 1; i <= n; i++ {
			parts[i-1] = L.ToStringMeta(L.Get(i)).String()
		}
		b.env.Logger.Log(context.Background(), level, strings.Join(parts, " "),
			"script", b.env.Script, "at", strings.TrimSuffix(callerPos(L), ": "))
		return 0
	}
}
