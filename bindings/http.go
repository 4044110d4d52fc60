package bindings

import (
	"bufio"
	"context"
	"errors"
	"io"
	"math"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	lua "github.com/yuin/gopher-lua"

	"github.com/luabot/luabot/internal/luaproto"
	"github.com/luabot/luabot/outbound"
)

// HTTP is the outbound client as one script sees it (*outbound.Script):
// its grants and limits are already applied.
type HTTP interface {
	Do(ctx context.Context, req outbound.Request) (*outbound.Response, error)
	Open(ctx context.Context, req outbound.Request) (*outbound.Stream, error)
}

// eachLineSource is res:each_line(fn) in Lua: fn is called from Lua, so it
// may itself wait (qq.send), which a call from Go could not.
const eachLineSource = `local read_line = ...
return function(res, fn)
  while true do
    local line, err = read_line(res)
    if line == nil then
      if err ~= nil then return nil, err end
      return true
    end
    fn(line)
  end
end`

// openHTTP builds the http module:
//
//	http.get(url, [opts])          → res | nil, err
//	http.post(url, body, [opts])   body a string, or a table sent as JSON
//	http.request{method=, url=, query=, headers=, body=, json=, timeout=, stream=}
//
// res = {status=, ok=, headers=, body=} with res:json() and res:lines();
// with stream = true res.body is nil and the answer is read as it arrives
// with res:read_line() (in a while loop) or res:each_line(fn), then
// res:close().
func (b *binder) openHTTP() {
	client := b.env.HTTP
	if client == nil {
		// No grants: every call explains how to get one.
		client = outbound.New(outbound.Config{}).For(nil)
	}
	mod := b.L.CreateTable(0, 3)
	call := func(L *lua.LState, req outbound.Request, stream bool) int {
		return b.env.Async.Await(L, func(ctx context.Context) Finish {
			if stream {
				st, err := client.Open(ctx, req)
				if err != nil {
					return func(L *lua.LState) []lua.LValue { return b.failValues(L, err) }
				}
				return func(L *lua.LState) []lua.LValue { return []lua.LValue{b.streamValue(L, st)} }
			}
			res, err := client.Do(ctx, req)
			if err != nil {
				return func(L *lua.LState) []lua.LValue { return b.failValues(L, err) }
			}
			return func(L *lua.LState) []lua.LValue { return []lua.LValue{b.responseValue(L, res)} }
		})
	}
	mod.RawSetString("get", b.async.wrap(b.L, func(L *lua.LState) int {
		opts := L.OptTable(2, L.NewTable())
		req, stream, query := b.httpOptions(L, opts, "http.get")
		req.Method, req.URL = http.MethodGet, withQuery(checkString(L, 1, "url"), query)
		return call(L, req, stream)
	}))
	mod.RawSetString("post", b.async.wrap(b.L, func(L *lua.LState) int {
		opts := L.OptTable(3, L.NewTable())
		req, stream, query := b.httpOptions(L, opts, "http.post")
		req.Method, req.URL = http.MethodPost, withQuery(checkString(L, 1, "url"), query)
		b.httpBody(L, L.Get(2), req.Header, &req.Body, "http.post")
		return call(L, req, stream)
	}))
	mod.RawSetString("request", b.async.wrap(b.L, func(L *lua.LState) int {
		t := L.CheckTable(1)
		req, stream, query := b.httpOptions(L, t, "http.request")
		u, ok := t.RawGetString("url").(lua.LString)
		if !ok {
			raise(L, "http.request: url = \"https://…\" is required")
		}
		req.URL = withQuery(string(u), query)
		if m, ok := t.RawGetString("method").(lua.LString); ok {
			req.Method = strings.ToUpper(string(m))
		}
		if v := t.RawGetString("body"); v != lua.LNil {
			b.httpBody(L, v, req.Header, &req.Body, "http.request")
		}
		if v := t.RawGetString("json"); v != lua.LNil {
			b.httpJSON(L, v, req.Header, &req.Body, "http.request")
		}
		return call(L, req, stream)
	}))
	b.L.SetGlobal("http", mod)
}

// httpOptions reads headers, timeout and stream from opts.
func (b *binder) httpOptions(L *lua.LState, opts *lua.LTable, fn string) (outbound.Request, bool, string) {
	req := outbound.Request{Header: http.Header{}}
	query := ""
	if h, ok := opts.RawGetString("headers").(*lua.LTable); ok {
		size := 0
		h.ForEach(func(k, v lua.LValue) {
			ks, kok := k.(lua.LString)
			if !kok || (v.Type() != lua.LTString && v.Type() != lua.LTNumber) {
				raise(L, "%s: headers are name = \"value\" pairs of strings", fn)
			}
			// Bounded like the query: an HTTP/2 connection encodes every
			// header into one buffer, ten of 16 MiB at once.
			if size += len(ks) + len(lua.LVAsString(v)) + 4; size > maxRequest {
				raise(L, "%s: headers of more than %d bytes; at most %d", fn, size, maxRequest)
			}
			req.Header.Set(string(ks), lua.LVAsString(v))
		})
	} else if opts.RawGetString("headers") != lua.LNil {
		raise(L, "%s: headers must be a table", fn)
	}
	switch v := opts.RawGetString("timeout").(type) {
	case lua.LNumber:
		if !(v > 0) || float64(v) > maxDelay.Seconds() || math.IsInf(float64(v), 0) {
			raise(L, "%s: timeout is a positive number of seconds", fn)
		}
		req.Timeout = time.Duration(float64(v) * float64(time.Second))
	case *lua.LNilType:
	default:
		raise(L, "%s: timeout is a number of seconds, got %s", fn, v.Type())
	}
	switch q := opts.RawGetString("query").(type) {
	case *lua.LTable:
		vals := url.Values{}
		size := 0
		q.ForEach(func(k, v lua.LValue) {
			ks, kok := k.(lua.LString)
			if !kok || (v.Type() != lua.LTString && v.Type() != lua.LTNumber && v.Type() != lua.LTBool) {
				raise(L, "%s: query is a table of name = value (strings, numbers, booleans)", fn)
			}
			// Checked before encoding, which triples a byte ("&" is
			// "%26"): 100 values of 16 MiB would be 4.8 GB at once.
			if size += len(ks) + len(lua.LVAsString(v)) + 2; size > maxRequest {
				raise(L, "%s: query of more than %d bytes; at most %d", fn, size, maxRequest)
			}
			vals.Set(string(ks), lua.LVAsString(v))
			if b, ok := v.(lua.LBool); ok {
				vals.Set(string(ks), strconv.FormatBool(bool(b)))
			}
		})
		query = vals.Encode()
	case *lua.LNilType:
	default:
		raise(L, "%s: query must be a table", fn)
	}
	return req, lua.LVAsBool(opts.RawGetString("stream")), query
}

