package host_test

import (
	"bytes"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/luabot/luabot/gateway"
	"github.com/luabot/luabot/host"
	"github.com/luabot/luabot/internal/simtest"
	"github.com/luabot/luabot/sim"
	"github.com/luabot/luabot/transport"
)

// hookProxy sits between the simulator's webhook sender and the bot: it forwards every
// callback and returns the bot's answer, except that it answers 500 to the first delivery
// of the event whose content contains failOnce (after the bot has handled it), as if the
// ack had been lost, so that the simulator retries it.
type hookProxy struct {
	target   string // the bot's listen address
	failOnce string

	mu      sync.Mutex
	ops     []int          // op of every callback, in order
	tries   map[string]int // deliveries per event id
	retried chan string    // the id of the event whose retry the bot acked
	failed  bool
}

func (p *hookProxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, "read", http.StatusBadRequest)
		return
	}
	var f struct {
		Op int    `json:"op"`
		ID string `json:"id"`
		D  struct {
			Content string `json:"content"`
		} `json:"d"`
	}
	_ = json.Unmarshal(body, &f)
	req, err := http.NewRequestWithContext(r.Context(), http.MethodPost, "http://"+p.target+"/", bytes.NewReader(body))
	if err != nil {
		http.Error(w, "request", http.StatusInternalServerError)
		return
	}
	for _, k := range []string{"Content-Type", "User-Agent", "X-Bot-Appid", "X-Signature-Timestamp", "X-Signature-Ed25519", "X-Signature-Method"} {
		req.Header.Set(k, r.Header.Get(k))
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil { // the bot is not listening yet; the simulator retries
		http.Error(w, "bot unreachable", http.StatusBadGateway)
		return
	}
	defer resp.Body.Close()
	reply, _ := io.ReadAll(resp.Body)

	p.mu.Lock()
	p.ops = append(p.ops, f.Op)
	p.tries[f.ID]++
	tries := p.tries[f.ID]
	lose := !p.failed && f.Op == 0 && strings.Contains(f.D.Content, p.failOnce)
	if lose {
		p.failed = true
	}
	p.mu.Unlock()
	if lose {
		http.Error(w, "ack lost", http.StatusInternalServerError)
		return
	}
	if tries == 2 && resp.StatusCode == http.StatusOK {
		select {
		case p.retried <- f.ID:
		default:
		}
	}
	w.Header().Set("Content-Type", resp.Header.Get("Content-Type"))
	w.WriteHeader(resp.StatusCode)
	_, _ = w.Write(reply)
}

// freeAddr returns a loopback address nobody listens on right now, for the bot's
// webhook to listen on. Its port is below the kernel's ephemeral range: a port the
// kernel chose (":0") is free again once the probe closes, and until the bot listens
// any outgoing connection of this process (the package's tests open thousands) can be
// given it as its local port and keep it for seconds; the bot's listen then waits and
// the test runs out of time. Only explicit binds use ports below the range.
func freeAddr(t *testing.T) string {
	t.Helper()
	lo := ephemeralLow()
	for range 100 {
		ln, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(1024+rand.IntN(lo-1024)))
		if err != nil {
			continue // in use
		}
		addr := ln.Addr().String()
		ln.Close()
		return addr
	}
	t.Fatalf("no free loopback port below %d", lo)
	return ""
}

// ephemeralLow is the lowest port the kernel hands out by itself, or 32768 (Linux's
// default) where that cannot be read or leaves no room below it.
func ephemeralLow() int {
	b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range")
	if f := strings.Fields(string(b)); err == nil && len(f) == 2 {
		if lo, err := strconv.Atoi(f[0]); err == nil && lo > 2048 {
			return lo
		}
	}
	return 32768
}

