package openapi_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/luabot/luabot/openapi"
)

func TestNew_Config(t *testing.T) {
	tests := []struct {
		name    string
		cfg     openapi.Config
		wantErr error // nil: New must succeed
	}{
		{"defaults", openapi.Config{AppID: "1", Secret: "s"}, nil},
		{"legacy token", openapi.Config{AppID: "1", Token: "t"}, nil},
		{"missing appid", openapi.Config{Secret: "s"}, openapi.ErrInvalidConfig},
		{"no credential", openapi.Config{AppID: "1"}, openapi.ErrInvalidConfig},
		{"both credentials", openapi.Config{AppID: "1", Secret: "s", Token: "legacy-token-value"}, openapi.ErrInvalidConfig},
		{"token with newline", openapi.Config{AppID: "1", Token: "legacy-token\nX: y"}, openapi.ErrInvalidConfig},
		{"http non-loopback base", openapi.Config{AppID: "1", Secret: "s", BaseURL: "http://api.example.com"}, openapi.ErrInsecureURL},
		{"http non-loopback ip", openapi.Config{AppID: "1", Secret: "s", BaseURL: "http://10.0.0.1:8080"}, openapi.ErrInsecureURL},
		{"http non-loopback token url", openapi.Config{AppID: "1", Secret: "s", TokenURL: "http://bots.qq.com"}, openapi.ErrInsecureURL},
		{"http 127.0.0.1", openapi.Config{AppID: "1", Secret: "s", BaseURL: "http://127.0.0.1:8080", TokenURL: "http://127.0.0.1:8081"}, nil},
		{"http 127.1.2.3", openapi.Config{AppID: "1", Secret: "s", BaseURL: "http://127.1.2.3"}, nil},
		{"http localhost", openapi.Config{AppID: "1", Secret: "s", BaseURL: "http://localhost:9"}, nil},
		{"http ::1", openapi.Config{AppID: "1", Secret: "s", BaseURL: "http://[::1]:9"}, nil},
		{"https anywhere", openapi.Config{AppID: "1", Secret: "s", BaseURL: "https://api.example.com/"}, nil},
		{"other scheme", openapi.Config{AppID: "1", Secret: "s", BaseURL: "ftp://127.0.0.1"}, openapi.ErrInvalidConfig},
		{"no host", openapi.Config{AppID: "1", Secret: "s", BaseURL: "https://"}, openapi.ErrInvalidConfig},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := openapi.New(tt.cfg)
			if tt.wantErr == nil {
				if err != nil || c == nil {
					t.Fatalf("New = %v, %v; want a client", c, err)
				}
				return
			}
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("New error = %v, want %v", err, tt.wantErr)
			}
			if tt.cfg.Token != "" && strings.Contains(err.Error(), tt.cfg.Token) {
				t.Errorf("error %q quotes the token", err)
			}
		})
	}
}

func TestNew_BaseURLDefaults(t *testing.T) {
	tests := []struct {
		name string
		cfg  openapi.Config
		want string
	}{
		{"production", openapi.Config{AppID: "1", Secret: "s"}, openapi.ProductionURL},
		{"sandbox", openapi.Config{AppID: "1", Secret: "s", Sandbox: true}, openapi.SandboxURL},
		{"explicit wins", openapi.Config{AppID: "1", Secret: "s", Sandbox: true, BaseURL: "http://127.0.0.1:1/"}, "http://127.0.0.1:1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := openapi.New(tt.cfg)
			if err != nil {
				t.Fatal(err)
			}
			if got := c.BaseURL(); got != tt.want {
				t.Errorf("BaseURL = %q, want %q", got, tt.want)
			}
			if c.AppID() != "1" {
				t.Errorf("AppID = %q", c.AppID())
			}
		})
	}
}

func TestClient_Do_Headers(t *testing.T) {
	p := newPlatform(t)
	p.api = func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, map[string]any{}) }
	c := p.secretClient(t, nil)
	in := map[string]string{"k": "v"}
	if err := c.Do(context.Background(), http.MethodPost, "/x/y", url.Values{"a": {"1"}}, in, nil); err != nil {
		t.Fatalf("Do: %v", err)
	}
	r := p.apiRequests()[0]
	checks := map[string]string{
		"Authorization": "QQBot AT1",
		"X-Union-Appid": testAppID,
		"User-Agent":    "luabot",
		"Content-Type":  "application/json",
	}
	for h, want := range checks {
		if got := r.Header.Get(h); got != want {
			t.Errorf("%s = %q, want %q", h, got, want)
		}
	}
	if r.Method != http.MethodPost || r.Path != "/x/y" || r.Query != "a=1" {
		t.Errorf("request = %s %s?%s", r.Method, r.Path, r.Query)
	}
	if string(r.Body) != `{"k":"v"}` {
		t.Errorf("body = %s", r.Body)
	}
}

