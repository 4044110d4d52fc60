package bindings

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	lua "github.com/yuin/gopher-lua"

	"github.com/luabot/luabot/openapi"
)

// maxPages bounds opts.all = true listings, so a platform that never ends
// its pages cannot keep a handler busy forever.
const maxPages = 200

// Bounds on what a script can make the REST client build from its strings:
// platform ids are short, and no endpoint takes a long URL.
const (
	maxID      = 1024
	maxRequest = 64 << 10 // path plus query
)

// checkID reads argument n as an id no longer than maxID.
func checkID(L *lua.LState, n int, name string) string {
	id := checkString(L, n, name)
	if len(id) > maxID {
		raise(L, "bad argument #%d (%s): an id of %d bytes; ids are at most %d", n, name, len(id), maxID)
	}
	return id
}

// checkRequestSize raises when a path and query are longer than any
// endpoint takes, before they are escaped into a URL.
func checkRequestSize(L *lua.LState, path string, query url.Values) {
	n := len(path)
	for k, vs := range query {
		for _, v := range vs {
			n += len(k) + len(v) + 2
		}
	}
	if n > maxRequest {
		raise(L, "request path and query are %d bytes, over the %d-byte limit", n, maxRequest)
	}
}

// openQQ builds the qq module from qqAPI. Every function suspends the handler
// while its request is in flight and returns (value, err); a send held for
// audit returns a table with pending_audit = true and audit_id. msg is a
// string (text) or a table of message body fields, plus file = "path" (a
// file in the script's folder) to upload an image or media.
func (b *binder) openQQ() {
	mod := b.L.CreateTable(0, len(qqAPI))
	for _, e := range qqAPI {
		b.L.SetField(mod, e.name, b.async.wrap(b.L, b.qqFunc(e)))
	}
	b.L.SetGlobal("qq", mod)
}

// qqAPI is the Lua qq module as data: each function names the openapi route
// it calls and how its arguments map onto it. Unless a column says
// otherwise, a function takes one id argument per placeholder of its route,
// in order and named after it (qq.member(guild_id, user_id) for
// GET /guilds/{guild_id}/members/{user_id}), and returns the decoded answer.
// scripts/luabot.d.lua and docs/lua-api.md are tested against this table.
var qqAPI = []qqEndpoint{
	// Sends take the target id, then msg; openapi picks the route per scene.
	{name: "send", route: openapi.RouteChannelMessages, send: openapi.SceneGuild},
	{name: "send_dm", route: openapi.RouteDMMessages, send: openapi.SceneDM},
	{name: "send_group", route: openapi.RouteGroupMessages, send: openapi.SceneGroup},
	{name: "send_user", route: openapi.RouteC2CMessages, send: openapi.SceneC2C},
	{name: "dm", route: openapi.RouteCreateDM, body: []qqField{{"recipient_id", "user_id"}, {"source_guild_id", "source_guild_id"}}},

	{name: "me", route: openapi.RouteMe},
	{name: "guilds", route: openapi.RouteMeGuilds, opts: []string{"before", "after", "limit"}, list: &openapi.GuildListing},
	{name: "guild", route: openapi.RouteGuild},
	{name: "channels", route: openapi.RouteGuildChannels},
	{name: "channel", route: openapi.RouteChannel},
	{name: "members", route: openapi.RouteMembers, opts: []string{"after", "limit"}, list: &openapi.MemberListing,
		defaults: url.Values{"after": {openapi.MemberListing.First}, "limit": {strconv.Itoa(openapi.MaxMembersPage)}}},
	{name: "member", route: openapi.RouteMember},
	{name: "roles", route: openapi.RouteRoles},

	{name: "message", route: openapi.RouteMessage, result: openapi.UnwrapMessage},
	{name: "messages", route: openapi.RouteMessages, opts: []string{"around", "before", "after", "limit"}},
	{name: "delete_message", route: openapi.RouteDeleteMessage, flag: "hidetip"},
	{name: "react", route: openapi.RouteAddReaction, emoji: true},
	{name: "unreact", route: openapi.RouteDeleteReaction, emoji: true},
	{name: "pin", route: openapi.RoutePin},
	{name: "unpin", route: openapi.RouteUnpin},
	{name: "pins", route: openapi.RouteGetPin},

	{name: "request", custom: (*binder).request},
}