// The webhook transport end to end: the simulator validates the callback URL (op 13) and
// POSTs signed events; a message reaches the script and its reply reaches the platform; an
// event the simulator delivers again (its ack was lost) reaches the script once; a request
// whose signature is wrong gets 401 and reaches nothing.
func TestHost_WebhookOnSim(t *testing.T) {
	t.Parallel()
	addr := freeAddr(t)
	proxy := &hookProxy{target: addr, failOnce: "retry me", tries: map[string]int{}, retried: make(chan string, 1)}
	front := httptest.NewServer(proxy)
	t.Cleanup(front.Close)
	platform := simtest.Start(t, sim.Config{WebhookURL: front.URL})
	ctx := simtest.Deadline(t, 20*time.Second)
	logs := simtest.NewLog()
	h, stop := runHostVia(t, platform, filepath.Join(t.TempDir(), "bot.db"), host.Config{Logger: logs.Logger()}, transport.Config{
		Kind:    transport.Webhook,
		Webhook: gateway.WebhookConfig{Secret: platform.Secret(), Listen: addr},
	}, "../examples/echo.lua")

	msg, err := platform.Post(sim.Post{Content: "hello", MentionBot: true})
	if err != nil {
		t.Fatal(err)
	}
	got, err := platform.WaitSent(ctx, 0)
	if err != nil {
		t.Fatalf("%v; log:\n%s", err, logs.Tail(20))
	}
	if got.Content != "hello" || got.MsgID != msg.ID {
		t.Fatalf("answer %q to %q, want %q to %q", got.Content, got.MsgID, "hello", msg.ID)
	}

	retry, err := platform.Post(sim.Post{Content: "retry me", MentionBot: true})
	if err != nil {
		t.Fatal(err)
	}
	select {
	case id := <-proxy.retried:
		if id != retry.EventID {
			t.Fatalf("retried event %s, want %s", id, retry.EventID)
		}
	case <-ctx.Done():
		t.Fatal("the simulator did not retry the event whose ack was lost")
	}
	// Deliveries are in order: once the next message is answered, the retry is long done.
	if _, err := platform.Post(sim.Post{Content: "after", MentionBot: true}); err != nil {
		t.Fatal(err)
	}
	answers := map[string]int{}
	for i := range 3 {
		m, err := platform.WaitSent(ctx, i)
		if err != nil {
			t.Fatal(err)
		}
		answers[m.Content]++
	}
	if answers["hello"] != 1 || answers["retry me"] != 1 || answers["after"] != 1 {
		t.Errorf("answers %v, want each message answered once", answers)
	}

	// Forged requests: signed with another key, and a body changed after signing.
	body := `{"op":0,"id":"AT_MESSAGE_CREATE:forged","t":"AT_MESSAGE_CREATE","d":{"content":"forged"}}`
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	wrongKey := gateway.WebhookKey("not-the-secret-of-this-bot-at-all")
	rightKey := gateway.WebhookKey(platform.Secret())
	forged := []struct {
		name, body string
		sig        []byte
	}{
		{"wrong key", body, ed25519.Sign(wrongKey, []byte(ts+body))},
		{"tampered body", strings.Replace(body, "forged", "tampered", 1), ed25519.Sign(rightKey, []byte(ts+body))},
		{"no signature", body, nil},
	}
	// Received counts an event once its delivery returns, which can be
	// after the script has already answered it: wait for all six (each
	// @-message also comes as MESSAGE_CREATE, which the simulator's webhook
	// delivers like every event).
	for h.Received() < 6 {
		select {
		case <-ctx.Done():
			t.Fatalf("the host counted %d events, want 6", h.Received())
		case <-time.After(time.Millisecond):
		}
	}
	before := h.Received()
	for _, f := range forged {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://"+addr+"/", strings.NewReader(f.body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Signature-Timestamp", ts)
		if f.sig != nil {
			req.Header.Set("X-Signature-Ed25519", hex.EncodeToString(f.sig))
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("%s: status %d, want 401", f.name, resp.StatusCode)
		}
	}
	if n := h.Received(); n != before {
		t.Errorf("forged requests reached the scripts: %d events, was %d", n, before)
	}

	st := h.Status()
	if st.Transport != transport.Webhook || st.Duplicates != 1 || len(st.Shards) != 0 {
		t.Errorf("status %+v; want the webhook transport with 1 duplicate dropped", st)
	}
	proxy.mu.Lock()
	if len(proxy.ops) == 0 || proxy.ops[0] != 13 || proxy.tries[retry.EventID] != 2 {
		t.Errorf("callbacks: ops %v, %d deliveries of the retried event; want op 13 first and 2", proxy.ops, proxy.tries[retry.EventID])
	}
	proxy.mu.Unlock()
	if err := stop(); err != nil {
		t.Fatalf("Run = %v", err)
	}
	if n := len(platform.Sent()); n != 3 {
		t.Errorf("%d answers, want 3", n)
	}
}
