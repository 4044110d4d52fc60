package bindings

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode"

	lua "github.com/yuin/gopher-lua"

	"github.com/luabot/luabot/internal/luaproto"
)

// A command is registered with command(usage, [opts], fn). Usage strings
// read
//
//	name|alias <required:type> [optional:type=default] [rest...]
//
// with types string (the default), number, integer and user (a mention or
// the id of a member, checked with the platform in guilds). Invocations are
// "/name args", "@bot name args" and "@bot /name args"; in DMs, groups and
// C2C chats every message is addressed to the bot, so "name args" works
// there too. fn gets (ev, args) with args keyed by parameter name. A
// malformed invocation is answered with the usage line and fn is not
// called. opts adds a description and aliases for help, strict (extra words
// are an error), allow (who may run it: role names or a check function) and
// cooldown (commands_guard.go).
type command struct {
	name    string
	aliases []string
	desc    string
	usage   string
	params  []param
	strict  bool
	fn      *lua.LFunction // nil: the built-in help
	guard   guard
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
	Name    string
	Usage   string   // "/roll [sides:number=6]"
	Aliases []string // other names, without the slash
	Desc    string
}

// The command patterns are compiled when a script first uses commands, not
// when the program starts: their Unicode classes (\p{L}, \p{N}) made them
// 277 KB of allocation and most of this package's init in every luabot
// process, commands or not.
var (
	commandName = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[\p{L}\p{N}_-]+$`) })
	// Parameter names are letters of any language (<目标:user>), digits
	// and _; the handler reads them as args["目标"].
	paramToken = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`^([<\[])([\p{L}_][\p{L}\p{N}_]*)(\.\.\.)?(?::([a-z]+))?(?:=([^\]>]*))?([>\]])$`)
	})
	// paramShape is a parameter whatever its name, to tell a bad name
	// from a bad shape.
	paramShape = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[<\[]([^:=.\]>]*)`) })
	paramName  = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[\p{L}_][\p{L}\p{N}_]*$`) })
	mention    = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^<@!?([\w-]+)>$`) })
	paramTypes = map[string]bool{"string": true, "number": true, "integer": true, "user": true}
)

// CheckUsage judges a usage string as command() does, with the same
// message, for luabot check, which judges each literal on its own (a name
// that another script also registers is no mistake).
func CheckUsage(usage string) error {
	if _, err := parseUsage(usage); err != nil {
		return fmt.Errorf("bad usage string %q: %v", usage, err)
	}
	return nil
}

