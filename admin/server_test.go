package admin_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"net/http/cookiejar"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/luabot/luabot/admin"
	"github.com/luabot/luabot/outbound"
)

// lockedBuffer is a log sink the server's goroutines may write to while the test reads.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// serve starts a Server for cfg with one handler on /x and returns its URL; it stops
// with the test, and the test fails if Serve does not return within 5 s of that.
func serve(t *testing.T, cfg admin.Config) string {
	t.Helper()
	srv, err := admin.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv.Handle("/x", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "inside") }))
	if err := srv.Listen(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Serve: %v", err)
			}
		case <-time.After(5 * time.Second):
			t.Error("Serve did not return after its context ended")
		}
	})
	return srv.URL()
}

func TestNew_NonLoopbackNeedsAToken(t *testing.T) {
	tests := []struct {
		name, addr, token string
		wantField         string // "" when accepted
	}{
		{"every interface", ":9090", "", "Token"},
		{"any address", "0.0.0.0:9090", "", "Token"},
		{"a LAN address", "192.168.1.5:9090", "", "Token"},
		{"a host name", "bot.example.com:9090", "", "Token"},
		{"every interface with a token but no TLS", ":9090", "s3cret", "TLSCert"},
		{"loopback v4", "127.0.0.1:0", "", ""},
		{"loopback v6", "[::1]:0", "", ""},
		{"localhost", "localhost:0", "", ""},
		{"no address", "", "", "Addr"},
		{"no port", "127.0.0.1", "", "Addr"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := admin.New(admin.Config{Addr: tt.addr, Token: tt.token})
			if tt.wantField == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			var ce *admin.ConfigError
			if !errors.As(err, &ce) || ce.Field != tt.wantField {
				t.Fatalf("err = %v, want a ConfigError on %s", err, tt.wantField)
			}
			if tt.wantField == "TLSCert" && !errors.Is(err, admin.ErrTLSRequired) {
				t.Errorf("err = %v, want ErrTLSRequired", err)
			}
			if tt.wantField == "Token" && !errors.Is(err, admin.ErrTokenRequired) {
				t.Errorf("err = %v, want ErrTokenRequired", err)
			}
		})
	}
}

