package bindings

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	lua "github.com/yuin/gopher-lua"
)

// The texts commands answer with on their own (usage lines, argument
// errors, help, refusals, cooldowns), in each language luabot speaks. This
// table is their one source: the bot's language (Env.Lang) picks a column,
// and a script may replace single texts with commands.texts{...}.
//
// Placeholders are {name} words rather than fmt verbs, so that a text a bot
// author writes cannot misformat: an unknown placeholder stays as written.
var commandTexts = map[string]map[string]string{
	"en": {
		"usage":        "Usage: {usage} ({error})",
		"missing":      "{param} is missing",
		"not_number":   "{param} must be a number",
		"not_integer":  "{param} must be a whole number",
		"not_user":     "{param} must be a mention or a user id",
		"unknown_user": "{param}: {user} is not a member here",
		"too_many":     "too many arguments",
		"help":         "Commands:",
		"help_aliases": " (also {aliases})",
		"list_sep":     ", ",
		"help_desc":    " — {desc}",
		"denied":       "You may not use /{command}.",
		"cooldown":     "/{command} is cooling down: try again in {wait}.",
		"seconds":      "{n} s",
		"minutes":      "{m} min",
	},
	"zh": {
		"usage":        "用法：{usage}（{error}）",
		"missing":      "缺少参数 {param}",
		"not_number":   "{param} 必须是数字",
		"not_integer":  "{param} 必须是整数",
		"not_user":     "{param} 必须是 @某人 或用户 ID",
		"unknown_user": "{param}：这里没有成员 {user}",
		"too_many":     "参数过多",
		"help":         "命令列表：",
		"help_aliases": "（又名 {aliases}）",
		"list_sep":     "、",
		"help_desc":    " — {desc}",
		"denied":       "你没有使用 /{command} 的权限。",
		"cooldown":     "/{command} 冷却中，请 {wait}后再试。",
		"seconds":      "{n} 秒",
		"minutes":      "{m} 分钟",
	},
}

// Languages lists the languages of the built-in texts, for flag checks.
func Languages() []string {
	out := make([]string, 0, len(commandTexts))
	for l := range commandTexts {
		out = append(out, l)
	}
	sort.Strings(out)
	return out
}

// ValidLanguage reports whether lang has built-in texts.
func ValidLanguage(lang string) bool { _, ok := commandTexts[lang]; return ok }

// texts is one script's view of the table: its language plus what it
// replaced.
type texts struct {
	lang string
	own  map[string]string
}

// maxRendered bounds one of the script's texts once its placeholders are
// filled in. A text may name a placeholder many times ("{aliases}" 113
// times in 1 KiB), and /help renders one per command: without a bound a
// listing of 100 commands took 700 MB in one call, which no limit can
// stop. A text that would be longer is rendered from the built-in one,
// which names each placeholder once.
const maxRendered = 64 << 10

// maxHelp bounds the help listing: past it a message could not carry it.
const maxHelp = maxEncoded

// text renders key with its placeholders, name1, value1, ....
func (t *texts) text(key string, kv ...string) string {
	s, ok := t.own[key]
	if ok && renderedSize(s, kv) > maxRendered {
		ok = false
	}
	if !ok {
		s = commandTexts[t.language()][key]
	}
	if len(kv) == 0 {
		return s
	}
	pairs := make([]string, 0, len(kv))
	for i := 0; i+1 < len(kv); i += 2 {
		pairs = append(pairs, "{"+kv[i]+"}", kv[i+1])
	}
	return strings.NewReplacer(pairs...).Replace(s)
}

// renderedSize is the length of s once text fills in the placeholders
// name1, value1, ....
func renderedSize(s string, kv []string) int {
	n := len(s)
	for i := 0; i+1 < len(kv); i += 2 {
		ph := "{" + kv[i] + "}"
		n += strings.Count(s, ph) * (len(kv[i+1]) - len(ph))
	}
	return n
}

