package bindings

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode"

	lua "github.com/yuin/gopher-lua"
)

// A command is registered with command(usage, fn). Usage strings read
//
//	name <required:type> [optional:type=default] [rest...]
//
// with types string (the default), number, integer and user (a mention or
// an id). Invocations are "/name args", "@bot name args" and
// "@bot /name args"; in DMs, groups and C2C chats every message is
// addressed to the bot, so "name args" works there too. fn gets (ev, args)
// with args keyed by parameter name. A malformed invocation is answered
// with the usage line and fn is not called.
type command struct {
	name   string
	usage  string
	params []param
	fn     *lua.LFunction // nil: the built-in help
}

type param struct {
	name, typ  string
	required   bool
	rest       bool
	def        string
	hasDefault bool
}

// CommandInfo describes a registered command, for help listings.
type CommandInfo struct {
	Name  string
	Usage string // "/roll [sides:number=6]"
}

var (
	commandName = regexp.MustCompile(`^[\p{L}\p{N}_-]+$`)
	// Parameter names are letters of any language (<目标:user>), digits
	// and _; the handler reads them as args["目标"].
	paramToken = regexp.MustCompile(`^([<\[])([\p{L}_][\p{L}\p{N}_]*)(\.\.\.)?(?::([a-z]+))?(?:=([^\]>]*))?([>\]])$`)
	// paramShape is a parameter whatever its name, to tell a bad name
	// from a bad shape.
	paramShape = regexp.MustCompile(`^[<\[]([^:=.\]>]*)`)
	paramName  = regexp.MustCompile(`^[\p{L}_][\p{L}\p{N}_]*$`)
	paramTypes = map[string]bool{"string": true, "number": true, "integer": true, "user": true}
)

// parseUsage turns a usage string into a command.
func parseUsage(usage string) (*command, error) {
	fields := strings.Fields(usage)
	if len(fields) == 0 {
		return nil, fmt.Errorf("empty usage string")
	}
	name := strings.TrimPrefix(fields[0], "/")
	if !commandName.MatchString(name) {
		return nil, fmt.Errorf("command name %q: use letters, digits, _ and -", fields[0])
	}
	c := &command{name: strings.ToLower(name), usage: "/" + strings.Join(append([]string{name}, fields[1:]...), " ")}
	seenOptional := false
	for i, tok := range fields[1:] {
		m := paramToken.FindStringSubmatch(tok)
		if m == nil || (m[1] == "<") != (m[6] == ">") {
			if sm := paramShape.FindStringSubmatch(tok); m == nil && sm != nil && !paramName.MatchString(sm[1]) {
				return nil, fmt.Errorf("parameter %q: name %q: a name is letters (any language), digits and _, not starting with a digit", tok, sm[1])
			}
			return nil, fmt.Errorf("parameter %q: write <name:type>, [name:type=default] or [name...]", tok)
		}
		p := param{name: m[2], typ: m[4], required: m[1] == "<", rest: m[3] != ""}
		if p.typ == "" {
			p.typ = "string"
		}
		if !paramTypes[p.typ] {
			return nil, fmt.Errorf("parameter %q: unknown type %q (string, number, integer or user)", tok, p.typ)
		}
		if p.rest && (p.typ != "string" || i != len(fields)-2) {
			return nil, fmt.Errorf("parameter %q: a rest parameter must be the last one and of type string", tok)
		}
		if strings.Contains(tok, "=") {
			if p.required {
				return nil, fmt.Errorf("parameter %q: only optional [parameters] take a default", tok)
			}
			p.def, p.hasDefault = m[5], true
			if _, err := convertArg(p, p.def); err != nil {
				return nil, fmt.Errorf("parameter %q: default: %v", tok, err)
			}
		}
		if p.required && seenOptional {
			return nil, fmt.Errorf("parameter %q: required parameters come before optional ones", tok)
		}
		seenOptional = seenOptional || !p.required
		c.params = append(c.params, p)
	}
	return c, nil
}

var mention = regexp.MustCompile(`^<@!?([\w-]+)>$`)

