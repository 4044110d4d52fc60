package testkit

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	neturl "net/url"
	"sort"
	"strings"
	"sync"

	lua "github.com/yuin/gopher-lua"

	"github.com/luabot/luabot/bindings"
	"github.com/luabot/luabot/outbound"
)

// sim.http stubs the outside world for the scripts' http module:
//
//	sim.http.on(method, url, response)   answer requests for url ("*" method: any)
//	sim.http.requests() → {{method=, url=, headers=, body=}, …}  what the scripts asked
//
// response is {status=, headers=, body=} or {status=, json=value}, or a
// function(req) returning one; req is {method=, url=, query=, headers=,
// body=, json=}. A url without "?" matches any query; a url ending in "*"
// matches every url it starts. The latest stub that matches answers. A
// request no stub matches fails in the script with an error naming it.
// Grants, schemes and size caps apply as in production; the network is
// never touched.

// httpStubs is the RoundTripper behind the test bot's outbound client.
type httpStubs struct {
	e   *env
	run func(fn *lua.LFunction, r *http.Request, body []byte) (stubAnswer, error) // set by the suite

	mu       sync.Mutex
	stubs    []httpStub
	requests []seenRequest
	failure  error // the first stub function that failed, reported by the next sim call
}

type httpStub struct {
	method, url string
	answer      stubAnswer
	fn          *lua.LFunction
}

type stubAnswer struct {
	status int
	header http.Header
	body   []byte
}

type seenRequest struct {
	method, url string
	header      http.Header
	body        []byte
}

func newHTTPStubs(e *env) *httpStubs { return &httpStubs{e: e} }

// client is the outbound client scripts get in a test.
func (h *httpStubs) client() *outbound.Client {
	return outbound.New(outbound.Config{Transport: h})
}

func (h *httpStubs) match(method, url string) (httpStub, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	base, _, _ := strings.Cut(url, "?")
	for i := len(h.stubs) - 1; i >= 0; i-- {
		s := h.stubs[i]
		if s.method != "*" && s.method != method {
			continue
		}
		switch {
		case strings.HasSuffix(s.url, "*") && strings.HasPrefix(url, strings.TrimSuffix(s.url, "*")):
		case strings.Contains(s.url, "?") && s.url == url:
		case !strings.Contains(s.url, "?") && s.url == base:
		default:
			continue
		}
		return s, true
	}
	return httpStub{}, false
}

// RoundTrip answers from the stubs. It counts as a call in flight, so the
// bot is not settled while a stub is answering.
func (h *httpStubs) RoundTrip(r *http.Request) (*http.Response, error) {
	h.e.inflight.Add(1)
	defer h.e.inflight.Add(-1)
	defer h.e.activity.Add(1)
	var body []byte
	if r.Body != nil {
		var err error
		if body, err = io.ReadAll(r.Body); err != nil {
			return nil, err
		}
		r.Body.Close()
	}
	url := r.URL.String()
	h.mu.Lock()
	h.requests = append(h.requests, seenRequest{method: r.Method, url: url, header: r.Header.Clone(), body: body})
	h.mu.Unlock()
	stub, ok := h.match(r.Method, url)
	if !ok {
		return nil, fmt.Errorf("no sim.http.on stub for %s %s", r.Method, strings.SplitN(url, "?", 2)[0])
	}
	answer := stub.answer
	if stub.fn != nil {
		var err error
		if answer, err = h.run(stub.fn, r, body); err != nil {
			h.mu.Lock()
			if h.failure == nil {
				h.failure = err
			}
			h.mu.Unlock()
			return nil, err
		}
	}
	header := answer.header.Clone()
	if header == nil {
		header = http.Header{}
	}
	return &http.Response{
		Status: fmt.Sprintf("%d %s", answer.status, http.StatusText(answer.status)), StatusCode: answer.status,
		Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: header, Body: io.NopCloser(bytes.NewReader(answer.body)),
		ContentLength: int64(len(answer.body)), Request: r,
	}, nil
}