func TestClient_LegacyToken(t *testing.T) {
	p := newPlatform(t)
	p.token = func(int, http.ResponseWriter, *http.Request) { t.Error("token service called in legacy mode") }
	p.api = func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, map[string]any{"id": "7"}) }
	c, err := openapi.New(openapi.Config{AppID: testAppID, Token: "legacy-tok", BaseURL: p.srv.URL, UserAgent: "ua/1"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Me(context.Background()); err != nil {
		t.Fatalf("Me: %v", err)
	}
	r := p.apiRequests()[0]
	if got := r.Header.Get("Authorization"); got != "Bot 1001.legacy-tok" {
		t.Errorf("Authorization = %q", got)
	}
	if got := r.Header.Get("User-Agent"); got != "ua/1" {
		t.Errorf("User-Agent = %q", got)
	}
	if tok, err := c.IdentifyToken(context.Background()); err != nil || tok != "Bot 1001.legacy-tok" {
		t.Errorf("IdentifyToken = %q, %v", tok, err)
	}
}

func TestError_FromResponse(t *testing.T) {
	tests := []struct {
		name        string
		status      int
		contentType string
		header      string
		body        string
		want        openapi.Error
		wantText    string
	}{
		{
			name: "error body with header trace", status: 401, contentType: "application/json", header: "4f1c",
			body:     `{"message":"token expired or not exist","code":11244,"err_code":11244,"trace_id":"body-trace"}`,
			want:     openapi.Error{Status: 401, Code: 11244, Message: "token expired or not exist", TraceID: "4f1c"},
			wantText: "openapi: 401 code 11244: token expired or not exist (trace 4f1c)",
		},
		{
			name: "err_code wins, body trace fallback", status: 403, contentType: "application/json",
			body: `{"message":"no","code":1,"err_code":11253,"trace_id":"body-trace"}`,
			want: openapi.Error{Status: 403, Code: 11253, Message: "no", TraceID: "body-trace"},
		},
		{
			name: "plain text body", status: 502, contentType: "text/plain",
			body:     "bad\ngateway",
			want:     openapi.Error{Status: 502, Message: "bad gateway"},
			wantText: "openapi: 502: bad gateway",
		},
		{
			name: "empty body", status: 429,
			want: openapi.Error{Status: 429, Message: "Too Many Requests"},
		},
		{
			name: "202 with a non-audit code", status: 202, contentType: "application/json", header: "t2",
			body: `{"code":304016,"message":"send error","data":{"x":1}}`,
			want: openapi.Error{Status: 202, Code: 304016, Message: "send error", TraceID: "t2", Data: json.RawMessage(`{"x":1}`)},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newPlatform(t)
			p.api = func(w http.ResponseWriter, r *http.Request) {
				if tt.contentType != "" {
					w.Header().Set("Content-Type", tt.contentType)
				}
				if tt.header != "" {
					w.Header().Set("X-Tps-trace-ID", tt.header)
				}
				w.WriteHeader(tt.status)
				_, _ = w.Write([]byte(tt.body))
			}
			c, err := openapi.New(openapi.Config{AppID: testAppID, Token: "t", BaseURL: p.srv.URL, MaxRetries: -1})
			if err != nil {
				t.Fatal(err)
			}
			err = c.Do(context.Background(), http.MethodGet, "/users/@me", nil, nil, nil)
			var e *openapi.Error
			if !errors.As(err, &e) {
				t.Fatalf("Do error = %v, want *openapi.Error", err)
			}
			if e.Status != tt.want.Status || e.Code != tt.want.Code || e.Message != tt.want.Message ||
				e.TraceID != tt.want.TraceID || string(e.Data) != string(tt.want.Data) {
				t.Errorf("error = %+v, want %+v", *e, tt.want)
			}
			if tt.wantText != "" && e.Error() != tt.wantText {
				t.Errorf("Error() = %q, want %q", e.Error(), tt.wantText)
			}
			if tt.want.Code != 0 && !errors.Is(err, &openapi.Error{Code: tt.want.Code}) {
				t.Errorf("errors.Is by code failed")
			}
			if !errors.Is(err, &openapi.Error{Status: tt.want.Status}) {
				t.Errorf("errors.Is by status failed")
			}
			if errors.Is(err, &openapi.Error{Code: 1}) {
				t.Errorf("errors.Is matched a different code")
			}
		})
	}
}

