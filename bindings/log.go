package bindings

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/luabot/luabot/internal/luanum"

	lua "github.com/yuin/gopher-lua"
)

// Bounds on what one script may write to the log.
const (
	// maxLogLine is the most one log.*/print line carries; the rest is cut
	// and the line says how many bytes were dropped.
	maxLogLine = 64 << 10
	// A script may write logBurst lines at once, then logRate a second;
	// lines over that are dropped and counted, and the next line that gets
	// through is preceded by a warning with the count.
	logBurst = 1000
	logRate  = 200
)

// openLog builds the log module and print:
//
//	log.debug(...) log.info(...) log.warn(...) log.error(...)
//	print(...)   same as log.info
//
// Arguments are joined with spaces after tostring, as print does. Each line
// carries the script name and the calling line.
func (b *binder) openLog() {
	mod := b.L.CreateTable(0, 4)
	levels := map[string]slog.Level{
		"debug": slog.LevelDebug,
		"info":  slog.LevelInfo,
		"warn":  slog.LevelWarn,
		"error": slog.LevelError,
	}
	limiter := &logLimiter{tokens: logBurst, last: time.Now()}
	for name, level := range levels {
		b.L.SetField(mod, name, b.L.NewFunction(b.logAt(level, limiter)))
	}
	b.L.SetGlobal("log", mod)
	logInfo := b.logAt(slog.LevelInfo, limiter)
	b.L.SetGlobal("print", b.L.NewFunction(func(L *lua.LState) int {
		if b.env.Printer != nil {
			if sink := b.env.Printer(L); sink != nil {
				sink(logLine(L))
				return 0
			}
		}
		return logInfo(L)
	}))
}

func (b *binder) logAt(level slog.Level, limiter *logLimiter) lua.LGFunction {
	return func(L *lua.LState) int {
		if !b.env.Logger.Enabled(context.Background(), level) {
			return 0
		}
		at := strings.TrimSuffix(callerPos(L), ": ")
		ok, dropped := limiter.allow(time.Now())
		if !ok {
			return 0
		}
		if dropped > 0 {
			b.env.Logger.Warn("log lines dropped: the script logs faster than the limit",
				"script", b.env.Script, "dropped", dropped, "limit", fmt.Sprintf("%d lines/s", logRate))
		}
		b.env.Logger.Log(context.Background(), level, logLine(L), "script", b.env.Script, "at", at)
		return 0
	}
}

// logLine joins the arguments with spaces after tostring, keeping at most
// maxLogLine bytes; what is cut is counted, not copied.
func logLine(L *lua.LState) string {
	var sb strings.Builder
	dropped := 0
	for i := 1; i <= L.GetTop(); i++ {
		part := luanum.Text(L, L.Get(i))
		if i > 1 {
			if sb.Len() < maxLogLine {
				sb.WriteByte(' ')
			} else {
				dropped++
			}
		}
		room := maxLogLine - sb.Len()
		if len(part) > room {
			cut := room
			for cut > 0 && !utf8.RuneStart(part[cut]) {
				cut-- // do not split a character
			}
			sb.WriteString(part[:cut])
			dropped += len(part) - cut
			continue
		}
		sb.WriteString(part)
	}
	if dropped > 0 {
		fmt.Fprintf(&sb, " …[%d bytes dropped]", dropped)
	}
	return sb.String()
}

// logLimiter is a token bucket over one script's log lines. Only the
// script's scheduler goroutine logs, so it needs no lock.
type logLimiter struct {
	tokens  float64
	last    time.Time
	dropped int
}

// allow reports whether a line may be written now and, when it may, how
// many were dropped since the last one that was.
func (l *logLimiter) allow(now time.Time) (bool, int) {
	l.tokens = min(logBurst, l.tokens+now.Sub(l.last).Seconds()*logRate)
	l.last = now
	if l.tokens < 1 {
		l.dropped++
		return false, 0
	}
	l.tokens--
	dropped := l.dropped
	l.dropped = 0
	return true, dropped
}
