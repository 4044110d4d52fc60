package gateway_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/luabot/luabot/gateway"
)

// Golden vectors from docs/protocol.md §10.2 and §10.3.
func TestWebhookKey_GoldenVectors(t *testing.T) {
	key := gateway.WebhookKey("naOC0ocQE3shWLAfffVLB1rhYPG7")
	wantPub := []byte{215, 195, 98, 254, 120, 174, 248, 31, 242, 50, 135, 180, 147, 98, 139, 93, 176, 42, 60, 79, 227, 11, 33, 94, 77, 25, 96, 155, 93, 118, 103, 58}
	if pub := key.Public().(ed25519.PublicKey); !bytes.Equal(pub, wantPub) {
		t.Errorf("public key = %v, want %v", []byte(pub), wantPub)
	}
	sig := ed25519.Sign(key, []byte(`1725442341{"op":0,"d":{},"t":"GATEWAY_EVENT_NAME"}`))
	if got, want := hex.EncodeToString(sig), "b9d91ef278516c0f359216398be939ee591186ecc250b3b5c724436655b7adf9f906b025413ccd61fe8218b39ce61733bf2707b1dd8ea2b649f5d3cf727c0a01"; got != want {
		t.Errorf("signature = %s, want %s", got, want)
	}
}

// ts0 is the fixtures' "now" (the golden vectors' timestamp): webhooks refuse a
// timestamp more than 5 minutes away from their clock.
const ts0 = "1725442341"

var now0 = time.Unix(1725442341, 0)

type webhookFixture struct {
	srv    *httptest.Server
	secret string
	mu     sync.Mutex
	events []gateway.Event
}

func newWebhookFixture(t *testing.T, secret string) *webhookFixture {
	t.Helper()
	w, err := gateway.NewWebhook(gateway.WebhookConfig{Secret: secret, Now: func() time.Time { return now0 }})
	if err != nil {
		t.Fatal(err)
	}
	f := &webhookFixture{secret: secret}
	f.srv = httptest.NewServer(w.Handler(func(e gateway.Event) {
		f.mu.Lock()
		f.events = append(f.events, e)
		f.mu.Unlock()
	}))
	t.Cleanup(f.srv.Close)
	return f
}

