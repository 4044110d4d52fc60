package testkit

import (
	"fmt"
	"net/http"
	"sort"
	"strings"

	lua "github.com/yuin/gopher-lua"
)

// maxUsers bounds sim.user per test: the simulator's guild holds 300.
const maxUsers = 250

// user serves sim.user{name = "dave", roles = {"管理员"}, nick = "…"}: a
// new member of the guild (and of the first group), who joins as a
// GUILD_MEMBER_ADD event, with the roles named (by name or id) given
// through the platform. It returns the user as sim.world lists users.
func (s *suite) user(L *lua.LState) int {
	e := s.current(L)
	opts := L.CheckTable(1)
	name, ok := opts.RawGetString("name").(lua.LString)
	if !ok || name == "" {
		L.ArgError(1, "sim.user{name = \"…\", [roles = {…}]}: name is required")
	}
	opts.ForEach(func(k, _ lua.LValue) {
		switch k {
		case lua.LString("name"), lua.LString("roles"):
		default:
			L.ArgError(1, fmt.Sprintf("sim.user: unknown field %s (name, roles)", lua.LVAsString(k)))
		}
	})
	w := e.platform.World()
	if _, taken := findUser(w, string(name)); taken {
		L.ArgError(1, fmt.Sprintf("sim.user: there is already a user %q", string(name)))
	}
	if len(w.Users) >= maxUsers {
		L.RaiseError("sim.user: the simulator holds at most %d users", maxUsers)
	}
	var wanted []string
	if v := opts.RawGetString("roles"); v != lua.LNil {
		t, ok := v.(*lua.LTable)
		if !ok {
			L.ArgError(1, "sim.user: roles is a list of role names")
		}
		for i := 1; i <= t.Len(); i++ {
			wanted = append(wanted, lua.LVAsString(t.RawGetInt(i)))
		}
	}
	// Resolve the roles first, so a misspelt one adds nobody.
	byName := s.roleNames(L, w.Guild.ID)
	var ids []string
	for _, r := range wanted {
		id := ""
		for rid, n := range byName {
			if n == r || rid == r {
				id = rid
			}
		}
		if id == "" {
			var names []string
			for _, n := range byName {
				names = append(names, fmt.Sprintf("%q", n))
			}
			sort.Strings(names)
			L.ArgError(1, fmt.Sprintf("sim.user: no role %q (the guild has %s)", r, strings.Join(names, ", ")))
		}
		ids = append(ids, id)
	}
	u, err := e.platform.AddMember(w.Guild.ID, string(name))
	if err != nil {
		L.RaiseError("sim.user: %v", err)
	}
	for _, id := range ids {
		path := "/guilds/" + w.Guild.ID + "/members/" + u.ID + "/roles/" + id
		var body any
		if id == "5" { // sub-channel admin: of the first channel
			body = map[string]any{"channel": map[string]string{"id": w.Channels[0].ID}}
		}
		if err := e.api.Do(s.ctx, http.MethodPut, path, nil, body, nil); err != nil {
			L.RaiseError("sim.user: give role %s: %v", id, err)
		}
	}
	s.waitBot(L, "sim.user", func() error { return e.settle(s.ctx) })
	L.Push(userTable(L, u))
	return 1
}