func TestServer_BearerToken(t *testing.T) {
	const token = "Zq81xKv7-tok"
	var logs lockedBuffer
	url := serve(t, admin.Config{Addr: "127.0.0.1:0", Token: token,
		Logger: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	const wrong = "guess-Yp02"
	tests := []struct {
		name, auth string
		want       int
	}{
		{"missing", "", http.StatusUnauthorized},
		{"wrong", "Bearer " + wrong, http.StatusUnauthorized},
		{"right token, wrong scheme", "Basic " + token, http.StatusUnauthorized},
		{"prefix of the token", "Bearer " + token[:5], http.StatusUnauthorized},
		{"token plus more", "Bearer " + token + "x", http.StatusUnauthorized},
		{"right", "Bearer " + token, http.StatusOK},
		{"scheme in lower case", "bearer " + token, http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest("GET", url+"/x", nil)
			if tt.auth != "" {
				req.Header.Set("Authorization", tt.auth)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tt.want {
				t.Fatalf("status %d, want %d (%s)", resp.StatusCode, tt.want, body)
			}
			if tt.want == http.StatusUnauthorized {
				if strings.Contains(string(body), "inside") {
					t.Error("a refused request reached the handler")
				}
				if strings.Contains(string(body), token) || strings.Contains(string(body), wrong) {
					t.Errorf("the 401 answer shows a token: %s", body)
				}
			}
		})
	}
	got := logs.String()
	// Five refusals in a row: one line, the others counted on the next one.
	if n := strings.Count(got, "admin request refused"); n != 1 {
		t.Fatalf("%d refusal lines, want 1:\n%s", n, got)
	}
	for _, secret := range []string{token, token[:5], wrong} {
		if strings.Contains(got, secret) {
			t.Errorf("the log shows %q:\n%s", secret, got)
		}
	}
}

func TestServer_NoTokenOnLoopbackLetsEveryoneIn(t *testing.T) {
	url := serve(t, admin.Config{Addr: "127.0.0.1:0"})
	resp, err := http.Get(url + "/x")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d", resp.StatusCode)
	}
}

// Without a token, a request naming another host is refused whatever the
// path: a site whose name is re-pointed at 127.0.0.1 (DNS rebinding) must not
// read /metrics or /readyz from the operator's browser. A token makes any
// name fine.
func TestServer_NoTokenRefusesOtherHostNames(t *testing.T) {
	for _, tc := range []struct {
		token, host string
		want        int
	}{
		{"", "rebound.example:80", http.StatusForbidden},
		{"", "rebound.example", http.StatusForbidden},
		{"", "localhost:9090", http.StatusOK},
		{"", "[::1]:9090", http.StatusOK},
		{"", "127.0.0.1", http.StatusOK},
		{"tok-123456", "bot.example.com", http.StatusOK},
	} {
		url := serve(t, admin.Config{Addr: "127.0.0.1:0", Token: tc.token})
		req, _ := http.NewRequest("GET", url+"/x", nil)
		req.Host = tc.host
		if tc.token != "" {
			req.Header.Set("Authorization", "Bearer "+tc.token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tc.want || (tc.want != http.StatusOK) == strings.Contains(string(body), "inside") {
			t.Errorf("token %q, Host %q: %d %q, want %d", tc.token, tc.host, resp.StatusCode, body, tc.want)
		}
	}
}

// A script granted loopback reaches the admin listener's address, but not what it
// serves: the console would show it other scripts' kv and logs. Whatever headers the
// script sets, its requests carry outbound.ScriptHeader and are refused, token or not.
func TestServer_RefusesScriptsRequests(t *testing.T) {
	for _, token := range []string{"", "tok-123456"} {
		url := serve(t, admin.Config{Addr: "127.0.0.1:0", Token: token})
		script := outbound.New(outbound.Config{AllowLoopback: true}).For([]string{"127.0.0.1"})
		for _, h := range []http.Header{nil, {"Luabot-Script": {""}, "Authorization": {"Bearer " + token}}} {
			res, err := script.Do(context.Background(), outbound.Request{URL: url + "/x", Header: h})
			if err != nil {
				t.Fatal(err)
			}
			if res.Status != http.StatusForbidden || strings.Contains(string(res.Body), "inside") {
				t.Errorf("token %q, headers %v: a script's request got %d %q, want 403", token, h, res.Status, res.Body)
			}
		}
	}
}

func TestReadyz_ExplainsNotReady(t *testing.T) {
	srv, err := admin.New(admin.Config{Addr: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	ready := false
	srv.Handle("/readyz", admin.Readyz(func() (bool, any) {
		mu.Lock()
		defer mu.Unlock()
		return ready, map[string]any{"ready": ready, "reason": "shard 0 connecting"}
	}))
	srv.Handle("/healthz", admin.Healthz())
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	if err := srv.Listen(); err != nil {
		t.Fatal(err)
	}
	go func() { done <- srv.Serve(ctx) }()
	defer func() { cancel(); <-done }()
	get := func(path string) (int, string) {
		resp, err := http.Get(srv.URL() + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := get("/healthz"); code != 200 || body != "ok\n" {
		t.Errorf("/healthz: %d %q", code, body)
	}
	if code, body := get("/readyz"); code != http.StatusServiceUnavailable || !strings.Contains(body, `"reason": "shard 0 connecting"`) {
		t.Errorf("/readyz not ready: %d %s", code, body)
	}
	mu.Lock()
	ready = true
	mu.Unlock()
	if code, _ := get("/readyz"); code != http.StatusOK {
		t.Errorf("/readyz ready: %d", code)
	}
}

// A browser opens /?token=TOKEN once: it is sent on to the page without the token in
// the address, with the token as an HttpOnly cookie that lets its later requests in; a
// wrong token in the address or a cookie gets 401.
func TestServer_BrowserTokenBecomesACookie(t *testing.T) {
	const token = "Zq81xKv7-tok"
	url := serve(t, admin.Config{Addr: "127.0.0.1:0", Token: token})
	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar}
	resp, err := browser.Get(url + "/x?token=" + token + "&view=logs")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Request.URL.RawQuery != "view=logs" {
		t.Fatalf("status %d at %s; want 200 at the page without the token", resp.StatusCode, resp.Request.URL)
	}
	if resp, err = browser.Get(url + "/x"); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("a later request with the cookie: %v %v", resp.StatusCode, err)
	}
	resp.Body.Close()
	for _, bad := range []string{"/x?token=guess", "/x?token="} {
		if resp, err := http.Get(url + bad); err != nil || resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("%s: %v %v, want 401", bad, resp.StatusCode, err)
		} else {
			resp.Body.Close()
		}
	}
	// The redirect that drops the token stays on this listener, whatever
	// slashes the path starts with.
	for _, path := range []string{"//evil.example/x", "/\\evil.example/x"} {
		// Written by hand: a client would make "//host" an absolute URL.
		conn, err := net.Dial("tcp", strings.TrimPrefix(url, "http://"))
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(conn, "GET %s?token=%s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n", path, token)
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		conn.Close()
		if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/") ||
			strings.HasPrefix(loc, "//") || strings.HasPrefix(loc, "/\\") {
			t.Errorf("GET %s?token=…: %d to %q, want a redirect within this listener", path, resp.StatusCode, loc)
		}
	}
	req, _ := http.NewRequest("GET", url+"/x", nil)
	req.AddCookie(&http.Cookie{Name: "luabot_admin", Value: "guess"})
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("a wrong cookie: %v %v, want 401", resp.StatusCode, err)
	} else {
		resp.Body.Close()
	}
}

// Beyond loopback the listener speaks HTTPS with the given key pair (a token alone is not
// enough: it would cross the network in clear text), and still checks the token.
func TestServer_TLSBeyondLoopback(t *testing.T) {
	cert, key := selfSigned(t)
	if _, err := admin.New(admin.Config{Addr: "127.0.0.1:0", TLSCert: cert}); !errors.Is(err, admin.ErrTLSPair) {
		t.Errorf("a certificate without its key: %v, want ErrTLSPair", err)
	}
	const token = "tls-Tk-77"
	srv, err := admin.New(admin.Config{Addr: "0.0.0.0:0", Token: token, TLSCert: cert, TLSKey: key})
	if err != nil {
		t.Fatal(err)
	}
	srv.Handle("/x", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "inside") }))
	if err := srv.Listen(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	if !strings.HasPrefix(srv.URL(), "https://") {
		t.Fatalf("URL %s, want https", srv.URL())
	}
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(srv.URL(), "https://"))
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}} // the test's own self-signed certificate
	req, _ := http.NewRequest("GET", "https://127.0.0.1:"+port+"/x", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || string(body) != "inside" {
		t.Fatalf("over TLS with the token: %d %s", resp.StatusCode, body)
	}
	if resp, err := http.Get("http://127.0.0.1:" + port + "/x"); err == nil && resp.StatusCode == http.StatusOK {
		t.Error("plain HTTP reached the handler")
	}
}

// selfSigned writes a throwaway certificate and key for 127.0.0.1.
func selfSigned(t *testing.T) (certFile, keyFile string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "luabot test"},
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kb, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600)
	return certFile, keyFile
}