// post sends body signed with secret at ts (sig overrides the signature when non-empty).
func (f *webhookFixture) post(t *testing.T, secret, ts, body, sig string) (int, string) {
	t.Helper()
	if sig == "" {
		sig = hex.EncodeToString(ed25519.Sign(gateway.WebhookKey(secret), []byte(ts+body)))
	}
	req, _ := http.NewRequest(http.MethodPost, f.srv.URL, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Signature-Ed25519", sig)
	req.Header.Set("X-Signature-Timestamp", ts)
	req.Header.Set("X-Signature-Method", "Ed25519")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestWebhook_ValidationOp13(t *testing.T) {
	f := newWebhookFixture(t, "DG5g3B4j9X2KOErG")
	body := `{"op":13,"d":{"plain_token":"Arq0D5A61EgUu4OxUvOp","event_ts":"1725442341"}}`
	status, got := f.post(t, f.secret, "1725442341", body, "")
	if status != http.StatusOK {
		t.Fatalf("status %d: %s", status, got)
	}
	var reply struct {
		PlainToken string `json:"plain_token"`
		Signature  string `json:"signature"`
	}
	if err := json.Unmarshal([]byte(got), &reply); err != nil {
		t.Fatal(err)
	}
	want := "87befc99c42c651b3aac0278e71ada338433ae26fcb24307bdc5ad38c1adc2d01bcfcadc0842edac85e85205028a1132afe09280305f13aa6909ffc2d652c706"
	if reply.PlainToken != "Arq0D5A61EgUu4OxUvOp" || reply.Signature != want {
		t.Errorf("reply = %s, want plain_token echoed and signature %s", got, want)
	}
}

func TestWebhook_DispatchAckAndHeartbeat(t *testing.T) {
	f := newWebhookFixture(t, "naOC0ocQE3shWLAfffVLB1rhYPG7")
	// The §10.2 golden request itself.
	status, got := f.post(t, f.secret, "1725442341", `{"op":0,"d":{},"t":"GATEWAY_EVENT_NAME"}`,
		"b9d91ef278516c0f359216398be939ee591186ecc250b3b5c724436655b7adf9f906b025413ccd61fe8218b39ce61733bf2707b1dd8ea2b649f5d3cf727c0a01")
	if status != 200 || got != `{"d":0,"op":12}` {
		t.Errorf("dispatch answer %d %s, want 200 {op:12,d:0}", status, got)
	}
	status, got = f.post(t, f.secret, "1725442342", `{"op":1,"d":42}`, "")
	if status != 200 || got != `{"d":42,"op":11}` {
		t.Errorf("heartbeat answer %d %s, want {op:11,d:42}", status, got)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.events) != 1 || f.events[0].Type != "GATEWAY_EVENT_NAME" {
		t.Errorf("events = %+v, want the one dispatch", f.events)
	}
}

func TestWebhook_BadSignatureRejectedBeforeParsing(t *testing.T) {
	f := newWebhookFixture(t, "naOC0ocQE3shWLAfffVLB1rhYPG7")
	tests := []struct {
		name, secret, ts, body, sig string
	}{
		{"wrong secret", "another-secret-entirely", ts0, `{"op":0,"t":"X","d":{}}`, ""},
		{"not json, unsigned", "", ts0, `not json`, strings.Repeat("00", 64)},
		{"not hex", "", ts0, `{"op":0}`, "zz"},
		{"short", "", ts0, `{"op":0}`, "abcd"},
		{"no timestamp", "naOC0ocQE3shWLAfffVLB1rhYPG7", "", `{"op":0,"t":"X","d":{}}`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if status, _ := f.post(t, tt.secret, tt.ts, tt.body, tt.sig); status != http.StatusUnauthorized {
				t.Errorf("status %d, want 401", status)
			}
		})
	}
	// A valid signature over one timestamp does not cover another.
	sig := hex.EncodeToString(ed25519.Sign(gateway.WebhookKey(f.secret), []byte(ts0+`{"op":0,"t":"X","d":{}}`)))
	if status, _ := f.post(t, f.secret, "1725442342", `{"op":0,"t":"X","d":{}}`, sig); status != http.StatusUnauthorized {
		t.Errorf("replayed signature with another timestamp: status %d, want 401", status)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.events) != 0 {
		t.Errorf("events delivered despite bad signatures: %+v", f.events)
	}
}

func TestWebhook_RetriesDeduplicated(t *testing.T) {
	f := newWebhookFixture(t, "naOC0ocQE3shWLAfffVLB1rhYPG7")
	d, err := gateway.NewDedup(gateway.DedupConfig{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	var mu sync.Mutex
	w, _ := gateway.NewWebhook(gateway.WebhookConfig{Secret: f.secret, Now: func() time.Time { return now0 }})
	f.srv.Config.Handler = w.Handler(d.Wrap(func(e gateway.Event) {
		mu.Lock()
		got = append(got, e.ID)
		mu.Unlock()
	}))
	body := `{"op":0,"id":"AT_MESSAGE_CREATE:1","t":"AT_MESSAGE_CREATE","d":{}}`
	for range 3 { // the platform retries until it sees the ack
		if status, ack := f.post(t, f.secret, ts0, body, ""); status != 200 || ack != `{"d":0,"op":12}` {
			t.Fatalf("ack %d %s", status, ack)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if len(got) != 1 || d.Dropped() != 2 {
		t.Errorf("delivered %v, dropped %d; want once and 2 dropped", got, d.Dropped())
	}
}

func TestWebhook_RunShutsDown(t *testing.T) {
	w, err := gateway.NewWebhook(gateway.WebhookConfig{Secret: "s"})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Serve(ctx, ln, func(gateway.Event) {}) }()
	resp, err := http.Get("http://" + ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("GET status %d, want 405", resp.StatusCode)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Serve = %v", err)
	}
	if _, err := gateway.NewWebhook(gateway.WebhookConfig{Secret: "s", TLSCert: "c"}); !errors.Is(err, gateway.ErrInvalidConfig) {
		t.Errorf("cert without key: %v", err)
	}
}