// qqEndpoint is one function of the qq module. The zero value of each column
// means "not used".
type qqEndpoint struct {
	name  string
	route openapi.Route

	// send: the function posts msg (the argument after the id) to a target of
	// this scene; route only names the id argument.
	send openapi.Scene
	// body: the arguments are ids that go into these JSON body fields rather
	// than into the path.
	body []qqField
	// opts: the argument after the ids is an options table whose keys go into
	// the query; defaults fill keys the script left out.
	opts     []string
	defaults url.Values
	// list: opts.all = true collects every page of this listing.
	list *openapi.Listing
	// flag: the argument after the ids is a boolean sent as this query key.
	flag string
	// emoji: the argument after the ids is an emoji, which fills the route's
	// last two placeholders (type and id).
	emoji bool
	// result reshapes a successful answer before it is decoded.
	result func([]byte) []byte

	// custom builds a function the columns cannot describe.
	custom func(*binder, *lua.LState) int
}

// qqField maps the argument named arg to the body field field.
type qqField struct{ field, arg string }

// ids returns the names of the id arguments: the route's placeholders
// (bar the two an emoji fills), or the arguments that go into the body.
func (e qqEndpoint) ids() []string {
	if e.body != nil {
		names := make([]string, len(e.body))
		for i, f := range e.body {
			names[i] = f.arg
		}
		return names
	}
	names := e.route.Params()
	if e.emoji {
		names = names[:len(names)-2]
	}
	return names
}

// qqFunc builds the Lua function for e.
func (b *binder) qqFunc(e qqEndpoint) lua.LGFunction {
	if e.custom != nil {
		return func(L *lua.LState) int { return e.custom(b, L) }
	}
	names := e.ids()
	next := len(names) + 1 // the argument after the ids
	admin := isAdmin(e.route)
	return func(L *lua.LState) int {
		if e.send != "" {
			id := checkID(L, 1, names[0])
			if err := messageKeyboardErr(L.Get(next)); err != nil {
				return b.fail(L, err)
			}
			body, file := b.messageArg(L, next)
			t := openapi.Target{Scene: e.send, ID: id}
			mark := b.nextSend(L) // numbered first, so a re-run numbers its sends alike
			if err := b.checkSend("qq."+e.name, t, passiveBody(body)); err != nil {
				return b.fail(L, err)
			}
			return b.send(L, t, body, file, mark)
		}
		if e.body != nil {
			body := make(map[string]any, len(e.body))
			for i, f := range e.body {
				body[f.field] = checkID(L, i+1, f.arg)
			}
			return b.rest(L, e.route, nil, nil, body, nil)
		}
		params := make([]string, 0, len(names)+2)
		for i, name := range names {
			id := checkID(L, i+1, name)
			if !openapi.ValidID(id) {
				raise(L, "bad argument #%d (%s): empty or invalid id", i+1, name)
			}
			params = append(params, id)
		}
		var q url.Values
		switch {
		case e.opts != nil:
			opts := optTable(L, next)
			if e.list != nil && lua.LVAsBool(opts.RawGetString("all")) {
				return b.all(L, *e.list, params)
			}
			q = queryOf(opts, e.opts...)
			for k, v := range e.defaults {
				if q.Get(k) == "" {
					q.Set(k, v[0])
				}
			}
		case e.flag != "":
			q = url.Values{e.flag: {strconv.FormatBool(lua.LVAsBool(L.Get(next)))}}
		case e.emoji:
			em := emojiArg(L, next)
			if len(em.ID) > maxID {
				raise(L, "bad argument #%d (emoji): an id of %d bytes; ids are at most %d", next, len(em.ID), maxID)
			}
			params = append(params, strconv.Itoa(em.Type), em.ID)
		}
		if admin && b.env.Caps.NoAdmin {
			return b.fail(L, b.deny(CapAdmin, "qq."+e.name))
		}
		return b.rest(L, e.route, params, q, nil, e.result)
	}
}

// request is qq.request(method, path, [body], [query]): any endpoint.
func (b *binder) request(L *lua.LState) int {
	method := strings.ToUpper(checkString(L, 1, "method"))
	switch method {
	case http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete:
	default:
		raise(L, "bad argument #1 to qq.request: unsupported method %q", method)
	}
	path := checkString(L, 2, "path")
	if !strings.HasPrefix(path, "/") || strings.Contains(path, "://") || strings.Contains(path, "..") {
		raise(L, "bad argument #2 to qq.request: path must be like \"/guilds/123/roles\", got %q", path)
	}
	var body any
	if v := L.Get(3); v != lua.LNil {
		var err error
		if body, err = b.codec.toGo(v); err != nil {
			raise(L, "bad argument #3 to qq.request: %v", err)
		}
	}
	q := url.Values{}
	if t, ok := L.Get(4).(*lua.LTable); ok {
		t.ForEach(func(k, v lua.LValue) { q.Set(lua.LVAsString(k), lua.LVAsString(v)) })
	}
	if err := b.checkRequest(method, path, body); err != nil {
		return b.fail(L, err)
	}
	return b.do(L, method, path, q, body, nil)
}