func convertArg(p param, s string) (lua.LValue, error) {
	switch p.typ {
	case "number":
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return nil, fmt.Errorf("%s must be a number", p.name)
		}
		return lua.LNumber(f), nil
	case "integer":
		i, err := strconv.ParseInt(s, 10, 64)
		if err != nil || i > maxSafeInt || i < -maxSafeInt {
			return nil, fmt.Errorf("%s must be a whole number", p.name)
		}
		return lua.LNumber(i), nil
	case "user":
		if m := mention.FindStringSubmatch(s); m != nil {
			return lua.LString(m[1]), nil
		}
		if commandName.MatchString(s) {
			return lua.LString(s), nil
		}
		return nil, fmt.Errorf("%s must be a mention or a user id", p.name)
	}
	return lua.LString(s), nil
}

// parseArgs fills the args table from the text after the command name.
func (c *command) parseArgs(L *lua.LState, rest string) (*lua.LTable, error) {
	args := L.NewTable()
	for _, p := range c.params {
		rest = strings.TrimSpace(rest)
		if p.rest {
			if rest == "" && p.required {
				return nil, fmt.Errorf("%s is missing", p.name)
			}
			if rest != "" {
				args.RawSetString(p.name, lua.LString(rest))
			}
			rest = ""
			break
		}
		word, remainder := nextWord(rest)
		if word == "" {
			if p.required {
				return nil, fmt.Errorf("%s is missing", p.name)
			}
			if p.hasDefault {
				v, _ := convertArg(p, p.def)
				args.RawSetString(p.name, v)
			}
			continue
		}
		v, err := convertArg(p, word)
		if err != nil {
			return nil, err
		}
		args.RawSetString(p.name, v)
		rest = remainder
	}
	if strings.TrimSpace(rest) != "" {
		return nil, fmt.Errorf("too many arguments")
	}
	return args, nil
}

// nextWord splits off one argument: a word, or a "double-quoted phrase".
func nextWord(s string) (word, rest string) {
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, `"`) {
		if end := strings.Index(s[1:], `"`); end >= 0 {
			return s[1 : end+1], s[end+2:]
		}
	}
	// Any space ends a word, the full-width space (U+3000) included.
	if i := strings.IndexFunc(s, unicode.IsSpace); i >= 0 {
		return s[:i], s[i:]
	}
	return s, ""
}

// Bounds on what command() keeps.
const (
	maxUsage    = 1 << 10
	maxCommands = 1000
)

// openCommands installs command(usage, [fn]). The built-in help, which
// lists every command of every script, answers "/help" as soon as any script
// has a command and none has its own command("help", fn); command("help")
// without fn asks for it explicitly (and says which script answers).
func (b *binder) openCommands(g *Globals) {
	b.L.SetGlobal("command", b.L.NewFunction(func(L *lua.LState) int {
		usage := checkString(L, 1, "usage")
		// Usage strings are kept in Go and joined into the help listing,
		// outside what the script's memory limit counts.
		if len(usage) > maxUsage {
			raise(L, "bad argument #1 to command: a usage string of %d bytes; at most %d", len(usage), maxUsage)
		}
		if len(g.commands) >= maxCommands {
			raise(L, "command: a script registers at most %d commands", maxCommands)
		}
		c, err := parseUsage(usage)
		if err != nil {
			raise(L, "bad usage string %q: %v", usage, err)
		}
		switch fn := L.Get(2).(type) {
		case *lua.LFunction:
			c.fn = fn
		case *lua.LNilType:
			if c.name != "help" {
				raise(L, "bad argument #2 to command: function expected for %q (only the built-in help needs none)", c.name)
			}
		default:
			raise(L, "bad argument #2 to command: function expected, got %s", fn.Type())
		}
		for _, old := range g.commands {
			if old.name == c.name {
				raise(L, "command %q is already registered by this script", c.name)
			}
		}
		g.commands = append(g.commands, c)
		return 0
	}))
	// Usage and help answers run as ordinary handlers, so their reply
	// waits like any other.
	fn, err := b.L.Load(strings.NewReader(`return function(ev, text) local ok, err = ev:reply(text) if not ok then log.warn("command reply failed:", err) end end`), shimChunk)
	if err != nil {
		panic("bindings: command reply chunk: " + err.Error())
	}
	b.L.Push(fn)
	b.L.Call(0, 1)
	g.replyText = b.L.Get(-1).(*lua.LFunction)
	b.L.Pop(1)
}

