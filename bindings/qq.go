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

// openQQ builds the qq module. Every function suspends the handler while its
// request is in flight and returns (value, err); a send held for audit
// returns a table with pending_audit = true and audit_id:
//
//	qq.send(channel_id, msg)                      guild channel message (active)
//	qq.send_dm(guild_id, msg)                     DM to a DM session's guild_id
//	qq.dm(user_id, source_guild_id)               create a DM session → {guild_id=, channel_id=, ...}
//	qq.send_group(group_openid, msg)              group message
//	qq.send_user(openid, msg)                     C2C message
//	qq.me()                                       GET /users/@me
//	qq.guilds([{before=, after=, limit=, all=}])  GET /users/@me/guilds; all=true collects every page
//	qq.guild(guild_id)                            GET /guilds/{id}
//	qq.channels(guild_id)                         GET /guilds/{id}/channels
//	qq.channel(channel_id)                        GET /channels/{id}
//	qq.members(guild_id, [{after=, limit=, all=}]) GET /guilds/{id}/members; all=true collects every page
//	qq.member(guild_id, user_id)                  GET /guilds/{id}/members/{user_id}
//	qq.roles(guild_id)                            GET /guilds/{id}/roles
//	qq.message(channel_id, message_id)            GET one message (unwrapped)
//	qq.messages(channel_id, [{before=|after=|around=, limit=}])  channel history
//	qq.delete_message(channel_id, message_id, [hidetip])
//	qq.react(channel_id, message_id, emoji)       emoji: "128512", "😀", {type=, id=}
//	qq.unreact(channel_id, message_id, emoji)
//	qq.pin(channel_id, message_id)  qq.unpin(channel_id, message_id)  qq.pins(channel_id)
//	qq.request(method, path, [body], [query])     any endpoint
//
// msg is a string (text) or a table of message body fields, plus file =
// "path" (a file in the script's folder) to upload an image or media.
func (b *binder) openQQ() {
	mod := b.L.NewTable()
	send := func(scene openapi.Scene, what string) lua.LGFunction {
		return func(L *lua.LState) int {
			id := checkID(L, 1, what)
			body, file := b.messageArg(L, 2)
			return b.send(L, openapi.Target{Scene: scene, ID: id}, body, file)
		}
	}
	get := func(path string, names ...string) lua.LGFunction {
		return func(L *lua.LState) int {
			p := b.expand(L, path, names)
			return b.rest(L, http.MethodGet, p, nil, nil)
		}
	}
	fns := map[string]lua.LGFunction{
		"send":       send(openapi.SceneGuild, "channel_id"),
		"send_dm":    send(openapi.SceneDM, "guild_id"),
		"send_group": send(openapi.SceneGroup, "group_openid"),
		"send_user":  send(openapi.SceneC2C, "openid"),
		"dm": func(L *lua.LState) int {
			user := checkID(L, 1, "user_id")
			guild := checkID(L, 2, "source_guild_id")
			return b.rest(L, http.MethodPost, "/users/@me/dms", nil,
				map[string]any{"recipient_id": user, "source_guild_id": guild})
		},
		"me":       get("/users/@me"),
		"guild":    get("/guilds/{}", "guild_id"),
		"channels": get("/guilds/{}/channels", "guild_id"),
		"channel":  get("/channels/{}", "channel_id"),
		"member":   get("/guilds/{}/members/{}", "guild_id", "user_id"),
		"roles":    get("/guilds/{}/roles", "guild_id"),
		"pins":     get("/channels/{}/pins", "channel_id"),
		"guilds": func(L *lua.LState) int {
			opts := optTable(L, 1)
			q := queryOf(opts, "before", "after", "limit")
			if lua.LVAsBool(opts.RawGetString("all")) {
				return b.pages(L, "/users/@me/guilds", 100, "id")
			}
			return b.rest(L, http.MethodGet, "/users/@me/guilds", q, nil)
		},
		"members": func(L *lua.LState) int {
			p := b.expand(L, "/guilds/{}/members", []string{"guild_id"})
			opts := optTable(L, 2)
			if lua.LVAsBool(opts.RawGetString("all")) {
				return b.pages(L, p, openapi.MaxMembersPage, "user")
			}
			q := queryOf(opts, "after", "limit")
			if q.Get("after") == "" {
				q.Set("after", "0")
			}
			if q.Get("limit") == "" {
				q.Set("limit", strconv.Itoa(openapi.MaxMembersPage))
			}
			return b.rest(L, http.MethodGet, p, q, nil)
		},
		"message": func(L *lua.LState) int {
			p := b.expand(L, "/channels/{}/messages/{}", []string{"channel_id", "message_id"})
			return b.env.Async.Await(L, func(ctx context.Context) Finish {
				var raw json.RawMessage
				err := b.env.API.Do(ctx, http.MethodGet, p, nil, nil, &raw)
				if err == nil {
					raw = openapi.UnwrapMessage(raw)
				}
				return b.finishRaw(raw, err)
			})
		},
		"messages": func(L *lua.LState) int {
			p := b.expand(L, "/channels/{}/messages", []string{"channel_id"})
			return b.rest(L, http.MethodGet, p, queryOf(optTable(L, 2), "around", "before", "after", "limit"), nil)
		},
		"delete_message": func(L *lua.LState) int {
			p := b.expand(L, "/channels/{}/messages/{}", []string{"channel_id", "message_id"})
			q := url.Values{"hidetip": {strconv.FormatBool(lua.LVAsBool(L.Get(3)))}}
			return b.rest(L, http.MethodDelete, p, q, nil)
		},
		"react":   b.reaction(http.MethodPut),
		"unreact": b.reaction(http.MethodDelete),
		"pin": func(L *lua.LState) int {
			return b.rest(L, http.MethodPut, b.expand(L, "/channels/{}/pins/{}", []string{"channel_id", "message_id"}), nil, nil)
		},
		"unpin": func(L *lua.LState) int {
			return b.rest(L, http.MethodDelete, b.expand(L, "/channels/{}/pins/{}", []string{"channel_id", "message_id"}), nil, nil)
		},
		"request": func(L *lua.LState) int {
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
			return b.rest(L, method, path, q, body)
		},
	}
	for name, fn := range fns {
		b.L.SetField(mod, name, b.async.wrap(b.L, fn))
	}
	b.L.SetGlobal("qq", mod)
}