// optTable returns argument n as an options table (empty when absent).
func optTable(L *lua.LState, n int) *lua.LTable {
	switch v := L.Get(n).(type) {
	case *lua.LTable:
		return v
	case *lua.LNilType:
		return L.NewTable()
	default:
		raise(L, "bad argument #%d: options must be a table, got %s", n, v.Type())
	}
	return nil
}

// queryOf copies the named options into a query.
func queryOf(opts *lua.LTable, keys ...string) url.Values {
	q := url.Values{}
	for _, k := range keys {
		if v := opts.RawGetString(k); v != lua.LNil {
			q.Set(k, lua.LVAsString(v))
		}
	}
	return q
}

// rest expands r with params and runs it as do does. Every id was checked
// before, so an error here is an emoji id that cannot name a path segment.
func (b *binder) rest(L *lua.LState, r openapi.Route, params []string, query url.Values, body any, result func([]byte) []byte) int {
	path, err := r.Expand(params...)
	if err != nil {
		raise(L, "%v", err)
	}
	return b.do(L, r.Method, path, query, body, result)
}

// do runs one REST call off the VM goroutine and resumes the handler with
// the decoded body (true for an empty one), reshaped by result when set, or
// nil, err.
func (b *binder) do(L *lua.LState, method, path string, query url.Values, body any, result func([]byte) []byte) int {
	checkRequestSize(L, path, query)
	var raw json.RawMessage
	return b.awaitSend(L, func(ctx context.Context) error {
		return b.env.API.Do(ctx, method, path, query, body, &raw)
	}, func(err error) Finish {
		if err == nil && result != nil {
			raw = result(raw)
		}
		return b.finishRaw(raw, err)
	})
}

// send posts a message to t, uploading ref first where needed; a send
// whose mark a run before a restart claimed is skipped (send_once.go).
func (b *binder) send(L *lua.LState, t openapi.Target, body map[string]any, ref *fileRef, mark SendMark) int {
	var raw json.RawMessage
	return b.awaitSend(L, func(ctx context.Context) error {
		if mark != nil && !mark.Claim() {
			raw = alreadySent
			return nil
		}
		file, err := b.readFile(ref)
		if err == nil {
			err = openapi.SendMessage(ctx, b.env.API, t, body, file, &raw)
		}
		return err
	}, func(err error) Finish { return b.finishRaw(raw, err) })
}

// all collects every page of a listing (opts.all = true) into one array, at
// most maxPages requests' worth.
func (b *binder) all(L *lua.LState, l openapi.Listing, params []string) int {
	return b.env.Async.Await(L, func(ctx context.Context) Finish {
		items := []json.RawMessage{}
		for item, err := range l.All(ctx, b.env.API, maxPages, params...) {
			if err != nil {
				return b.finishRaw(nil, err)
			}
			items = append(items, item)
		}
		raw, err := json.Marshal(items)
		return b.finishRaw(raw, err)
	})
}

// emojiArg reads argument n as an emoji (ParseEmoji), raising when it is not one.
func emojiArg(L *lua.LState, n int) openapi.Emoji {
	e, ok := ParseEmoji(L.Get(n))
	if !ok {
		raise(L, "bad argument #%d (emoji): want {type=1|2, id=}, \"type:id\", a face number or an emoji", n)
	}
	return e
}

// ParseEmoji reads an emoji as scripts write one: {type=, id=}, "type:id", a
// system face number (4 or "4"), or one unicode emoji ("😀", sent as its code
// point). testkit's sim.react reads its argument the same way.
func ParseEmoji(v lua.LValue) (openapi.Emoji, bool) {
	switch v := v.(type) {
	case *lua.LTable:
		t, _ := v.RawGetString("type").(lua.LNumber)
		id := lua.LVAsString(v.RawGetString("id"))
		if (t == 1 || t == 2) && id != "" {
			return openapi.Emoji{Type: int(t), ID: id}, true
		}
	case lua.LNumber:
		return openapi.Emoji{Type: openapi.EmojiSystem, ID: v.String()}, true
	case lua.LString:
		s := string(v)
		if typ, id, ok := strings.Cut(s, ":"); ok && (typ == "1" || typ == "2") && id != "" {
			t, _ := strconv.Atoi(typ)
			return openapi.Emoji{Type: t, ID: id}, true
		}
		if _, err := strconv.ParseUint(s, 10, 32); err == nil {
			return openapi.Emoji{Type: openapi.EmojiSystem, ID: s}, true
		}
		if r, size := utf8.DecodeRuneInString(s); r > 0x7f && size > 0 {
			return openapi.Emoji{Type: openapi.EmojiUnicode, ID: strconv.Itoa(int(r))}, true
		}
	}
	return openapi.Emoji{}, false
}
