package bindings

import (
	"math"
	"time"

	lua "github.com/yuin/gopher-lua"

	"github.com/luabot/luabot/internal/luaproto"
)

// A command's guard decides, before its handler runs, whether this
// invocation may run it: who may (allow: role names, or a check function),
// whether it is cooling down (per user, per channel), and whether each user
// argument names a member the platform knows. Role names and members are
// asked of the platform, which suspends, so the guard runs in the handler's
// coroutine as a small Lua function (guardSource) instead of in Command.
type guard struct {
	allow      []string       // "owner", "admin", "channel_admin", role names or ids
	check      *lua.LFunction // check(ev, args) → ok, [reason]
	perUser    time.Duration
	perChannel time.Duration
}

// The built-in role names and the default role ids they stand for (the
// guild owner also counts as an admin).
var builtinRoles = map[string][]string{
	"owner":         {"4"},
	"admin":         {"2", "4"},
	"channel_admin": {"5"},
}

// Bounds on what a guard keeps.
const (
	maxAllow       = 32
	maxCooldown    = 7 * 24 * time.Hour
	maxCooldownLen = 100_000 // entries across a script's commands
)

// readAllow reads allow = "admin" | {"owner", "版主"} | function(ev, args).
func (g *guard) readAllow(L *lua.LState, name string, v lua.LValue) {
	switch v := v.(type) {
	case *lua.LFunction:
		g.check = v
	case lua.LString:
		g.allow = []string{string(v)}
	case *lua.LTable:
		n := v.Len()
		if n == 0 || n > maxAllow {
			raise(L, "bad option to command %q: allow lists 1 to %d roles", name, maxAllow)
		}
		for i := 1; i <= n; i++ {
			s, ok := v.RawGetInt(i).(lua.LString)
			if !ok || s == "" || len(s) > maxUsage {
				raise(L, "bad option to command %q: allow[%d] must be a role name", name, i)
			}
			g.allow = append(g.allow, string(s))
		}
	default:
		raise(L, "bad option to command %q: allow is a role name, a list of them (\"owner\", \"admin\", \"channel_admin\" or a role's name) or a function(ev, args), got %s", name, v.Type())
	}
}

// readCooldown reads cooldown = seconds (per user) | {user = s, channel = s}.
func (g *guard) readCooldown(L *lua.LState, name string, v lua.LValue) {
	seconds := func(what string, v lua.LValue) time.Duration {
		n, ok := v.(lua.LNumber)
		if !ok || math.IsNaN(float64(n)) || n < 0 || time.Duration(float64(n)*float64(time.Second)) > maxCooldown {
			raise(L, "bad option to command %q: cooldown%s must be a number of seconds from 0 to %d", name, what, int(maxCooldown.Seconds()))
		}
		return time.Duration(float64(n) * float64(time.Second))
	}
	switch v := v.(type) {
	case lua.LNumber:
		g.perUser = seconds("", v)
	case *lua.LTable:
		v.ForEach(func(k, x lua.LValue) {
			switch k {
			case lua.LString("user"):
				g.perUser = seconds(".user", x)
			case lua.LString("channel"):
				g.perChannel = seconds(".channel", x)
			default:
				raise(L, "bad option to command %q: cooldown takes user and channel, not %s", name, shown(k))
			}
		})
	default:
		raise(L, "bad option to command %q: cooldown is seconds per user, or {user = s, channel = s}, got %s", name, v.Type())
	}
}

// guarded reports whether an invocation of c goes through the guard.
func (c *command) guarded() bool {
	g := c.guard
	if len(g.allow) > 0 || g.check != nil || g.perUser > 0 || g.perChannel > 0 {
		return true
	}
	for _, p := range c.params {
		if p.typ == "user" {
			return true
		}
	}
	return false
}

// guardSpec is what the guard function needs for one invocation of c.
func (g *Globals) guardSpec(L *lua.LState, c *command, args *lua.LTable) *lua.LTable {
	spec := L.NewTable()
	spec.RawSetString("fn", c.fn)
	spec.RawSetString("name", lua.LString(c.name))
	spec.RawSetString("denied", lua.LString(g.texts.text("denied", "command", c.name)))
	if len(c.guard.allow) > 0 {
		allow := L.NewTable()
		for _, a := range c.guard.allow {
			if ids, ok := builtinRoles[a]; ok {
				for _, id := range ids {
					allow.Append(lua.LString("=" + id))
				}
				continue
			}
			allow.Append(lua.LString(a))
		}
		spec.RawSetString("allow", allow)
	}
	if c.guard.check != nil {
		spec.RawSetString("check", c.guard.check)
	}
	users := L.NewTable()
	for _, p := range c.params {
		id, ok := args.RawGetString(p.name).(lua.LString)
		if p.typ != "user" || !ok {
			continue
		}
		u := L.NewTable()
		u.RawSetString("id", id)
		u.RawSetString("unknown", lua.LString(g.texts.text("unknown_user", "param", p.name, "user", string(id))))
		users.Append(u)
	}
	spec.RawSetString("users", users)
	return spec
}

