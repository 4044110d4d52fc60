package outbound

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
	"time"
)

// tlsServer is an httptest TLS server and a client that trusts it and may
// reach loopback (where the server listens).
func tlsServer(t *testing.T, h http.HandlerFunc, cfg Config) (*httptest.Server, *Client) {
	t.Helper()
	srv := httptest.NewTLSServer(h)
	cfg.AllowLoopback = true
	cfg.RootCAs = srv.Client().Transport.(*http.Transport).TLSClientConfig.RootCAs
	c := New(cfg)
	t.Cleanup(func() {
		c.Close()
		srv.CloseClientConnections()
		srv.Close()
	})
	return srv, c
}

func wantKind(t *testing.T, err error, kind string) *Error {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("err = %v (%T), want an *Error of kind %s", err, err, kind)
	}
	if e.Kind != kind {
		t.Fatalf("kind = %s (%v), want %s", e.Kind, e, kind)
	}
	return e
}

// noLeaks checks that the goroutines running before the test are all that
// run once it has cleaned up: no request, connection or timer left behind.
func noLeaks(t *testing.T) {
	before := runtime.NumGoroutine()
	t.Cleanup(func() {
		deadline := time.Now().Add(5 * time.Second)
		for runtime.NumGoroutine() > before {
			if time.Now().After(deadline) {
				buf := make([]byte, 1<<16)
				t.Errorf("goroutines: %d before, %d after\n%s", before, runtime.NumGoroutine(), buf[:runtime.Stack(buf, true)])
				return
			}
			runtime.Gosched()
			time.Sleep(10 * time.Millisecond) // polling a condition with a deadline
		}
	})
}

