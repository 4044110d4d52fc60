package sim_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/luabot/luabot/sim"
)

func TestToken_Issue(t *testing.T) {
	clock := newClock()
	s := MustStart(t, sim.Config{}, clock)

	r, tok := requestToken(t, s, credentials(s))
	if r.status != http.StatusOK {
		t.Fatalf("status %d", r.status)
	}
	checkJSONHeaders(t, r)
	if tok.AccessToken == nil || *tok.AccessToken == "" {
		t.Fatalf("no access_token in %s", r.body)
	}
	if tok.ExpiresIn != "7200" {
		t.Fatalf("expires_in = %#v, want the string \"7200\"", tok.ExpiresIn)
	}

	clock.Advance(100 * time.Second)
	_, again := requestToken(t, s, credentials(s))
	if *again.AccessToken != *tok.AccessToken {
		t.Error("token changed while far from expiry")
	}
	if again.ExpiresIn != "7100" {
		t.Errorf("expires_in = %#v, want \"7100\"", again.ExpiresIn)
	}
}

func TestToken_Rotation(t *testing.T) {
	clock := newClock()
	s := MustStart(t, sim.Config{TokenTTL: 7200 * time.Second}, clock)
	me := s.APIURL() + "/users/@me"

	old := MustToken(t, s)
	clock.Advance(7200*time.Second - 61*time.Second)
	if got := MustToken(t, s); got != old {
		t.Fatal("rotated with 61 s left")
	}
	clock.Advance(2 * time.Second) // 59 s left: inside the rotation window
	_, fresh := requestToken(t, s, credentials(s))
	if *fresh.AccessToken == old || fresh.ExpiresIn != "7200" {
		t.Fatalf("got %q expiring in %v, want a new token for 7200 s", *fresh.AccessToken, fresh.ExpiresIn)
	}
	if r := do(t, http.MethodGet, me, "", "Authorization: QQBot "+old); r.status != http.StatusOK {
		t.Fatalf("old token refused before its expiry: %d %s", r.status, r.body)
	}
	clock.Advance(59 * time.Second)
	checkError(t, do(t, http.MethodGet, me, "", "Authorization: QQBot "+old), http.StatusUnauthorized, 11244)
	if r := do(t, http.MethodGet, me, "", "Authorization: QQBot "+*fresh.AccessToken); r.status != http.StatusOK {
		t.Fatalf("new token refused: %d %s", r.status, r.body)
	}
}

func TestToken_ShortTTL(t *testing.T) {
	s := MustStart(t, sim.Config{TokenTTL: 30 * time.Second}, newClock())
	_, a := requestToken(t, s, credentials(s))
	_, b := requestToken(t, s, credentials(s))
	if *a.AccessToken == *b.AccessToken || a.ExpiresIn != "30" {
		t.Fatalf("TTL inside the rotation window must mint each time: %q %q %v", *a.AccessToken, *b.AccessToken, a.ExpiresIn)
	}
}

func TestToken_Errors(t *testing.T) {
	s := MustStart(t, sim.Config{AppID: "102000042", Secret: "s3cret"}, nil)
	tests := []struct {
		name string
		body string
		code int
	}{
		{"wrong app id", `{"appId":"102000043","clientSecret":"s3cret"}`, 100007},
		{"wrong secret", `{"appId":"102000042","clientSecret":"nope"}`, 100016},
		{"missing secret", `{"appId":"102000042"}`, 100007},
		{"missing app id", `{"clientSecret":"s3cret"}`, 100007},
		{"null app id", `{"appId":null,"clientSecret":"s3cret"}`, 100007},
		{"numeric app id", `{"appId":102000042,"clientSecret":"s3cret"}`, 100002},
		{"form body", `appId=102000042&clientSecret=s3cret`, 100002},
		{"empty body", ``, 100002},
		{"json array", `[]`, 100002},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, tok := requestToken(t, s, tt.body)
			if r.status != http.StatusOK {
				t.Errorf("status %d, want 200", r.status)
			}
			checkJSONHeaders(t, r)
			if tok.Code != tt.code || tok.Message == "" || tok.AccessToken != nil {
				t.Errorf("body %s, want code %d and no access_token", r.body, tt.code)
			}
		})
	}
	if _, tok := requestToken(t, s, `{"appId":"102000042","clientSecret":"s3cret","extra":1}`); tok.AccessToken == nil {
		t.Error("unknown keys must be ignored")
	}
	// The service decodes only JSON requests: another Content-Type is "appid
	// invalid" even with good credentials in the body (§1.2).
	good := `{"appId":"102000042","clientSecret":"s3cret"}`
	for _, ct := range []string{"", "text/plain", "application/x-www-form-urlencoded"} {
		r := do(t, http.MethodPost, s.TokenURL()+"/app/getAppAccessToken", good, "Content-Type: "+ct)
		if tok := decode[tokenBody](t, r.body); r.status != http.StatusOK || tok.Code != 100007 || tok.AccessToken != nil {
			t.Errorf("Content-Type %q: %d %s, want 200 with code 100007", ct, r.status, r.body)
		}
	}
	r := do(t, http.MethodPost, s.TokenURL()+"/app/getAppAccessToken", good, "Content-Type: application/json; charset=utf-8")
	if tok := decode[tokenBody](t, r.body); tok.AccessToken == nil {
		t.Errorf("application/json with a charset: %s, want a token", r.body)
	}
}