// wait renders a cooldown's remaining seconds: seconds up to two minutes,
// then whole minutes rounded up.
func (t *texts) wait(seconds int) string {
	if seconds <= 120 {
		return t.text("seconds", "n", fmt.Sprint(seconds))
	}
	return t.text("minutes", "m", fmt.Sprint((seconds+59)/60))
}

// argError is a malformed invocation: a text key and its placeholders, so
// that it is rendered in the script's language.
type argError struct {
	key string
	kv  []string
}

func (e *argError) Error() string { return (&texts{lang: "en"}).text(e.key, e.kv...) }

func argErr(key string, kv ...string) error { return &argError{key: key, kv: kv} }

// usageError is the answer to a malformed invocation.
func (t *texts) usageError(usage string, err error) string {
	msg := err.Error()
	if ae, ok := err.(*argError); ok {
		msg = t.text(ae.key, ae.kv...)
	}
	return t.text("usage", "usage", usage, "error", msg)
}

// help renders the listing of every script's commands: one line each, with
// its aliases and description.
func (t *texts) help(byScript map[string][]CommandInfo, order []string) string {
	var b strings.Builder
	b.WriteString(t.text("help"))
	for _, script := range order {
		for _, c := range byScript[script] {
			if b.Len() > maxHelp {
				return b.String()
			}
			b.WriteString("\n" + c.Usage)
			if len(c.Aliases) > 0 {
				names := make([]string, len(c.Aliases))
				for i, a := range c.Aliases {
					names[i] = "/" + a
				}
				b.WriteString(t.text("help_aliases", "aliases", strings.Join(names, t.text("list_sep"))))
			}
			if c.Desc != "" {
				b.WriteString(t.text("help_desc", "desc", c.Desc))
			}
		}
	}
	return b.String()
}

// shown is a Lua value as an error message quotes it.
func shown(v lua.LValue) string {
	if s, ok := v.(lua.LString); ok {
		return strconv.Quote(string(s))
	}
	return v.Type().String()
}

// maxText bounds one replaced text.
const maxText = 1 << 10

// openCommandsModule installs commands.lang(l) and commands.texts{...}:
// the language of the script's built-in texts, and single texts replaced.
func (b *binder) openCommandsModule(g *Globals) {
	mod := b.L.SetFuncs(b.L.CreateTable(0, 2), map[string]lua.LGFunction{
		"lang": func(L *lua.LState) int {
			if L.GetTop() == 0 {
				L.Push(lua.LString(g.texts.language()))
				return 1
			}
			lang := checkString(L, 1, "lang")
			if !ValidLanguage(lang) {
				raise(L, "bad argument #1 to commands.lang: %q (%s)", lang, strings.Join(Languages(), " or "))
			}
			g.texts.lang = lang
			return 0
		},
		"texts": func(L *lua.LState) int {
			tbl := L.CheckTable(1)
			own := map[string]string{}
			tbl.ForEach(func(k, v lua.LValue) {
				key, _ := k.(lua.LString)
				if _, known := commandTexts["en"][string(key)]; !known {
					keys := make([]string, 0, len(commandTexts["en"]))
					for k := range commandTexts["en"] {
						keys = append(keys, k)
					}
					sort.Strings(keys)
					raise(L, "bad argument #1 to commands.texts: unknown text %s (%s)", shown(k), strings.Join(keys, ", "))
				}
				s, ok := v.(lua.LString)
				if !ok || len(s) > maxText {
					raise(L, "bad argument #1 to commands.texts: %s must be a string of at most %d bytes", key, maxText)
				}
				own[string(key)] = string(s)
			})
			if g.texts.own == nil {
				g.texts.own = map[string]string{}
			}
			for k, v := range own {
				g.texts.own[k] = v
			}
			return 0
		},
	})
	b.L.SetGlobal("commands", mod)
}

// language is the script's language: the one asked for, else English.
func (t *texts) language() string {
	if ValidLanguage(t.lang) {
		return t.lang
	}
	return "en"
}