// Commands lists the script's commands.
func (g *Globals) Commands() []CommandInfo {
	out := make([]CommandInfo, 0, len(g.commands))
	for _, c := range g.commands {
		out = append(out, CommandInfo{Name: c.name, Usage: c.usage})
	}
	return out
}

// WantsHelp reports whether the script asked for the built-in help.
func (g *Globals) WantsHelp() bool {
	for _, c := range g.commands {
		if c.fn == nil {
			return true
		}
	}
	return false
}

// OwnHelp reports whether the script answers "help" itself
// (command("help", fn)), which silences the built-in help in every script.
func (g *Globals) OwnHelp() bool {
	for _, c := range g.commands {
		if c.name == "help" && c.fn != nil {
			return true
		}
	}
	return false
}

// SetHelp gives the script the text its built-in help answers "help" with,
// whether or not the script registered command("help"); "" leaves the
// answer to another script (or to none).
func (g *Globals) SetHelp(text string) { g.helpText = text }

// Command reports whether ev invokes one of the script's commands and, if
// so, the function to run in a new coroutine and its arguments: the
// command's own handler with (ev, args), or a reply with the usage line.
func (g *Globals) Command(L *lua.LState, ev lua.LValue) (*lua.LFunction, []lua.LValue, bool) {
	t, ok := ev.(*lua.LTable)
	if !ok || len(g.commands) == 0 {
		return nil, nil, false
	}
	text, _ := t.RawGetString("text").(lua.LString)
	body := string(text)
	// Chinese input methods type a full-width slash (／) and space (U+3000).
	if rest, ok := strings.CutPrefix(body, "／"); ok {
		body = "/" + rest
	}
	slash := strings.HasPrefix(body, "/")
	if !slash && !addressedToBot(t) {
		return nil, nil, false
	}
	body = strings.TrimPrefix(body, "/")
	name, rest := nextWord(body)
	name = strings.ToLower(name)
	for _, c := range g.commands {
		if c.name != name {
			continue
		}
		if c.fn == nil {
			if g.helpText == "" {
				return nil, nil, false
			}
			return g.replyText, []lua.LValue{ev, lua.LString(g.helpText)}, true
		}
		args, err := c.parseArgs(L, rest)
		if err != nil {
			return g.replyText, []lua.LValue{ev, lua.LString(fmt.Sprintf("Usage: %s (%v)", c.usage, err))}, true
		}
		return c.fn, []lua.LValue{ev, args}, true
	}
	if name == "help" && g.helpText != "" {
		// The built-in help, given to this script by the host although
		// it never registered command("help").
		return g.replyText, []lua.LValue{ev, lua.LString(g.helpText)}, true
	}
	return nil, nil, false
}

// addressedToBot reports whether a message without a leading "/" is meant
// for the bot: an @-mention, or a chat with the bot alone.
func addressedToBot(t *lua.LTable) bool {
	switch lua.LVAsString(t.RawGetString("type")) {
	case "AT_MESSAGE_CREATE", "DIRECT_MESSAGE_CREATE", "GROUP_AT_MESSAGE_CREATE", "C2C_MESSAGE_CREATE":
		return true
	}
	content := strings.TrimSpace(lua.LVAsString(t.RawGetString("content")))
	return strings.HasPrefix(content, "<@")
}

// HelpText renders the help listing for commands grouped by script.
func HelpText(byScript map[string][]CommandInfo, order []string) string {
	var b strings.Builder
	b.WriteString("Commands:")
	for _, script := range order {
		for _, c := range byScript[script] {
			fmt.Fprintf(&b, "\n%s", c.Usage)
		}
	}
	return b.String()
}