// guardSource checks one invocation, then runs the handler. allow entries
// are role ids ("=4") or a role's name or id; names are looked up once per
// invocation, only when no id matched. A user argument is checked with the
// platform in guild channels; elsewhere (DMs, groups, C2C) the platform
// has no member lookup and a mention or id is taken as given.
const guardSource = `
local qq, cool = ...
local function say(ev, text)
  local ok, err = ev:reply(text)
  if not ok then log.warn("command reply failed:", err) end
end
local function permitted(ev, allow)
  if ev.scene ~= "guild" then return false end
  local member = ev.member
  local mine = {}
  for _, id in ipairs(member and member.roles or {}) do mine[tostring(id)] = true end
  local names
  for _, want in ipairs(allow) do
    if want:sub(1, 1) == "=" then
      if mine[want:sub(2)] then return true end
    elseif mine[want] then
      return true
    else
      if not names then
        names = {}
        local list = qq.roles(ev.guild_id)
        for _, r in ipairs(list and list.roles or {}) do names[r.name] = tostring(r.id) end
      end
      if names[want] and mine[names[want]] then return true end
    end
  end
  return false
end
return function(ev, args, spec)
  if spec.allow and not permitted(ev, spec.allow) then return say(ev, spec.denied) end
  if spec.check then
    local ok, why = spec.check(ev, args)
    if not ok then return say(ev, type(why) == "string" and why ~= "" and why or spec.denied) end
  end
  if ev.scene == "guild" and ev.guild_id then
    for _, u in ipairs(spec.users) do
      if not qq.member(ev.guild_id, u.id) then return say(ev, u.unknown) end
    end
  end
  local author = ev.author or {}
  local who = author.id or author.member_openid or author.user_openid or ""
  local wait = cool(spec.name, who, ev.channel_id or ev.group_openid or ev.guild_id or who)
  if wait then return say(ev, wait) end
  return spec.fn(ev, args)
end`

// guardShim builds the guard function, with the qq module it asks and the
// cooldown check (in Go, on the script's clock) as its upvalues.
func (b *binder) guardShim(g *Globals) *lua.LFunction {
	cool := b.L.NewFunction(func(L *lua.LState) int {
		name, who, where := L.CheckString(1), L.CheckString(2), L.CheckString(3)
		for _, c := range g.commands {
			if c.name != name {
				continue
			}
			if wait := g.cooldowns.take(b.env.Clock.Now(), c, who, where); wait > 0 {
				L.Push(lua.LString(g.texts.text("cooldown", "command", c.name, "wait", g.texts.wait(wait))))
				return 1
			}
		}
		return 0
	})
	fn, err := luaproto.Load(b.L, guardSource, shimChunk)
	if err != nil {
		panic("bindings: command guard chunk: " + err.Error())
	}
	b.L.Push(fn)
	b.L.Push(b.L.GetGlobal("qq"))
	b.L.Push(cool)
	b.L.Call(2, 1)
	guardFn := b.L.Get(-1).(*lua.LFunction)
	b.L.Pop(1)
	return guardFn
}

// cooldowns remembers until when each command is cooling down, per user
// and per channel.
type cooldowns struct {
	until  map[string]time.Time
	sweeps int // how many times the table was swept (read by tests)
}

func newCooldowns() *cooldowns { return &cooldowns{until: map[string]time.Time{}} }

// take reports how many whole seconds (rounded up) c still cools down for
// who in where; when it does not, it starts the cooldowns and returns 0.
func (cd *cooldowns) take(now time.Time, c *command, who, where string) int {
	keys := []struct {
		key string
		d   time.Duration
	}{
		{c.name + "\x00user\x00" + who, c.guard.perUser},
		{c.name + "\x00channel\x00" + where, c.guard.perChannel},
	}
	var wait time.Duration
	for _, k := range keys {
		if k.d > 0 {
			wait = max(wait, cd.until[k.key].Sub(now))
		}
	}
	if wait > 0 {
		return int(math.Ceil(wait.Seconds()))
	}
	if len(cd.until) >= maxCooldownLen {
		cd.sweeps++
		for k, t := range cd.until {
			if !t.After(now) {
				delete(cd.until, k)
			}
		}
		if len(cd.until) > maxCooldownLen*3/4 {
			// Most entries still run: forgetting them all lets some users
			// in early, which is better than growing without bound, and
			// better than sweeping the whole table again on each of the
			// next calls (a sweep that freed only a few would).
			clear(cd.until)
		}
	}
	for _, k := range keys {
		if k.d > 0 {
			cd.until[k.key] = now.Add(k.d)
		}
	}
	return 0
}