// expand fills each {} of path with the string argument of the same
// position, escaped as one path segment; names label misuse errors.
func (b *binder) expand(L *lua.LState, path string, names []string) string {
	var sb strings.Builder
	for i, name := range names {
		cut := strings.Index(path, "{}")
		id := checkID(L, i+1, name)
		if id == "" || id == "." || id == ".." {
			raise(L, "bad argument #%d (%s): empty or invalid id", i+1, name)
		}
		sb.WriteString(path[:cut])
		sb.WriteString(url.PathEscape(id))
		path = path[cut+2:]
	}
	sb.WriteString(path)
	return sb.String()
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

// rest runs one REST call off the VM goroutine and resumes the handler with
// the decoded body (true for an empty one) or nil, err.
func (b *binder) rest(L *lua.LState, method, path string, query url.Values, body any) int {
	checkRequestSize(L, path, query)
	return b.env.Async.Await(L, func(ctx context.Context) Finish {
		var raw json.RawMessage
		err := b.env.API.Do(ctx, method, path, query, body, &raw)
		return b.finishRaw(raw, err)
	})
}

// send posts a message to t, uploading ref first where needed.
func (b *binder) send(L *lua.LState, t openapi.Target, body map[string]any, ref *fileRef) int {
	return b.env.Async.Await(L, func(ctx context.Context) Finish {
		var raw json.RawMessage
		file, err := b.readFile(ref)
		if err == nil {
			err = openapi.SendMessage(ctx, b.env.API, t, body, file, &raw)
		}
		return b.finishRaw(raw, err)
	})
}

// pages collects every page of a listing paged by "after" (§11): guilds by
// the last id, members by the last user.id, until a short or empty page,
// skipping repeated entries.
func (b *binder) pages(L *lua.LState, path string, limit int, idKey string) int {
	return b.env.Async.Await(L, func(ctx context.Context) Finish {
		var all []json.RawMessage
		seen := map[string]bool{}
		after := ""
		if idKey == "user" {
			after = "0"
		}
		for range maxPages {
			q := url.Values{"limit": {strconv.Itoa(limit)}}
			if after != "" {
				q.Set("after", after)
			}
			var page []json.RawMessage
			if err := b.env.API.Do(ctx, http.MethodGet, path, q, nil, &page); err != nil {
				return b.finishRaw(nil, err)
			}
			fresh, last := 0, ""
			for _, item := range page {
				var id struct {
					ID   string `json:"id"`
					User struct {
						ID string `json:"id"`
					} `json:"user"`
				}
				_ = json.Unmarshal(item, &id)
				key := id.ID
				if idKey == "user" {
					key = id.User.ID
				}
				last = key
				if key != "" && seen[key] {
					continue
				}
				seen[key] = true
				fresh++
				all = append(all, item)
			}
			if len(page) == 0 || fresh == 0 || last == "" || last == after || (idKey == "id" && len(page) < limit) {
				break
			}
			after = last
		}
		raw, err := json.Marshal(all)
		if all == nil {
			raw = json.RawMessage(`[]`)
		}
		return b.finishRaw(raw, err)
	})
}

// reaction builds qq.react / qq.unreact.
func (b *binder) reaction(method string) lua.LGFunction {
	return func(L *lua.LState) int {
		p := b.expand(L, "/channels/{}/messages/{}", []string{"channel_id", "message_id"})
		e := emojiArg(L, 3)
		if len(e.ID) > maxID {
			raise(L, "bad argument #3 (emoji): an id of %d bytes; ids are at most %d", len(e.ID), maxID)
		}
		p += "/reactions/" + strconv.Itoa(e.Type) + "/" + url.PathEscape(e.ID)
		return b.rest(L, method, p, nil, nil)
	}
}

// emojiArg reads an emoji: {type=, id=}, "type:id", a system face number
// ("4"), or one unicode emoji ("😀", sent as its code point).
func emojiArg(L *lua.LState, n int) openapi.Emoji {
	switch v := L.Get(n).(type) {
	case *lua.LTable:
		t, _ := v.RawGetString("type").(lua.LNumber)
		id := lua.LVAsString(v.RawGetString("id"))
		if (t == 1 || t == 2) && id != "" {
			return openapi.Emoji{Type: int(t), ID: id}
		}
	case lua.LNumber:
		return openapi.Emoji{Type: openapi.EmojiSystem, ID: v.String()}
	case lua.LString:
		s := string(v)
		if typ, id, ok := strings.Cut(s, ":"); ok && (typ == "1" || typ == "2") && id != "" {
			t, _ := strconv.Atoi(typ)
			return openapi.Emoji{Type: t, ID: id}
		}
		if _, err := strconv.ParseUint(s, 10, 32); err == nil {
			return openapi.Emoji{Type: openapi.EmojiSystem, ID: s}
		}
		if r, size := utf8.DecodeRuneInString(s); r > 0x7f && size > 0 {
			return openapi.Emoji{Type: openapi.EmojiUnicode, ID: strconv.Itoa(int(r))}
		}
	}
	raise(L, "bad argument #%d (emoji): want {type=1|2, id=}, \"type:id\", a face number or an emoji", n)
	return openapi.Emoji{}
}