func TestGetOverTLS(t *testing.T) {
	noLeaks(t)
	srv, c := tlsServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"city":%q,"ua":%q}`, r.URL.Query().Get("q"), r.UserAgent())
	}, Config{})
	res, err := c.For([]string{"127.0.0.1"}).Do(context.Background(), Request{URL: srv.URL + "/w?q=beijing"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != 200 || string(res.Body) != `{"city":"beijing","ua":"luabot"}` {
		t.Fatalf("got %d %s", res.Status, res.Body)
	}
}

func TestTLSIsVerified(t *testing.T) {
	noLeaks(t)
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the handshake failure is expected
	srv.StartTLS()
	defer srv.Close()
	c := New(Config{AllowLoopback: true}) // the system's roots do not know the test CA
	defer c.Close()
	_, err := c.For([]string{"127.0.0.1"}).Do(context.Background(), Request{URL: srv.URL})
	e := wantKind(t, err, KindNetwork)
	if !strings.Contains(e.Error(), "certificate") {
		t.Fatalf("err = %v, want a certificate error", e)
	}
}

func TestRefusals(t *testing.T) {
	noLeaks(t)
	strict := New(Config{})
	defer strict.Close()
	cases := []struct {
		name, url string
		grants    []string
		kind      string
	}{
		{"host not granted", "https://api.example.com/x", []string{"other.example.com"}, KindHost},
		{"nothing granted", "https://api.example.com/x", nil, KindHost},
		{"wildcard is not the apex", "https://example.com/", []string{"*.example.com"}, KindHost},
		{"plain http", "http://api.example.com/", []string{"api.example.com"}, KindScheme},
		{"file scheme", "file:///etc/passwd", []string{""}, KindScheme},
		{"gopher scheme", "gopher://api.example.com/", []string{"api.example.com"}, KindScheme},
		{"private 10/8", "https://10.1.2.3/", []string{"10.1.2.3"}, KindAddress},
		{"private 192.168/16", "https://192.168.1.1/", []string{"192.168.1.1"}, KindAddress},
		{"private 172.16/12", "https://172.20.0.1/", []string{"172.20.0.1"}, KindAddress},
		{"metadata", "https://169.254.169.254/latest", []string{"169.254.169.254"}, KindAddress},
		{"ipv6 unique local", "https://[fd00::1]/", []string{"fd00::1"}, KindAddress},
		{"ipv4-mapped private", "https://[::ffff:10.0.0.1]/", []string{"::ffff:10.0.0.1"}, KindAddress},
		{"loopback not allowed", "https://127.0.0.1:1/", []string{"127.0.0.1"}, KindAddress},
		// A granted name that resolves inside: checked after DNS.
		{"name resolving to loopback", "https://localhost:1/", []string{"localhost"}, KindAddress},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := strict.For(tc.grants).Do(context.Background(), Request{URL: tc.url})
			e := wantKind(t, err, tc.kind)
			if e.Hint() == "" && tc.kind != KindAddress {
				t.Errorf("no hint in %v", e)
			}
		})
	}
}

func TestQueryNeverInErrors(t *testing.T) {
	c := New(Config{})
	defer c.Close()
	_, err := c.For(nil).Do(context.Background(), Request{URL: "https://api.example.com/x?key=s3cret"})
	if err == nil || strings.Contains(err.Error(), "s3cret") {
		t.Fatalf("err = %v", err)
	}
}

func TestRedirects(t *testing.T) {
	noLeaks(t)
	srv, c := tlsServer(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/out":
			http.Redirect(w, r, "https://evil.example.com/", http.StatusFound)
		case "/inside":
			http.Redirect(w, r, "https://10.0.0.1/admin", http.StatusFound)
		case "/loop":
			http.Redirect(w, r, "/loop", http.StatusFound)
		case "/ok":
			http.Redirect(w, r, "/done", http.StatusFound)
		case "/done":
			io.WriteString(w, "done")
		}
	}, Config{})
	s := c.For([]string{"127.0.0.1", "10.0.0.1"})
	_, err := s.Do(context.Background(), Request{URL: srv.URL + "/out"})
	if e := wantKind(t, err, KindHost); !strings.Contains(e.Msg, "redirect") {
		t.Fatalf("err = %v", e)
	}
	_, err = s.Do(context.Background(), Request{URL: srv.URL + "/inside"})
	wantKind(t, err, KindAddress)
	_, err = s.Do(context.Background(), Request{URL: srv.URL + "/loop"})
	wantKind(t, err, KindRedirects)
	res, err := s.Do(context.Background(), Request{URL: srv.URL + "/ok"})
	if err != nil || string(res.Body) != "done" {
		t.Fatalf("got %v %v", res, err)
	}
}

// A Location header that does not parse is named without its text: net/http
// quotes it whole, query (and whatever key the server echoed there) included.
func TestMalformedLocationNotQuoted(t *testing.T) {
	noLeaks(t)
	srv, c := tlsServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Location", "https://[bad host/?key=s3cret")
		w.WriteHeader(http.StatusFound)
	}, Config{})
	_, err := c.For([]string{"127.0.0.1"}).Do(context.Background(), Request{URL: srv.URL + "/x?key=s3cret"})
	e := wantKind(t, err, KindNetwork)
	if strings.Contains(e.Error(), "s3cret") || !strings.Contains(e.Error(), "Location") {
		t.Fatalf("err = %v", e)
	}
}

func TestResponseOverCap(t *testing.T) {
	noLeaks(t)
	srv, c := tlsServer(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/chunked" {
			// No Content-Length: the cap must hold while reading.
			for range 4 {
				w.Write(make([]byte, 512))
				w.(http.Flusher).Flush()
			}
			return
		}
		w.Write(make([]byte, 2048))
	}, Config{MaxBody: 1024})
	s := c.For([]string{"127.0.0.1"})
	for _, path := range []string{"/sized", "/chunked"} {
		_, err := s.Do(context.Background(), Request{URL: srv.URL + path})
		wantKind(t, err, KindTooLarge)
	}
}

func TestServerNeverAnswers(t *testing.T) {
	noLeaks(t)
	release := make(chan struct{})
	srv, c := tlsServer(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}, Config{Timeout: 200 * time.Millisecond})
	defer close(release)
	start := time.Now()
	_, err := c.For([]string{"127.0.0.1"}).Do(context.Background(), Request{URL: srv.URL})
	wantKind(t, err, KindTimeout)
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("took %s with a 200ms timeout", d)
	}
}

func TestServerTricklesForever(t *testing.T) {
	noLeaks(t)
	srv, c := tlsServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(200)
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-tick.C:
				w.Write([]byte("x"))
				w.(http.Flusher).Flush()
			case <-r.Context().Done():
				return
			}
		}
	}, Config{Timeout: 300 * time.Millisecond})
	s := c.For([]string{"127.0.0.1"})
	_, err := s.Do(context.Background(), Request{URL: srv.URL})
	wantKind(t, err, KindTimeout)
	// The same through a stream.
	st, err := s.Open(context.Background(), Request{URL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	_, err = st.ReadLine()
	wantKind(t, err, KindTimeout)
}

func TestStreamLinesAsTheyArrive(t *testing.T) {
	noLeaks(t)
	next := make(chan struct{})
	srv, c := tlsServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		for i := range 3 {
			fmt.Fprintf(w, "data: part %d\r\n", i)
			w.(http.Flusher).Flush()
			// The next part is written only once the client has read this
			// one: the reader cannot be waiting for the whole body.
			select {
			case <-next:
			case <-r.Context().Done():
				return
			}
		}
	}, Config{})
	st, err := c.For([]string{"127.0.0.1"}).Open(context.Background(), Request{URL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for i := range 3 {
		line, err := st.ReadLine()
		if err != nil || line != fmt.Sprintf("data: part %d", i) {
			t.Fatalf("line %d = %q, %v", i, line, err)
		}
		next <- struct{}{}
	}
	if _, err := st.ReadLine(); err != io.EOF {
		t.Fatalf("after the last line: %v, want EOF", err)
	}
}

func TestCanceledWithTheHandler(t *testing.T) {
	noLeaks(t)
	srv, c := tlsServer(t, func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }, Config{})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := c.For([]string{"127.0.0.1"}).Do(ctx, Request{URL: srv.URL})
		done <- err
	}()
	cancel()
	select {
	case err := <-done:
		wantKind(t, err, KindCanceled)
	case <-time.After(5 * time.Second):
		t.Fatal("request outlived its context")
	}
}

func TestRateAndInFlight(t *testing.T) {
	noLeaks(t)
	srv, c := tlsServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(200)
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	}, Config{Rate: 0.001, Burst: 3, MaxInFlight: 1})
	s := c.For([]string{"127.0.0.1"})
	st, err := s.Open(context.Background(), Request{URL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	// The open stream holds the script's only slot: the next request
	// waits for it until its own timeout.
	_, err = s.Do(context.Background(), Request{URL: srv.URL, Timeout: 100 * time.Millisecond})
	wantKind(t, err, KindTimeout)
	st.Close()
	// Closing gave the slot back at once.
	st, err = s.Open(context.Background(), Request{URL: srv.URL})
	if err != nil {
		t.Fatalf("after close: %v", err)
	}
	st.Close()
	// The bucket has no token left.
	_, err = s.Do(context.Background(), Request{URL: srv.URL, Timeout: 100 * time.Millisecond})
	wantKind(t, err, KindRate)
	// Another script has its own bucket and slots.
	st2, err := c.For([]string{"127.0.0.1"}).Open(context.Background(), Request{URL: srv.URL})
	if err != nil {
		t.Fatalf("another script: %v", err)
	}
	st2.Close()
}
