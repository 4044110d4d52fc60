package bindings

import (
	"sort"

	lua "github.com/yuin/gopher-lua"

	"github.com/luabot/luabot/dispatch"
)

// MessageEvents are the platform events the "message" pseudo-event covers.
var MessageEvents = []string{
	"AT_MESSAGE_CREATE", "MESSAGE_CREATE", "DIRECT_MESSAGE_CREATE",
	"GROUP_AT_MESSAGE_CREATE", "C2C_MESSAGE_CREATE",
}

// Pseudo-events that are not platform dispatches.
const (
	EventMessage = "message" // any incoming message
	EventButton  = "button"  // a button press: INTERACTION_CREATE, acknowledged by the host
	EventUnload  = "unload"  // the script is about to be stopped or replaced
)

// InteractionEvent is the platform event "button" handlers get.
const InteractionEvent = "INTERACTION_CREATE"

// knownEvent reports whether scripts may subscribe to name.
func knownEvent(name string) bool {
	switch name {
	case "READY", "RESUMED", EventMessage, EventButton, EventUnload:
		return true
	}
	if len(name) > maxEventName {
		return false
	}
	// Dispatch matches names exactly, so only the platform's spelling counts.
	_, ok := dispatch.IntentFor(name)
	return ok && name == upper(name)
}

type subscription struct {
	event string
	fn    *lua.LFunction
	once  bool
	off   bool
}

// Globals is what Install put into one script: the host reads the handler
// registry and builds event objects through it.
type Globals struct {
	b    *binder
	subs []*subscription
	ev   *eventBuilder

	commands  []*command
	helpList  map[string][]CommandInfo // the built-in help's listing; nil: another script answers
	helpOrder []string
	texts     *texts         // the built-in texts in the script's language
	cooldowns *cooldowns     // commands_guard.go
	replyText *lua.LFunction // function(ev, text): ev:reply(text)
	guardFn   *lua.LFunction // function(ev, args, spec): commands_guard.go
}

// Subscribed returns the distinct event names the script listens to,
// sorted, as the script wrote them ("message" included as such).
func (g *Globals) Subscribed() []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range g.subs {
		if !s.off && !seen[s.event] {
			seen[s.event] = true
			out = append(out, s.event)
		}
	}
	sort.Strings(out)
	return out
}

// IsMessageEvent reports whether the "message" pseudo-event covers t.
func IsMessageEvent(t string) bool {
	for _, m := range MessageEvents {
		if m == t {
			return true
		}
	}
	return false
}

// Functions returns every function the host holds for the script
// (handlers and commands), for memory estimates.
func (g *Globals) Functions() []*lua.LFunction {
	var fns []*lua.LFunction
	for _, s := range g.subs {
		fns = append(fns, s.fn)
	}
	for _, c := range g.commands {
		if c.fn != nil {
			fns = append(fns, c.fn)
		}
		if c.guard.check != nil {
			fns = append(fns, c.guard.check)
		}
	}
	return fns
}

// HasCommands reports whether the script registered any command.
func (g *Globals) HasCommands() bool { return len(g.commands) > 0 }

// Wrap exposes a Go function that may yield to the host through the same
// result-padding shim the bindings use.
func (g *Globals) Wrap(fn lua.LGFunction) *lua.LFunction { return g.b.async.wrap(g.b.L, fn) }

// Handlers returns the functions to run for eventType, in registration
// order, and retires once-handlers so they run a single time.
func (g *Globals) Handlers(eventType string) []*lua.LFunction {
	return g.HandlersFor(eventType, IsMessageEvent(eventType))
}

// HandlersFor is Handlers that includes the "message" handlers only when
// isMessage is true: the host passes false for a message the "message"
// handlers already had under another event type.
func (g *Globals) HandlersFor(eventType string, isMessage bool) []*lua.LFunction {
	var fns []*lua.LFunction
	live := g.subs[:0]
	for _, s := range g.subs {
		if !s.off && (s.event == eventType || (isMessage && s.event == EventMessage) || (s.event == EventButton && eventType == InteractionEvent)) {
			fns = append(fns, s.fn)
			if s.once {
				s.off = true
			}
		}
		if !s.off {
			live = append(live, s)
		}
	}
	// Drop retired subscriptions so a script that keeps adding once-handlers
	// does not grow the list forever.
	for i := len(live); i < len(g.subs); i++ {
		g.subs[i] = nil
	}
	g.subs = live
	return fns
}

// openHandlers installs on(event, fn) and once(event, fn); both return a
// handle whose :off() unregisters the handler.
func (b *binder) openHandlers() *Globals {
	g := &Globals{b: b, ev: newEventBuilder(b)}
	register := func(once bool) lua.LGFunction {
		return func(L *lua.LState) int {
			name := checkString(L, 1, "event name")
			fn, ok := L.Get(2).(*lua.LFunction)
			if !ok {
				raise(L, "bad argument #2 to on: function expected, got %s", L.Get(2).Type())
			}
			if !knownEvent(name) {
				shown := name
				if len(shown) > maxEventName {
					shown = shown[:maxEventName] + "…"
				}
				if guess := closestEvent(name); guess != "" {
					raise(L, "unknown event %q (did you mean %q?)", shown, guess)
				}
				raise(L, "unknown event %q", shown)
			}
			s := &subscription{event: name, fn: fn, once: once}
			g.subs = append(g.subs, s)
			handle := L.CreateTable(0, 2)
			handle.RawSetString("event", lua.LString(name))
			handle.RawSetString("off", L.NewFunction(func(L *lua.LState) int {
				s.off = true
				return 0
			}))
			L.Push(handle)
			return 1
		}
	}
	b.L.SetGlobal("on", b.L.NewFunction(register(false)))
	b.L.SetGlobal("once", b.L.NewFunction(register(true)))
	b.openCommands(g)
	return g
}

// maxEventName is longer than any event name. A longer name gets no suggestion (the edit
// distance costs its length times each candidate's, in Go, where no CPU limit reaches)
// and is shortened in the error.
const maxEventName = 64

// closestEvent suggests a known event name for a typo, or "".
func closestEvent(name string) string {
	if len(name) > maxEventName {
		return ""
	}
	candidates := append([]string{"READY", "RESUMED", EventMessage, EventUnload}, dispatch.EventTypes()...)
	best, bestDist := "", 4
	for _, c := range candidates {
		if d := editDistance(upper(name), upper(c)); d < bestDist {
			best, bestDist = c, d
		}
	}
	return best
}

func upper(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'a' <= c && c <= 'z' {
			b[i] = c - 'a' + 'A'
		}
	}
	return string(b)
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