// takeFailure returns and clears the first failure of a stub function.
func (h *httpStubs) takeFailure() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	err := h.failure
	h.failure = nil
	return err
}

// httpModule is sim.http.
func (s *suite) httpModule() *lua.LTable {
	return s.L.SetFuncs(s.L.NewTable(), map[string]lua.LGFunction{
		"on": func(L *lua.LState) int {
			e := s.current(L)
			method := strings.ToUpper(L.CheckString(1))
			url := L.CheckString(2)
			stub := httpStub{method: method, url: url}
			switch v := L.Get(3).(type) {
			case *lua.LFunction:
				stub.fn = v
			case *lua.LTable:
				a, err := answerOf(v)
				if err != nil {
					L.ArgError(3, err.Error())
				}
				stub.answer = a
			default:
				L.ArgError(3, "want a response table {status=, json=|body=, headers=} or a function(req) returning one")
			}
			e.http.mu.Lock()
			e.http.stubs = append(e.http.stubs, stub)
			e.http.mu.Unlock()
			return 0
		},
		"requests": func(L *lua.LState) int {
			e := s.current(L)
			e.http.mu.Lock()
			seen := append([]seenRequest(nil), e.http.requests...)
			e.http.mu.Unlock()
			t := L.CreateTable(len(seen), 0)
			for _, r := range seen {
				t.Append(requestTable(L, r.method, r.url, r.header, r.body))
			}
			L.Push(t)
			return 1
		},
	})
}

// runStub calls a stub function on the test's VM. It runs on the bot's
// request goroutine while the test waits in a sim call (which lets go of
// the VM), or waits for that.
func (s *suite) runStub(fn *lua.LFunction, r *http.Request, body []byte) (stubAnswer, error) {
	select {
	case s.vm <- struct{}{}:
	case <-r.Context().Done():
		return stubAnswer{}, r.Context().Err()
	}
	defer func() { <-s.vm }()
	L := s.L
	req := requestTable(L, r.Method, r.URL.String(), r.Header, body)
	if err := L.CallByParam(lua.P{Fn: fn, NRet: 1, Protect: true}, req); err != nil {
		return stubAnswer{}, fmt.Errorf("sim.http stub for %s %s: %s", r.Method, r.URL.Path, message(err))
	}
	ret := L.Get(-1)
	L.Pop(1)
	t, ok := ret.(*lua.LTable)
	if !ok {
		return stubAnswer{}, fmt.Errorf("sim.http stub for %s %s returned %s, want a response table", r.Method, r.URL.Path, ret.Type())
	}
	a, err := answerOf(t)
	if err != nil {
		return stubAnswer{}, fmt.Errorf("sim.http stub for %s %s: %v", r.Method, r.URL.Path, err)
	}
	return a, nil
}

func requestTable(L *lua.LState, method, url string, header http.Header, body []byte) *lua.LTable {
	t := L.NewTable()
	t.RawSetString("method", lua.LString(method))
	t.RawSetString("url", lua.LString(url))
	q := L.NewTable()
	if _, raw, ok := strings.Cut(url, "?"); ok {
		for _, kv := range strings.Split(raw, "&") {
			k, v, _ := strings.Cut(kv, "=")
			if uk, err := neturl.QueryUnescape(k); err == nil {
				uv, _ := neturl.QueryUnescape(v)
				q.RawSetString(uk, lua.LString(uv))
			}
		}
	}
	t.RawSetString("query", q)
	h := L.NewTable()
	names := make([]string, 0, len(header))
	for k := range header {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		h.RawSetString(strings.ToLower(k), lua.LString(strings.Join(header[k], ", ")))
	}
	t.RawSetString("headers", h)
	t.RawSetString("body", lua.LString(body))
	var v any
	if json.Unmarshal(body, &v) == nil && len(body) > 0 {
		t.RawSetString("json", toLua(L, v))
	}
	return t
}

