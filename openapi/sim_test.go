package openapi_test

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/luabot/luabot/openapi"
	"github.com/luabot/luabot/sim"
)

// The tests in sim_*_test.go run the client against the real simulator
// (package sim) started in-process, instead of the hand-written fake of
// helpers_test.go: what one side gets wrong about the protocol shows up as a
// failed round trip here.

// newSim starts a simulator with cfg and returns it with a client in the
// AppSecret flow pointed at it. Retry and spacing waits are shortened so
// fault tests stay fast; mod may change the client's config further.
func newSim(t *testing.T, cfg sim.Config, mod func(*openapi.Config)) (*sim.Server, *openapi.Client) {
	t.Helper()
	srv, err := sim.New(cfg)
	if err != nil {
		t.Fatalf("sim.New: %v", err)
	}
	if err := srv.Start(); err != nil {
		t.Fatalf("sim.Start: %v", err)
	}
	t.Cleanup(func() {
		if err := srv.Close(); err != nil {
			t.Errorf("sim.Close: %v", err)
		}
	})
	ocfg := openapi.Config{
		AppID:         srv.AppID(),
		Secret:        srv.Secret(),
		BaseURL:       srv.APIURL(),
		TokenURL:      srv.TokenURL(),
		RetryBackoff:  time.Millisecond,
		RouteInterval: time.Millisecond,
	}
	if mod != nil {
		mod(&ocfg)
	}
	c, err := openapi.New(ocfg)
	if err != nil {
		t.Fatalf("openapi.New: %v", err)
	}
	return srv, c
}

// simCtx bounds one test's calls.
func simCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), 15*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// mustPost has a simulated user post p.
func mustPost(t *testing.T, srv *sim.Server, p sim.Post) sim.Message {
	t.Helper()
	m, err := srv.Post(p)
	if err != nil {
		t.Fatalf("sim Post(%+v): %v", p, err)
	}
	return m
}

// wantAPIError fails unless err is an *openapi.Error with status and code.
func wantAPIError(t *testing.T, err error, status, code int) *openapi.Error {
	t.Helper()
	var e *openapi.Error
	if !errors.As(err, &e) || e.Status != status || e.Code != code {
		t.Fatalf("error = %v, want status %d code %d", err, status, code)
	}
	if e.TraceID == "" {
		t.Errorf("error %v has no trace id", err)
	}
	return e
}

// wantTime fails unless s is an RFC3339 timestamp.
func wantTime(t *testing.T, what, s string) time.Time {
	t.Helper()
	ts, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatalf("%s = %q, not RFC3339: %v", what, s, err)
	}
	return ts
}

// lastSent is the last message the simulator recorded from the bot.
func lastSent(t *testing.T, srv *sim.Server) sim.SentMessage {
	t.Helper()
	all := srv.Sent()
	if len(all) == 0 {
		t.Fatal("the simulator recorded no sent message")
	}
	return all[len(all)-1]
}

func TestSim_Gateway(t *testing.T) {
	srv, c := newSim(t, sim.Config{Shards: 2}, nil)
	ctx := simCtx(t)
	url, err := c.Gateway(ctx)
	if err != nil || url != srv.GatewayURL() {
		t.Fatalf("Gateway = %q, %v; want %q", url, err, srv.GatewayURL())
	}
	g, err := c.GatewayBot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if g.URL != srv.GatewayURL() || g.Shards != 2 || g.SessionStartLimit.Total == 0 ||
		g.SessionStartLimit.Remaining != g.SessionStartLimit.Total || g.SessionStartLimit.MaxConcurrency != 1 ||
		g.SessionStartLimit.ResetAfter <= 0 {
		t.Errorf("GatewayBot = %+v", g)
	}
}