// withQuery adds the encoded opts.query q to rawURL, after any query the
// URL already has.
func withQuery(rawURL, q string) string {
	if q == "" {
		return rawURL
	}
	u, err := url.Parse(rawURL)
	if err != nil {
		return rawURL // the client reports the bad URL
	}
	if u.RawQuery != "" {
		u.RawQuery += "&" + q
	} else {
		u.RawQuery = q
	}
	return u.String()
}

// httpBody sets the request body: a string as is, a table as JSON.
func (b *binder) httpBody(L *lua.LState, v lua.LValue, h http.Header, body *[]byte, fn string) {
	switch v := v.(type) {
	case lua.LString:
		*body = []byte(v)
	case *lua.LTable:
		b.httpJSON(L, v, h, body, fn)
	case *lua.LNilType:
	default:
		raise(L, "%s: the body is a string, or a table to send as JSON; got %s", fn, v.Type())
	}
}

func (b *binder) httpJSON(L *lua.LState, v lua.LValue, h http.Header, body *[]byte, fn string) {
	out, err := b.codec.encode(v)
	if err != nil {
		raise(L, "%s: json body: %v", fn, err)
	}
	*body = out
	if h.Get("Content-Type") == "" {
		h.Set("Content-Type", "application/json")
	}
}

// responseHead is the part of res every answer has.
func responseHead(L *lua.LState, status int, header http.Header) *lua.LTable {
	t := L.CreateTable(0, 4)
	t.RawSetString("status", lua.LNumber(status))
	t.RawSetString("ok", lua.LBool(status >= 200 && status < 300))
	h := L.CreateTable(0, len(header))
	names := make([]string, 0, len(header))
	for k := range header {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		h.RawSetString(strings.ToLower(k), lua.LString(strings.Join(header[k], ", ")))
	}
	t.RawSetString("headers", h)
	return t
}

func (b *binder) responseValue(L *lua.LState, res *outbound.Response) *lua.LTable {
	t := responseHead(L, res.Status, res.Header)
	body := res.Body
	t.RawSetString("body", lua.LString(body))
	t.RawSetString("json", L.NewFunction(func(L *lua.LState) int {
		v, err := b.codec.decode(L, body, false)
		if err != nil {
			return b.fail(L, errors.New("the answer is not valid JSON: "+err.Error()))
		}
		L.Push(v)
		return 1
	}))
	t.RawSetString("lines", L.NewFunction(func(L *lua.LState) int {
		sc := bufio.NewScanner(strings.NewReader(string(body)))
		sc.Buffer(nil, len(body)+1)
		L.Push(L.NewFunction(func(L *lua.LState) int {
			if !sc.Scan() {
				return 0
			}
			L.Push(lua.LString(strings.TrimSuffix(sc.Text(), "\r")))
			return 1
		}))
		return 1
	}))
	return t
}

func (b *binder) streamValue(L *lua.LState, st *outbound.Stream) *lua.LTable {
	t := responseHead(L, st.Status, st.Header)
	readLine := b.async.wrap(L, func(L *lua.LState) int {
		return b.env.Async.Await(L, func(context.Context) Finish {
			line, err := st.ReadLine()
			switch {
			case errors.Is(err, io.EOF):
				st.Close()
				return func(*lua.LState) []lua.LValue { return []lua.LValue{lua.LNil} }
			case err != nil:
				st.Close()
				return func(L *lua.LState) []lua.LValue { return b.failValues(L, err) }
			}
			return func(*lua.LState) []lua.LValue { return []lua.LValue{lua.LString(line)} }
		})
	})
	t.RawSetString("read_line", readLine)
	each, err := luaproto.Load(L, eachLineSource, shimChunk)
	if err != nil {
		panic("bindings: each_line does not compile: " + err.Error())
	}
	L.Push(each)
	L.Push(readLine)
	L.Call(1, 1)
	t.RawSetString("each_line", L.Get(-1))
	L.Pop(1)
	t.RawSetString("close", L.NewFunction(func(L *lua.LState) int {
		st.Close()
		return 0
	}))
	streamed := func(L *lua.LState) int {
		raise(L, "this answer is streamed (stream = true): read it with res:read_line() in a while loop "+
			"or res:each_line(fn); a for-in loop cannot wait for the network")
		return 0
	}
	t.RawSetString("lines", L.NewFunction(streamed))
	t.RawSetString("json", L.NewFunction(streamed))
	return t
}
