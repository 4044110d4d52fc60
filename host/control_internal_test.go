package host

import (
	"bufio"
	"context"
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"
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