func TestSim_Users(t *testing.T) {
	srv, c := newSim(t, sim.Config{}, nil)
	ctx := simCtx(t)
	w := srv.World()
	me, err := c.Me(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if me.ID != w.Bot.ID || me.Username != w.Bot.Username || !me.Bot || me.Avatar == "" {
		t.Errorf("Me = %+v, want the bot %+v", me, w.Bot)
	}

	for _, name := range []string{"second", "third"} {
		if _, err := srv.JoinGuild(name); err != nil {
			t.Fatal(err)
		}
	}
	w = srv.World()
	var want []string
	for _, g := range w.Guilds {
		want = append(want, g.ID)
	}
	var got []string
	for g, err := range c.AllGuilds(ctx) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, g.ID)
	}
	if !slices.Equal(got, want) {
		t.Errorf("AllGuilds = %v, want %v", got, want)
	}
	page, err := c.MeGuilds(ctx, openapi.GuildPager{Limit: 1})
	if err != nil || len(page) != 1 || page[0].ID != want[0] || page[0].Name != w.Guilds[0].Name {
		t.Fatalf("first page = %+v, %v", page, err)
	}
	page, err = c.MeGuilds(ctx, openapi.GuildPager{After: want[0], Limit: 1})
	if err != nil || len(page) != 1 || page[0].ID != want[1] {
		t.Errorf("page after %s = %+v, %v; want %s", want[0], page, err, want[1])
	}
	page, err = c.MeGuilds(ctx, openapi.GuildPager{Before: want[2], Limit: 2})
	if err != nil || len(page) != 2 || page[0].ID != want[1] || page[1].ID != want[0] {
		t.Errorf("page before %s = %+v, %v; want %s %s (nearest first)", want[2], page, err, want[1], want[0])
	}
	page, err = c.MeGuilds(ctx, openapi.GuildPager{After: want[2]})
	if err != nil || len(page) != 0 {
		t.Errorf("page after the last = %+v, %v; want empty", page, err)
	}
}