func TestClient_Do_DecodesWhateverContentType(t *testing.T) {
	p := newPlatform(t)
	p.api = func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte(`{"id":"9","username":"bot","bot":true}`))
	}
	c := p.secretClient(t, nil)
	u, err := c.Me(context.Background())
	if err != nil {
		t.Fatalf("Me: %v", err)
	}
	if u.ID != "9" || u.Username != "bot" || !u.Bot {
		t.Errorf("user = %+v", u)
	}
	var raw json.RawMessage
	if err := c.Do(context.Background(), http.MethodGet, "/anything", nil, nil, &raw); err != nil {
		t.Fatalf("Do raw: %v", err)
	}
	if string(raw) != `{"id":"9","username":"bot","bot":true}` {
		t.Errorf("raw = %s", raw)
	}
}

func TestClient_Do_NoContent(t *testing.T) {
	p := newPlatform(t)
	p.api = func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) }
	c := p.secretClient(t, nil)
	out := map[string]any{"kept": true}
	if err := c.Do(context.Background(), http.MethodDelete, "/channels/1/pins/2", nil, nil, &out); err != nil {
		t.Fatalf("Do: %v", err)
	}
	if out["kept"] != true {
		t.Errorf("out changed on 204: %v", out)
	}
}

func TestClient_Do_RejectsBadPaths(t *testing.T) {
	p := newPlatform(t)
	c := p.secretClient(t, nil)
	for _, path := range []string{"", "users/@me", "//evil.example/x", "/a?b=c", "/a#frag", "/a b", "/a\r\nX: y", `/a\b`} {
		err := c.Do(context.Background(), http.MethodGet, path, nil, nil, nil)
		if !errors.Is(err, openapi.ErrInvalidRequest) {
			t.Errorf("Do(%q) = %v, want ErrInvalidRequest", path, err)
		}
	}
	if p.tokenCount() != 0 || len(p.apiRequests()) != 0 {
		t.Errorf("bad paths reached the server")
	}
}

func TestClient_Do_DoesNotFollowRedirects(t *testing.T) {
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("redirect followed to %s with Authorization %q", r.URL, r.Header.Get("Authorization"))
	}))
	t.Cleanup(other.Close)
	p := newPlatform(t)
	p.api = func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.URL+"/steal", http.StatusTemporaryRedirect)
	}
	c := p.secretClient(t, nil)
	_, err := c.Me(context.Background())
	if !errors.Is(err, &openapi.Error{Status: http.StatusTemporaryRedirect}) {
		t.Fatalf("Me error = %v, want a 307 *Error", err)
	}
}

