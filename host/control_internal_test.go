package host

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/luabot/luabot/dispatch"
	"github.com/luabot/luabot/kv"
	"github.com/luabot/luabot/openapi"
)

func TestControl_OwnerOnly(t *testing.T) {
	h := mustHarness(t, `answer = 42`)
	hostWith := &Host{log: h.s.log}
	hostWith.add(h.s)
	h.start()
	path := filepath.Join(t.TempDir(), "c.sock")
	for _, tt := range []struct {
		name    string
		uid     int
		answers bool
	}{
		{"owner", os.Getuid(), true},
		{"another user", os.Getuid() + 1, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ln, err := hostWith.listenControl(path)
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error, 1)
			go func() { done <- hostWith.serveControl(ctx, ln, path, tt.uid) }()
			defer func() { cancel(); <-done }()
			conn, err := net.Dial("unix", path)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			info, err := os.Stat(path)
			if err != nil || info.Mode().Perm() != 0o600 {
				t.Fatalf("socket mode %v, %v; want 0600", info.Mode().Perm(), err)
			}
			json.NewEncoder(conn).Encode(ControlRequest{Op: "eval", Script: "bot", Code: "answer"})
			conn.SetReadDeadline(time.Now().Add(5 * time.Second))
			sc := bufio.NewScanner(conn)
			got := sc.Scan()
			if got != tt.answers {
				t.Fatalf("answered = %v, want %v (%s)", got, tt.answers, sc.Text())
			}
			if got {
				var resp ControlResponse
				json.Unmarshal(sc.Bytes(), &resp)
				if resp.Out != "42" {
					t.Fatalf("eval answer = %+v", resp)
				}
			}
		})
	}
}

func TestEval_ExpressionsStatementsAndErrors(t *testing.T) {
	h := mustHarness(t, `count = 3`)
	hostWith := &Host{log: h.s.log}
	hostWith.add(h.s)
	h.start()
	ctx := context.Background()
	tests := []struct{ code, want, err string }{
		{"count + 1", "4", ""},
		{"{a = 1, list = {1, 2}}", "{\n  a = 1,\n  list = {\n    1,\n    2,\n  },\n}", ""},
		{"newglobal = 5", "", ""},
		{"newglobal", "5", ""},
		{"function double(x)", "", "incomplete"},
		{"error('no')", "", "repl:1: no"},
		{"sleep(0) return 'waited'", `"waited"`, ""},
		// The REPL names a misspelt call as a script's error does.
		{"pirnt('x')", "", "repl:1: pirnt is not a function: did you mean print?"},
		{"local t = qq.sned('1', 'x')", "", "repl:1: qq.sned is not a function: did you mean qq.send?"},
		{"io.open('x')", "", "repl:1: io is not available in the sandbox: scripts cannot touch files; keep state in kv"},
	}
	for _, tt := range tests {
		out, err := hostWith.Eval(ctx, "bot", tt.code)
		switch {
		case tt.err == "incomplete":
			if err != ErrIncomplete {
				t.Errorf("%q: err = %v, want ErrIncomplete", tt.code, err)
			}
		case tt.err != "":
			if err == nil || err.Error() != tt.err {
				t.Errorf("%q: err = %v, want %s", tt.code, err, tt.err)
			}
		case err != nil || out != tt.want:
			t.Errorf("%q = %q, %v; want %q", tt.code, out, err, tt.want)
		}
	}
	if names, _ := hostWith.Complete("bot", "qq.se"); len(names) == 0 || names[0] != "qq.send" {
		t.Errorf("Complete(qq.se) = %v", names)
	}
}

// A source can take long to start (a platform it cannot reach is tried
// again and again), all the while holding the kv file locked: backup and
// kv check must reach it through the control socket meanwhile. Eval, with
// no script running yet, is refused with the reason.
func TestControl_ServesTheStoreWhileTheSourceStarts(t *testing.T) {
	dir := t.TempDir()
	store, err := kv.Open(kv.Config{Path: filepath.Join(dir, "bot.db")})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	api, err := openapi.New(openapi.Config{AppID: "1", Secret: "s", BaseURL: "http://127.0.0.1:1", TokenURL: "http://127.0.0.1:1"})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "bot.db.sock")
	h, err := New(Config{API: api, Store: store, ControlSocket: path})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	src := startingSource{started: make(chan struct{})}
	done := make(chan error, 1)
	go func() { done <- h.Run(ctx, src) }()
	<-src.started

	conn, err := DialControl(path)
	if err != nil {
		t.Fatalf("no control socket while the source starts: %v", err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(30 * time.Second))
	enc, sc := json.NewEncoder(conn), bufio.NewScanner(conn)
	call := func(req ControlRequest) ControlResponse {
		t.Helper()
		enc.Encode(req)
		if !sc.Scan() {
			t.Fatalf("%s: no answer: %v", req.Op, sc.Err())
		}
		var resp ControlResponse
		json.Unmarshal(sc.Bytes(), &resp)
		return resp
	}
	if resp := call(ControlRequest{Op: "check"}); resp.Err != "" || len(resp.Names) != 0 {
		t.Errorf("check: %+v", resp)
	}
	out := filepath.Join(dir, "copy.db")
	if resp := call(ControlRequest{Op: "backup", Path: out}); resp.Err != "" {
		t.Errorf("backup: %+v", resp)
	} else if _, err := os.Stat(out); err != nil {
		t.Errorf("backup answered %+v but wrote nothing: %v", resp, err)
	}
	if resp := call(ControlRequest{Op: "eval", Script: "bot", Code: "1"}); !strings.Contains(resp.Err, "still starting") {
		t.Errorf("eval before the scripts run: %+v, want an error saying the bot is still starting", resp)
	}

	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("Run = %v, want the source's context.Canceled", err)
	}
	if _, err := os.Stat(path); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("socket left behind after Run: %v", err)
	}
}

// startingSource never finishes starting: Start returns when ctx ends.
type startingSource struct{ started chan struct{} }

func (s startingSource) Start(ctx context.Context) error {
	close(s.started)
	<-ctx.Done()
	return ctx.Err()
}
func (startingSource) Run(context.Context, func(dispatch.Event, func())) error { return nil }
func (startingSource) Flush()                                                  {}
