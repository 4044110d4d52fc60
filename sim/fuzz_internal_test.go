package sim

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
)

// FuzzParseClientFrame feeds arbitrary bytes to the gateway's frame
// decoder: it must never panic, and every frame it refuses must map to
// 4001 or 4002 with a reason.
func FuzzParseClientFrame(f *testing.F) {
	for _, seed := range []string{
		`{"op":1,"d":null}`,
		`{"op":1,"d":42}`,
		`{"op":1,"d":"x"}`,
		`{"op":2,"d":{"token":"QQBot x","intents":513,"shard":[0,1],"properties":{}},"Session":null}`,
		`{"op":6,"d":{"token":"x","session_id":"s","seq":3}}`,
		`{"op":99}`,
		`{"d":{}}`,
		`{"op":`,
		`[]`,
		`null`,
		"",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		fr, code, reason := parseClientFrame(data)
		switch code {
		case 0:
			if fr.op != opHeartbeat && fr.op != opIdentify && fr.op != opResume {
				t.Fatalf("accepted op %d", fr.op)
			}
		case closeDecodeError, closeInvalidOpcode:
			if reason == "" {
				t.Fatalf("close %d without a reason", code)
			}
		default:
			t.Fatalf("unexpected close code %d", code)
		}
	})
}

// FuzzParseMessageRequest feeds arbitrary bodies to the send-message
// decoder, and the payload checks that follow it, which must not panic.
func FuzzParseMessageRequest(f *testing.F) {
	for _, seed := range []string{
		`{"content":"hi","msg_id":"08ab","msg_seq":2}`,
		`{"content":null,"embed":null,"ark":null,"image":null,"markdown":null}`,
		`{"msg_type":7,"media":{"file_info":"aGVsbG8="}}`,
		`{"embed":"x"}`,
		`{"keyboard":{"id":"1"}}`,
		`{"content":5}`,
		`content=hi`,
		`{"media":null}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var req messageRequest
		msg, err := parseMessageRequest(body, &req)
		if err != nil && msg == "" {
			t.Fatal("refused without a message")
		}
		_ = req.hasPayload()
		if req.Media != nil {
			_ = deref(req.Media.FileInfo)
		}
	})
}

// FuzzParseIdentify checks the Identify field parsers.
func FuzzParseIdentify(f *testing.F) {
	for _, seed := range []string{`1`, `4294967295`, `-1`, `"1"`, `[0,1]`, `[1,1]`, `[0]`, `null`, `{}`} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		if v, ok := parseShard(raw); ok && v[0] >= v[1] {
			t.Fatalf("accepted shard %v", v)
		}
		_, _ = parseIntents(raw)
	})
}

// FuzzServeHTTP sends arbitrary methods, paths and bodies through the whole
// REST and control stack, authenticated, so that every handler's decoding
// runs: nothing may panic, and every answer must be JSON or empty.
func FuzzServeHTTP(f *testing.F) {
	s, err := New(Config{})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { _ = s.Close() })
	ch := s.w.guilds[0].channels[0].ID
	seeds := []struct{ method, path, body string }{
		{"POST", "/channels/" + ch + "/messages", `{"content":"x"}`},
		{"POST", "/guilds/" + guildID + "/channels", `{"name":"n","subtype":1}`},
		{"PATCH", "/channels/" + ch, `{"name":null}`},
		{"GET", "/guilds/" + guildID + "/members?after=0&limit=400", ``},
		{"POST", "/guilds/" + guildID + "/roles", `{"filter":{"name":1},"info":{"name":"r","hoist":"1"}}`},
		{"PATCH", "/guilds/" + guildID + "/mute", `{"mute_seconds":"60","user_ids":["1"]}`},
		{"POST", "/users/@me/dms", `{"recipient_id":"8143920175038461127","source_guild_id":"` + guildID + `"}`},
		{"POST", "/v2/groups/" + s.w.groups[0].OpenID + "/messages", `{"msg_type":7,"media":{"file_info":"!!"}}`},
		{"POST", "/v2/users/" + s.w.users[0].OpenID + "/files", `{"file_type":1,"url":"http://x"}`},
		{"GET", "/channels/" + ch + "/messages?around=x&limit=20", ``},
		{"PUT", "/interactions/x", `raw text`},
		{"POST", "/sim/messages", `{"scene":"group","content":"hi"}`},
		{"POST", "/sim/faults", `{"kind":"latency","latency_ms":0}`},
		{"GET", "/sim/sent?since=-1", ``},
		{"POST", "/sim/clock", `{"advance":"5m"}`},
		{"POST", "/sim/voice", `{"channel_id":"` + ch + `"}`},
		{"PATCH", "/channels/" + ch + "/messages/x", `{"markdown":{"content":"x"},"keyboard":null}`},
		{"POST", "/channels/" + ch + "/settingguide", `{"content":"<@1>"}`},
		{"POST", "/dms/" + guildID + "/settingguide", `{"setting_guide":{"guild_id":"1"}}`},
		{"POST", "/channels/" + ch + "/announces", `{"message_id":"x"}`},
		{"POST", "/channels/" + ch + "/audio", `{"audio_url":"https://x","status":0}`},
		{"GET", "/channels/" + ch + "/schedules?since=0", `{"since":"1"}`},
		{"POST", "/channels/" + ch + "/schedules", `{"schedule":{"name":"s","start_timestamp":"1","end_timestamp":"2","remind_type":"0"}}`},
		{"PUT", "/channels/" + ch + "/threads", `{"title":"t","content":"c","format":4}`},
		{"POST", "/gateway/webhook/sessions", `{"intents":1,"shards":[0,1],"callback_url":"https://x"}`},
		{"PATCH", "/gateway/webhook/sessions?action=check", ``},
		{"POST", "/channels/" + ch + "/messages", "--b\r\nContent-Disposition: form-data; name=\"file_image\"; filename=\"a.png\"\r\n\r\nPNG\r\n--b\r\nContent-Disposition: form-data; name=\"content\"\r\n\r\nhi\r\n--b--\r\n"},
	}
	for _, sd := range seeds {
		f.Add(sd.method, sd.path, []byte(sd.body))
	}
	auth := "Bot " + s.cfg.AppID + "." + s.cfg.BotToken
	f.Fuzz(func(t *testing.T, method, path string, body []byte) {
		if path == "" || path[0] != '/' || path == gatewayPath || path == controlPrefix+"/faults" {
			return // the gateway needs a socket; faults would slow later inputs
		}
		req, err := http.NewRequest(method, "http://sim"+path, bytes.NewReader(body))
		if err != nil {
			return
		}
		req.Header.Set("Authorization", auth)
		if bytes.HasPrefix(body, []byte("--b")) { // the multipart parser needs its boundary
			req.Header.Set("Content-Type", "multipart/form-data; boundary=b")
		}
		rec := httptest.NewRecorder()
		s.serveHTTP(rec, req)
		if rec.Body.Len() > 0 && !json.Valid(rec.Body.Bytes()) {
			t.Fatalf("%s %s answered %d with non-JSON %q", method, path, rec.Code, rec.Body.Bytes())
		}
	})
}