// parseUsage turns a usage string into a command.
func parseUsage(usage string) (*command, error) {
	fields := strings.Fields(usage)
	if len(fields) == 0 {
		return nil, fmt.Errorf("empty usage string")
	}
	// "签到|checkin": the first name is the command's, the others aliases.
	names := strings.Split(strings.TrimPrefix(fields[0], "/"), "|")
	for _, n := range names {
		if !commandName().MatchString(n) {
			return nil, fmt.Errorf("command name %q: use letters, digits, _ and -, and | between aliases", n)
		}
	}
	name := names[0]
	c := &command{name: strings.ToLower(name), usage: "/" + strings.Join(append([]string{name}, fields[1:]...), " ")}
	for _, a := range names[1:] {
		c.aliases = append(c.aliases, strings.ToLower(a))
	}
	seenOptional := false
	for i, tok := range fields[1:] {
		m := paramToken().FindStringSubmatch(tok)
		if m == nil || (m[1] == "<") != (m[6] == ">") {
			if sm := paramShape().FindStringSubmatch(tok); m == nil && sm != nil && !paramName().MatchString(sm[1]) {
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

func convertArg(p param, s string) (lua.LValue, error) {
	switch p.typ {
	case "number":
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return nil, argErr("not_number", "param", p.name)
		}
		return lua.LNumber(f), nil
	case "integer":
		i, err := strconv.ParseInt(s, 10, 64)
		if err != nil || i > maxSafeInt || i < -maxSafeInt {
			return nil, argErr("not_integer", "param", p.name)
		}
		return lua.LNumber(i), nil
	case "user":
		if m := mention().FindStringSubmatch(s); m != nil {
			return lua.LString(m[1]), nil
		}
		if commandName().MatchString(s) {
			return lua.LString(s), nil
		}
		return nil, argErr("not_user", "param", p.name)
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
				return nil, argErr("missing", "param", p.name)
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
				return nil, argErr("missing", "param", p.name)
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
	if c.strict && strings.TrimSpace(rest) != "" {
		return nil, argErr("too_many")
	}
	return args, nil
}

// nextWord splits off one argument: a word, or a "double-quoted phrase"
// (an unclosed quote is part of the word).
func nextWord(s string) (word, rest string) {
	s = strings.TrimSpace(s)
	// Straight quotes, and the curly ones Chinese input methods type.
	for _, q := range [][2]string{{`"`, `"`}, {"“", "”"}} {
		if body, ok := strings.CutPrefix(s, q[0]); ok {
			if end := strings.Index(body, q[1]); end >= 0 {
				return body[:end], body[end+len(q[1]):]
			}
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

// openCommands installs command(usage, [opts], fn) and the commands
// module. The built-in help, which lists every command of every script,
// answers "/help" as soon as any script has a command and none has its own
// command("help", fn); command("help") without fn asks for it explicitly
// (and says which script answers).
func (b *binder) openCommands(g *Globals) {
	g.texts = &texts{lang: b.env.Lang}
	g.cooldowns = newCooldowns()
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
		fnArg := 2
		if opts, ok := L.Get(2).(*lua.LTable); ok {
			fnArg = 3
			readCommandOpts(L, c, opts)
		}
		switch fn := L.Get(fnArg).(type) {
		case *lua.LFunction:
			c.fn = fn
		case *lua.LNilType:
			if c.name != "help" {
				raise(L, "bad argument #%d to command: function expected for %q (only the built-in help needs none)", fnArg, c.name)
			}
		default:
			raise(L, "bad argument #%d to command: function expected, got %s", fnArg, fn.Type())
		}
		for _, old := range g.commands {
			for _, n := range c.names() {
				if slices.Contains(old.names(), n) {
					raise(L, "command %q is already registered by this script", n)
				}
			}
		}
		g.commands = append(g.commands, c)
		return 0
	}))
	b.openCommandsModule(g)
	// Usage and help answers run as ordinary handlers, so their reply
	// waits like any other.
	fn, err := luaproto.Load(b.L, `return function(ev, text) local ok, err = ev:reply(text) if not ok then log.warn("command reply failed:", err) end end`, shimChunk)
	if err != nil {
		panic("bindings: command reply chunk: " + err.Error())
	}
	b.L.Push(fn)
	b.L.Call(0, 1)
	g.replyText = b.L.Get(-1).(*lua.LFunction)
	b.L.Pop(1)
	g.guardFn = b.guardShim(g)
}

// Bounds on a command's options.
const (
	maxDesc    = 512
	maxAliases = 16
)

// readCommandOpts reads command's opts table into c: desc, aliases,
// strict, allow and cooldown.
func readCommandOpts(L *lua.LState, c *command, opts *lua.LTable) {
	bad := func(format string, args ...any) {
		raise(L, "bad option to command %q: %s", c.name, fmt.Sprintf(format, args...))
	}
	opts.ForEach(func(k, v lua.LValue) {
		key, _ := k.(lua.LString)
		switch key {
		case "desc":
			s, ok := v.(lua.LString)
			if !ok {
				bad("desc must be a string, got %s", v.Type())
			}
			if len(s) > maxDesc {
				bad("desc of %d bytes; at most %d", len(s), maxDesc)
			}
			c.desc = string(s)
		case "aliases":
			t, ok := v.(*lua.LTable)
			if !ok {
				bad("aliases must be a list of names, got %s", v.Type())
			}
			n := t.Len()
			if n > maxAliases {
				bad("%d aliases; at most %d", n, maxAliases)
			}
			for i := 1; i <= n; i++ {
				a, ok := t.RawGetInt(i).(lua.LString)
				name := strings.TrimPrefix(string(a), "/")
				if !ok || !commandName().MatchString(name) {
					bad("alias %s: use letters, digits, _ and -", shown(t.RawGetInt(i)))
				}
				c.aliases = append(c.aliases, strings.ToLower(name))
			}
		case "strict":
			c.strict = lua.LVAsBool(v)
		case "allow":
			c.guard.readAllow(L, c.name, v)
		case "cooldown":
			c.guard.readCooldown(L, c.name, v)
		default:
			bad("unknown option %s (desc, aliases, strict, allow or cooldown)", shown(k))
		}
	})
	if len(c.aliases) > maxAliases {
		raise(L, "bad option to command %q: %d aliases; at most %d", c.name, len(c.aliases), maxAliases)
	}
}

// names are the command's name and its aliases.
func (c *command) names() []string { return append([]string{c.name}, c.aliases...) }

// Commands lists the script's commands.
func (g *Globals) Commands() []CommandInfo {
	out := make([]CommandInfo, 0, len(g.commands))
	for _, c := range g.commands {
		out = append(out, CommandInfo{Name: c.name, Usage: c.usage, Aliases: slices.Clone(c.aliases), Desc: c.desc})
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

// SetHelp gives the script the listing its built-in help answers "help"
// with (every script's commands, in order), whether or not the script
// registered command("help"); nil leaves the answer to another script (or
// to none). The script renders it in its own language.
func (g *Globals) SetHelp(byScript map[string][]CommandInfo, order []string) {
	g.helpList, g.helpOrder = byScript, order
}

// helpText is the built-in help's answer, in the script's language; ""
// when another script answers.
func (g *Globals) helpText() string {
	if g.helpList == nil {
		return ""
	}
	return g.texts.help(g.helpList, g.helpOrder)
}

// Command reports whether ev invokes one of the script's commands and, if
// so, the function to run in a new coroutine and its arguments: the
// command's own handler with (ev, args), through the guard when the
// command has permissions, a cooldown or user parameters, or a reply with
// the usage line.
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
		if !slices.Contains(c.names(), name) {
			continue
		}
		if c.fn == nil {
			help := g.helpText()
			if help == "" {
				return nil, nil, false
			}
			return g.replyText, []lua.LValue{ev, lua.LString(help)}, true
		}
		args, err := c.parseArgs(L, rest)
		if err != nil {
			return g.replyText, []lua.LValue{ev, lua.LString(g.texts.usageError(c.usage, err))}, true
		}
		if c.guarded() {
			return g.guardFn, []lua.LValue{ev, args, g.guardSpec(L, c, args)}, true
		}
		return c.fn, []lua.LValue{ev, args}, true
	}
	if name == "help" && g.helpList != nil {
		// The built-in help, given to this script by the host although
		// it never registered command("help").
		return g.replyText, []lua.LValue{ev, lua.LString(g.helpText())}, true
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

// HelpText renders the help listing for commands grouped by script, in
// English: what the host logs and tests compare against.
func HelpText(byScript map[string][]CommandInfo, order []string) string {
	return (&texts{lang: "en"}).help(byScript, order)
}
