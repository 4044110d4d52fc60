package bindings

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"

	lua "github.com/yuin/gopher-lua"
)

// openQQ builds the qq module. Every function suspends the handler while its
// request is in flight and returns (value, err):
//
//	qq.send(channel_id, msg)        POST /channels/{id}/messages (active message)
//	qq.me()                          GET /users/@me
//	qq.guilds([{before=, after=, limit=}])  GET /users/@me/guilds
//	qq.guild(guild_id)               GET /guilds/{id}
//	qq.channels(guild_id)            GET /guilds/{id}/channels
//	qq.channel(channel_id)           GET /channels/{id}
//	qq.request(method, path, [body], [query])  any endpoint
//
// msg is a string (text) or a table of message body fields.
func (b *binder) openQQ() {
	mod := b.L.NewTable()
	fns := map[string]lua.LGFunction{
		"send": func(L *lua.LState) int {
			ch := checkString(L, 1, "channel_id")
			body := b.messageBody(L, 2)
			return b.rest(L, http.MethodPost, "/channels/"+url.PathEscape(ch)+"/messages", nil, body)
		},
		"me": func(L *lua.LState) int {
			return b.rest(L, http.MethodGet, "/users/@me", nil, nil)
		},
		"guilds": func(L *lua.LState) int {
			q := url.Values{}
			if opts, ok := L.Get(1).(*lua.LTable); ok {
				for _, k := range []string{"before", "after", "limit"} {
					if v := opts.RawGetString(k); v != lua.LNil {
						q.Set(k, lua.LVAsString(v))
					}
				}
			}
			return b.rest(L, http.MethodGet, "/users/@me/guilds", q, nil)
		},
		"guild": func(L *lua.LState) int {
			id := checkString(L, 1, "guild_id")
			return b.rest(L, http.MethodGet, "/guilds/"+url.PathEscape(id), nil, nil)
		},
		"channels": func(L *lua.LState) int {
			id := checkString(L, 1, "guild_id")
			return b.rest(L, http.MethodGet, "/guilds/"+url.PathEscape(id)+"/channels", nil, nil)
		},
		"channel": func(L *lua.LState) int {
			id := checkString(L, 1, "channel_id")
			return b.rest(L, http.MethodGet, "/channels/"+url.PathEscape(id), nil, nil)
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

// rest runs one REST call off the VM goroutine and resumes the handler with
// the decoded body (true for an empty one) or nil, err.
func (b *binder) rest(L *lua.LState, method, path string, query url.Values, body any) int {
	return b.env.Async.Await(L, func(ctx context.Context) Finish {
		var raw json.RawMessage
		err := b.env.API.Do(ctx, method, path, query, body, &raw)
		return func(L *lua.LState) []lua.LValue {
			if err != nil {
				return b.failValues(L, err)
			}
			if len(raw) == 0 {
				return []lua.LValue{lua.LTrue}
			}
			v, err := b.codec.decode(L, raw, true)
			if err != nil {
				return b.failValues(L, err)
			}
			return []lua.LValue{v}
		}
	})
}

// messageBody reads argument n as a message: a string is text content, a
// table holds message body fields as the platform names them.
func (b *binder) messageBody(L *lua.LState, n int) map[string]any {
	switch v := L.Get(n).(type) {
	case lua.LString:
		if v == "" {
			raise(L, "bad argument #%d: message is empty", n)
		}
		return map[string]any{"content": string(v)}
	case *lua.LTable:
		g, err := b.codec.toGo(v)
		if err != nil {
			raise(L, "bad argument #%d: %v", n, err)
		}
		m, ok := g.(map[string]any)
		if !ok {
			raise(L, "bad argument #%d: message table needs fields like content=, not a list", n)
		}
		return m
	default:
		raise(L, "bad argument #%d: message must be a string or a table, got %s", n, v.Type())
	}
	return nil
}
