package bindings

import (
	"sort"
	"strings"

	lua "github.com/yuin/gopher-lua"
)

// Setting is one configuration value the operator gives a script.
type Setting struct {
	Value string
	// Secret values (API keys, tokens) are replaced by *** wherever the host
	// writes the script's output: log lines, print, errors, the REPL.
	Secret bool
}

// openConfig builds the config module:
//
//	config.get(key) → string | nil     also config.key
//	config.require(key) → string       raises, naming the setting and where to set it
//	config.keys() → {keys}             the keys set, sorted
//
// Values are strings (tonumber them); the script cannot change them.
func (b *binder) openConfig() {
	settings := b.env.Config
	get := func(key string) lua.LValue {
		if s, ok := settings[key]; ok {
			return lua.LString(s.Value)
		}
		return lua.LNil
	}
	mod := b.L.CreateTable(0, 3)
	b.L.SetFuncs(mod, map[string]lua.LGFunction{
		"get": func(L *lua.LState) int {
			L.Push(get(checkString(L, 1, "key")))
			return 1
		},
		"require": func(L *lua.LState) int {
			key := checkString(L, 1, "key")
			v := get(key)
			if v == lua.LNil {
				where := "the operator sets it in the bot's configuration"
				if b.env.ConfigHint != nil {
					where = b.env.ConfigHint(b.env.Script, key)
				}
				raise(L, "config.require(%q): setting %s.%s is not set; %s", key, b.env.Script, key, where)
			}
			L.Push(v)
			return 1
		},
		"keys": func(L *lua.LState) int {
			keys := make([]string, 0, len(settings))
			for k := range settings {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			t := L.CreateTable(len(keys), 0)
			for _, k := range keys {
				t.Append(lua.LString(k))
			}
			L.Push(t)
			return 1
		},
	})
	// config.key reads a setting; the functions above win over settings of
	// the same name. Writes are refused: the operator owns the values.
	mt := b.L.CreateTable(0, 3)
	mt.RawSetString("__index", b.L.NewFunction(func(L *lua.LState) int {
		if k, ok := L.Get(2).(lua.LString); ok {
			L.Push(get(string(k)))
			return 1
		}
		L.Push(lua.LNil)
		return 1
	}))
	mt.RawSetString("__newindex", b.L.NewFunction(func(L *lua.LState) int {
		raise(L, "config is read-only: the operator sets %v", L.Get(2))
		return 0
	}))
	mt.RawSetString("__metatable", lua.LString("locked"))
	b.L.SetMetatable(mod, mt)
	b.L.SetGlobal("config", mod)
}

// Secrets returns the values of settings marked secret, for redaction.
func Secrets(settings map[string]Setting) []string {
	var out []string
	for _, s := range settings {
		if s.Secret && s.Value != "" {
			out = append(out, s.Value)
		}
	}
	// Longest first, so a secret containing another is replaced whole.
	sort.Slice(out, func(i, j int) bool { return len(out[i]) > len(out[j]) })
	return out
}

// Redact replaces every secret in s by ***.
func Redact(s string, secrets []string) string {
	for _, sec := range secrets {
		if strings.Contains(s, sec) {
			s = strings.ReplaceAll(s, sec, "***")
		}
	}
	return s
}

// IsSecretKey reports whether a setting's name says it holds a secret
// (api_key, token, app_secret, password), so that it is redacted even when
// the operator did not mark it.
func IsSecretKey(key string) bool {
	k := strings.ToLower(key)
	for _, w := range []string{"key", "token", "secret", "password", "passwd", "credential"} {
		if k == w || strings.HasSuffix(k, "_"+w) || strings.HasSuffix(k, w) && strings.Contains(k, "api") {
			return true
		}
	}
	return false
}