func TestSim_Guild(t *testing.T) {
	srv, c := newSim(t, sim.Config{}, nil)
	ctx := simCtx(t)
	w := srv.World()
	g, err := c.Guild(ctx, w.Guild.ID)
	if err != nil {
		t.Fatal(err)
	}
	if g.ID != w.Guild.ID || g.Name != w.Guild.Name || g.OwnerID != w.Guild.OwnerID ||
		g.MemberCount != w.Guild.MemberCount || g.MaxMembers == 0 || g.Owner {
		t.Errorf("Guild = %+v, want %+v", g, w.Guild)
	}
	wantTime(t, "joined_at", g.JoinedAt)
	_, err = c.Guild(ctx, "1")
	wantAPIError(t, err, http.StatusNotFound, 10004)

	set, err := c.MessageSetting(ctx, w.Guild.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(set.ChannelIDs, w.Channels[0].ID) || set.ChannelPushMaxNum == 0 {
		t.Errorf("MessageSetting = %+v", set)
	}
}

func TestSim_Channels(t *testing.T) {
	srv, c := newSim(t, sim.Config{}, nil)
	ctx := simCtx(t)
	w := srv.World()
	list, err := c.Channels(ctx, w.Guild.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != len(w.Channels) {
		t.Fatalf("Channels = %+v, want %d", list, len(w.Channels))
	}
	for i, ch := range list {
		if ch.ID != w.Channels[i].ID || ch.Name != w.Channels[i].Name || ch.GuildID != w.Guild.ID || ch.Position != i {
			t.Errorf("channel %d = %+v, want %+v", i, ch, w.Channels[i])
		}
	}
	one, err := c.Channel(ctx, w.Channels[1].ID)
	if err != nil || one.Name != w.Channels[1].Name || one.OwnerID != w.Guild.OwnerID {
		t.Fatalf("Channel = %+v, %v", one, err)
	}

	created, err := c.CreateChannel(ctx, w.Guild.ID, openapi.ChannelToCreate{Name: "news", Type: 0, SubType: 1, SpeakPermission: 2})
	if err != nil {
		t.Fatal(err)
	}
	if created.ID == "" || created.Name != "news" || created.SubType != 1 || created.SpeakPermission != 2 || created.GuildID != w.Guild.ID {
		t.Errorf("CreateChannel = %+v", created)
	}
	if !slices.ContainsFunc(srv.World().Channels, func(ch sim.Channel) bool { return ch.ID == created.ID }) {
		t.Errorf("created channel %s is not in the world", created.ID)
	}

	name, pos := "headlines", 0
	patched, err := c.PatchChannel(ctx, created.ID, openapi.ChannelPatch{Name: &name, Position: &pos})
	if err != nil || patched.Name != name || patched.Position != 0 || patched.SubType != 1 {
		t.Fatalf("PatchChannel = %+v, %v", patched, err)
	}
	if got, err := c.Channel(ctx, created.ID); err != nil || got.Name != name {
		t.Errorf("Channel after patch = %+v, %v", got, err)
	}

	if err := c.DeleteChannel(ctx, created.ID); err != nil {
		t.Fatal(err)
	}
	_, err = c.Channel(ctx, created.ID)
	wantAPIError(t, err, http.StatusNotFound, 10003)
	if len(srv.World().Channels) != len(w.Channels) {
		t.Errorf("world channels after delete = %+v", srv.World().Channels)
	}

}

func TestSim_Members(t *testing.T) {
	srv, c := newSim(t, sim.Config{}, nil)
	ctx := simCtx(t)
	w := srv.World()
	gid := w.Guild.ID
	alice, bob, carol := w.Members[0], w.Members[1], w.Members[2]

	var all []openapi.Member
	for m, err := range c.AllMembers(ctx, gid) {
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, m)
	}
	if len(all) != w.Guild.MemberCount {
		t.Fatalf("AllMembers = %d members, want %d", len(all), w.Guild.MemberCount)
	}
	for _, u := range append([]sim.User{w.Bot}, w.Members...) {
		i := slices.IndexFunc(all, func(m openapi.Member) bool { return m.User.ID == u.ID })
		if i < 0 || all[i].User.Username != u.Username || all[i].User.Bot != u.Bot || len(all[i].Roles) == 0 {
			t.Errorf("member %s (%s) missing or wrong in %+v", u.ID, u.Username, all)
			continue
		}
		wantTime(t, "joined_at", all[i].JoinedAt)
	}
	page, err := c.Members(ctx, gid, openapi.MemberPager{Limit: 2})
	if err != nil || len(page) != 2 {
		t.Fatalf("first page of 2 = %+v, %v", page, err)
	}
	next, err := c.Members(ctx, gid, openapi.MemberPager{After: page[1].User.ID, Limit: 2})
	if err != nil || len(next) != 2 || next[0].User.ID == page[1].User.ID {
		t.Errorf("second page = %+v, %v", next, err)
	}

	m, err := c.Member(ctx, gid, alice.ID)
	if err != nil {
		t.Fatal(err)
	}
	if m.User.ID != alice.ID || m.User.Username != "alice" || !slices.Contains(m.Roles, "4") {
		t.Errorf("Member(alice, the owner) = %+v", m)
	}

	if err := c.MuteMember(ctx, gid, bob.ID, openapi.Mute{MuteSeconds: "60"}); err != nil {
		t.Errorf("MuteMember: %v", err)
	}
	err = c.MuteMember(ctx, gid, bob.ID, openapi.Mute{MuteSeconds: "soon"})
	wantAPIError(t, err, http.StatusBadRequest, 12002)
	if r, err := c.MuteGuild(ctx, gid, openapi.Mute{MuteEndTimestamp: strconv.FormatInt(time.Now().Add(time.Hour).Unix(), 10)}); err != nil || len(r.UserIDs) != 0 {
		t.Errorf("MuteGuild(everyone) = %+v, %v", r, err)
	}
	r, err := c.MuteGuild(ctx, gid, openapi.Mute{MuteSeconds: "0", UserIDs: []string{bob.ID, carol.ID, "1"}})
	if err != nil || !slices.Equal(r.UserIDs, []string{bob.ID, carol.ID}) {
		t.Errorf("MuteGuild(batch) = %+v, %v; want bob and carol", r, err)
	}

	if err := c.DeleteMember(ctx, gid, bob.ID, openapi.KickOptions{AddBlacklist: true, DeleteHistoryMsgDays: -1}); err != nil {
		t.Fatal(err)
	}
	_, err = c.Member(ctx, gid, bob.ID)
	wantAPIError(t, err, http.StatusNotFound, 404)
	if slices.ContainsFunc(srv.World().Members, func(u sim.User) bool { return u.ID == bob.ID }) {
		t.Error("bob is still in the world after the kick")
	}
}

func TestSim_Roles(t *testing.T) {
	srv, c := newSim(t, sim.Config{}, nil)
	ctx := simCtx(t)
	w := srv.World()
	gid, carol := w.Guild.ID, w.Members[2]

	roles, err := c.Roles(ctx, gid)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, r := range roles.Roles {
		ids = append(ids, r.ID)
	}
	if roles.GuildID != gid || roles.RoleNumLimit == "" || !slices.Equal(ids, []string{"1", "2", "4", "5"}) {
		t.Fatalf("Roles = %+v", roles)
	}
	if everyone := roles.Roles[0]; everyone.Name == "" || everyone.Color == 0 || everyone.Number != w.Guild.MemberCount || everyone.MemberLimit == 0 {
		t.Errorf("role 1 = %+v, want every member counted", everyone)
	}

	created, err := c.CreateRole(ctx, gid, openapi.RoleToSet{Name: "helpers", Color: 0xff00ff00, Hoist: 1})
	if err != nil {
		t.Fatal(err)
	}
	rid := created.RoleID
	if rid == "" || created.GuildID != gid || created.Role.ID != rid || created.Role.Name != "helpers" ||
		created.Role.Color != 0xff00ff00 || created.Role.Hoist != 1 {
		t.Fatalf("CreateRole = %+v", created)
	}
	patched, err := c.PatchRole(ctx, gid, rid, openapi.RoleToSet{Name: "mods"})
	if err != nil || patched.Role.Name != "mods" || patched.Role.Color != 0xff00ff00 || patched.RoleID != rid {
		t.Errorf("PatchRole = %+v, %v", patched, err)
	}

	if err := c.AddMemberRole(ctx, gid, carol.ID, rid, ""); err != nil {
		t.Fatal(err)
	}
	if err := c.AddMemberRole(ctx, gid, carol.ID, "5", w.Channels[0].ID); err != nil {
		t.Fatalf("AddMemberRole(5, channel): %v", err)
	}
	m, err := c.Member(ctx, gid, carol.ID)
	if err != nil || !slices.Contains(m.Roles, rid) || !slices.Contains(m.Roles, "5") {
		t.Errorf("carol's roles after adding = %+v, %v", m, err)
	}
	rm, err := c.RoleMembers(ctx, gid, rid, "", 10)
	if err != nil || len(rm.Data) != 1 || rm.Data[0].User.ID != carol.ID || rm.Next != "1" {
		t.Errorf("RoleMembers = %+v, %v", rm, err)
	}
	rm, err = c.RoleMembers(ctx, gid, "1", "1", 2)
	if err != nil || len(rm.Data) != 2 || rm.Next != "3" {
		t.Errorf("RoleMembers(1, from 1, 2) = %+v, %v", rm, err)
	}

	if err := c.RemoveMemberRole(ctx, gid, carol.ID, rid, ""); err != nil {
		t.Fatal(err)
	}
	if m, err := c.Member(ctx, gid, carol.ID); err != nil || slices.Contains(m.Roles, rid) {
		t.Errorf("carol's roles after removing = %+v, %v", m, err)
	}
	if err := c.DeleteRole(ctx, gid, rid); err != nil {
		t.Fatal(err)
	}
	roles, err = c.Roles(ctx, gid)
	if err != nil || slices.ContainsFunc(roles.Roles, func(r openapi.Role) bool { return r.ID == rid }) {
		t.Errorf("Roles after delete = %+v, %v", roles, err)
	}
}

func TestSim_Permissions(t *testing.T) {
	srv, c := newSim(t, sim.Config{}, nil)
	ctx := simCtx(t)
	w := srv.World()
	ch, alice := w.Channels[0].ID, w.Members[0].ID

	p, err := c.MemberPermissions(ctx, ch, alice)
	if err != nil {
		t.Fatal(err)
	}
	if p.ChannelID != ch || p.UserID != alice || p.RoleID != "" {
		t.Errorf("MemberPermissions = %+v", p)
	}
	if _, err := strconv.ParseUint(p.Permissions, 10, 64); err != nil {
		t.Errorf("permissions %q are not a decimal bitmask", p.Permissions)
	}
	if err := c.PutMemberPermissions(ctx, ch, alice, openapi.PermissionChange{Add: "4", Remove: "8"}); err != nil {
		t.Errorf("PutMemberPermissions: %v", err)
	}
	err = c.PutMemberPermissions(ctx, ch, alice, openapi.PermissionChange{Add: "speak"})
	wantAPIError(t, err, http.StatusBadRequest, 12002)

	rp, err := c.RolePermissions(ctx, ch, "2")
	if err != nil || rp.ChannelID != ch || rp.RoleID != "2" || rp.UserID != "" || rp.Permissions == "" {
		t.Errorf("RolePermissions = %+v, %v", rp, err)
	}
	if err := c.PutRolePermissions(ctx, ch, "2", openapi.PermissionChange{Add: "1"}); err != nil {
		t.Errorf("PutRolePermissions: %v", err)
	}

	apis, err := c.APIPermissions(ctx, w.Guild.ID)
	if err != nil || len(apis) == 0 {
		t.Fatalf("APIPermissions = %+v, %v", apis, err)
	}
	for _, a := range apis {
		if a.Path == "" || a.Method == "" || a.Desc == "" || (a.AuthStatus != 0 && a.AuthStatus != 1) {
			t.Errorf("api permission %+v", a)
		}
	}
	demand := openapi.APIPermissionDemand{ChannelID: ch, Desc: "please",
		APIIdentify: openapi.APIIdentifier{Path: "/guilds/{guild_id}/mute", Method: "PATCH"}}
	asked, err := c.DemandAPIPermission(ctx, w.Guild.ID, demand)
	if err != nil || asked.GuildID != w.Guild.ID || asked.ChannelID != ch || asked.APIIdentify != demand.APIIdentify ||
		asked.Title == "" || asked.Desc != "please" {
		t.Errorf("DemandAPIPermission = %+v, %v", asked, err)
	}
	demand.ChannelID = "1"
	_, err = c.DemandAPIPermission(ctx, w.Guild.ID, demand)
	wantAPIError(t, err, http.StatusNotFound, 10003)
}

func TestSim_Interaction(t *testing.T) {
	srv, c := newSim(t, sim.Config{}, nil)
	ctx := simCtx(t)
	in, err := srv.Click(sim.Click{ButtonID: "b1", ButtonData: "yes"})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.AckInteraction(ctx, in.ID, openapi.InteractionOK); err != nil {
		t.Fatal(err)
	}
	got, ok := srv.Interaction(in.ID)
	if !ok || !got.Acked || got.AckBody != `{"code":0}` {
		t.Errorf("interaction after ack = %+v", got)
	}
	err = c.AckInteraction(ctx, "no-such-interaction", openapi.InteractionOK)
	wantAPIError(t, err, http.StatusNotFound, 404)
}

// parseUnix reads a unix-seconds string.
func parseUnix(s string) (int64, error) { return strconv.ParseInt(s, 10, 64) }