func TestClient_Resources(t *testing.T) {
	p := newPlatform(t)
	p.api = func(w http.ResponseWriter, r *http.Request) {
		switch r.Method + " " + r.URL.EscapedPath() {
		case "GET /gateway/bot":
			writeJSON(w, 200, map[string]any{"url": "wss://gw.example/websocket", "shards": 2,
				"session_start_limit": map[string]any{"total": 1000, "remaining": 999, "reset_after": 14400000, "max_concurrency": 1}})
		case "GET /users/@me/guilds":
			writeJSON(w, 200, []map[string]any{{"id": "g1", "name": "G", "owner_id": "u", "member_count": 3, "joined_at": "2021-10-21T11:20:18+08:00"}})
		case "GET /guilds/g%2F1/channels":
			writeJSON(w, 200, []map[string]any{{"id": "c1", "guild_id": "g/1", "name": "general", "type": 0, "sub_type": 1, "application_id": "1000000", "permissions": "6"}})
		case "POST /channels/c1/messages":
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`{"id":"m1","channel_id":"c1","guild_id":"g1","content":"hi","author":{"id":"b","bot":true},"seq_in_channel":"5","member":{"roles":["1"]}}`))
		default:
			writeJSON(w, 404, map[string]any{"message": "no route " + r.URL.Path})
		}
	}
	c := p.secretClient(t, nil)
	ctx := context.Background()

	gb, err := c.GatewayBot(ctx)
	if err != nil {
		t.Fatalf("GatewayBot: %v", err)
	}
	if gb.URL != "wss://gw.example/websocket" || gb.Shards != 2 || gb.SessionStartLimit.Remaining != 999 ||
		gb.SessionStartLimit.ResetAfter != 14400000 || gb.SessionStartLimit.MaxConcurrency != 1 {
		t.Errorf("GatewayBot = %+v", gb)
	}

	gs, err := c.MeGuilds(ctx, openapi.GuildPager{Before: "b", After: "a", Limit: 50})
	if err != nil || len(gs) != 1 || gs[0].ID != "g1" || gs[0].MemberCount != 3 {
		t.Errorf("MeGuilds = %+v, %v", gs, err)
	}
	reqs := p.apiRequests()
	if q := reqs[len(reqs)-1].Query; q != "after=a&limit=50" {
		t.Errorf("MeGuilds query = %q, want after=a&limit=50", q)
	}
	if _, err := c.MeGuilds(ctx, openapi.GuildPager{Limit: 101}); !errors.Is(err, openapi.ErrInvalidRequest) {
		t.Errorf("MeGuilds limit 101 = %v, want ErrInvalidRequest", err)
	}

	chs, err := c.Channels(ctx, "g/1")
	if err != nil || len(chs) != 1 || chs[0].SubType != 1 || chs[0].Permissions != "6" {
		t.Errorf("Channels = %+v, %v", chs, err)
	}
	for _, id := range []string{"", "..", "."} {
		if _, err := c.Channels(ctx, id); !errors.Is(err, openapi.ErrInvalidRequest) {
			t.Errorf("Channels(%q) = %v, want ErrInvalidRequest", id, err)
		}
	}

	for _, msg := range []any{
		&openapi.MessageToCreate{Content: "hi", MsgID: "src", Embed: json.RawMessage(`{"title":"t"}`)},
		map[string]any{"content": "hi", "msg_id": "src", "embed": map[string]string{"title": "t"}},
	} {
		m, err := c.PostMessage(ctx, "c1", msg)
		if err != nil {
			t.Fatalf("PostMessage: %v", err)
		}
		if m.ID != "m1" || m.Author.ID != "b" || m.SeqInChannel != "5" || string(m.Member) != `{"roles":["1"]}` {
			t.Errorf("message = %+v", m)
		}
		reqs := p.apiRequests()
		var body map[string]any
		if err := json.Unmarshal(reqs[len(reqs)-1].Body, &body); err != nil {
			t.Fatal(err)
		}
		if len(body) != 3 || body["content"] != "hi" || body["msg_id"] != "src" {
			t.Errorf("PostMessage body = %s", reqs[len(reqs)-1].Body)
		}
	}
	if _, err := c.PostMessage(ctx, "c1", (*openapi.MessageToCreate)(nil)); !errors.Is(err, openapi.ErrInvalidRequest) {
		t.Errorf("PostMessage(nil) = %v, want ErrInvalidRequest", err)
	}
}

// The platform documents a group or C2C send's answer as {id, timestamp}
// with the timestamp an integer (unix seconds), while guild answers carry
// RFC 3339 text: both must decode, a sent message never reported as failed.
func TestPostGroupMessage_TimestampTextOrNumber(t *testing.T) {
	for _, tt := range []struct {
		answer, want string
	}{
		{`{"id":"m1","timestamp":1699240248}`, "2023-11-06T03:10:48Z"},
		{`{"id":"m1","timestamp":"2023-11-06T13:37:18+08:00"}`, "2023-11-06T13:37:18+08:00"},
		{`{"id":"m1"}`, ""},
	} {
		p := newPlatform(t)
		p.api = func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(tt.answer))
		}
		c := p.secretClient(t, nil)
		sent, err := c.PostGroupMessage(context.Background(), "G1", &openapi.MessageToCreate{Content: "hi"})
		if err != nil {
			t.Fatalf("answer %s: %v", tt.answer, err)
		}
		if sent.ID != "m1" || sent.Timestamp != tt.want {
			t.Errorf("answer %s: id %q timestamp %q, want m1 and %q", tt.answer, sent.ID, sent.Timestamp, tt.want)
		}
	}
	p := newPlatform(t)
	p.api = func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"id":"m1","timestamp":true}`))
	}
	if _, err := p.secretClient(t, nil).PostGroupMessage(context.Background(), "G1", &openapi.MessageToCreate{Content: "hi"}); err == nil {
		t.Error("a timestamp that is neither text nor a number decoded without error")
	}
}