// answerOf reads {status=, headers=, body=} or {status=, json=}.
func answerOf(t *lua.LTable) (stubAnswer, error) {
	a := stubAnswer{status: 200, header: http.Header{}}
	switch v := t.RawGetString("status").(type) {
	case lua.LNumber:
		a.status = int(v)
		if a.status < 100 || a.status > 999 {
			return a, fmt.Errorf("status %d is not an HTTP status", a.status)
		}
	case *lua.LNilType:
	default:
		return a, fmt.Errorf("status is a number, got %s", v.Type())
	}
	if h, ok := t.RawGetString("headers").(*lua.LTable); ok {
		h.ForEach(func(k, v lua.LValue) { a.header.Set(lua.LVAsString(k), lua.LVAsString(v)) })
	}
	body, j := t.RawGetString("body"), t.RawGetString("json")
	switch {
	case body != lua.LNil && j != lua.LNil:
		return a, errors.New("give body or json, not both")
	case j != lua.LNil:
		data, err := json.Marshal(fromLua(j, 0))
		if err != nil {
			return a, fmt.Errorf("json: %v", err)
		}
		a.body = data
		if a.header.Get("Content-Type") == "" {
			a.header.Set("Content-Type", "application/json")
		}
	case body != lua.LNil:
		s, ok := body.(lua.LString)
		if !ok {
			return a, fmt.Errorf("body is a string, got %s", body.Type())
		}
		a.body = []byte(s)
	}
	return a, nil
}

// fromLua turns test data into Go values for encoding/json: a table with
// keys 1..n is an array, any other a map with string keys.
func fromLua(v lua.LValue, depth int) any {
	if depth > 100 {
		return nil
	}
	switch v := v.(type) {
	case lua.LBool:
		return bool(v)
	case lua.LNumber:
		return float64(v)
	case lua.LString:
		return string(v)
	case *lua.LTable:
		if n := v.Len(); n > 0 {
			arr := make([]any, 0, n)
			for i := 1; i <= n; i++ {
				arr = append(arr, fromLua(v.RawGetInt(i), depth+1))
			}
			return arr
		}
		m := map[string]any{}
		v.ForEach(func(k, val lua.LValue) { m[lua.LVAsString(k)] = fromLua(val, depth+1) })
		return m
	}
	return nil
}

// config is sim.config(script, {key = value}): settings the operator would
// give the script (config.get), for the tests of this file that start after
// the call. Call it at the top of the test file, so config.require sees the
// values when the script loads; sim.config(script, {key = {value, secret = true}})
// marks one secret.
func (s *suite) config(L *lua.LState) int {
	script := strings.TrimSuffix(L.CheckString(1), ".lua")
	t := L.CheckTable(2)
	if s.settings == nil {
		s.settings = map[string]map[string]bindings.Setting{}
	}
	if s.settings[script] == nil {
		s.settings[script] = map[string]bindings.Setting{}
	}
	t.ForEach(func(k, v lua.LValue) {
		key, ok := k.(lua.LString)
		if !ok {
			L.ArgError(2, "keys are setting names")
		}
		set := bindings.Setting{}
		switch v := v.(type) {
		case lua.LString, lua.LNumber, lua.LBool:
			set.Value = lua.LVAsString(v)
			if b, ok := v.(lua.LBool); ok {
				set.Value = map[bool]string{true: "true", false: "false"}[bool(b)]
			}
		case *lua.LTable:
			set.Value = lua.LVAsString(v.RawGetInt(1))
			set.Secret = lua.LVAsBool(v.RawGetString("secret"))
		default:
			L.ArgError(2, fmt.Sprintf("setting %s: a string, number or boolean, got %s", key, v.Type()))
		}
		s.settings[script][string(key)] = set
	})
	return 0
}
