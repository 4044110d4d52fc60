package main

import (
	"context"
	"encoding/binary"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/luabot/luabot/internal/simtest"
	"github.com/luabot/luabot/kv"
	"github.com/luabot/luabot/sim"
)

const bboltPage = 4096 // bbolt's page size is the OS page size

// sampleData writes a kv file like a bot's: a script's namespace and the
// gateway's, a few hundred keys.
func sampleData(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "luabot.db")
	s, err := kv.Open(kv.Config{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	var ops []kv.Op
	for i := range 300 {
		ops = append(ops, kv.Op{NS: []string{"counter", "/gateway"}[i%2], Key: fmt.Sprintf("k%04d", i), Val: []byte(strings.Repeat("v", 400))})
	}
	if err := s.Commit(ops); err != nil {
		t.Fatal(err)
	}
	s.Close()
	return path
}

func scribbleAt(t *testing.T, path string, off, n int64) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	junk := make([]byte, n)
	rand.New(rand.NewSource(off)).Read(junk)
	if _, err := f.WriteAt(junk, off); err != nil {
		t.Fatal(err)
	}
}

// currentMeta reads a page id from the newer meta page (offset 32: the
// root bucket, 48: the freelist; the transaction id is at 64).
func currentMeta(t *testing.T, path string, off int) int64 {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	m0, m1 := b[:bboltPage], b[bboltPage:]
	if binary.LittleEndian.Uint64(m1[64:]) > binary.LittleEndian.Uint64(m0[64:]) {
		m0 = m1
	}
	return int64(binary.LittleEndian.Uint64(m0[off:]))
}

// A damaged kv file stops `luabot run` with status 1 and one line that
// names the file, says what is wrong and what to do: no panic, no trace.
func TestRun_DamagedDataFileIsOneLine(t *testing.T) {
	t.Parallel()
	damages := map[string]func(t *testing.T, p string){
		"meta pages":    func(t *testing.T, p string) { scribbleAt(t, p, 0, 2*bboltPage) },
		"freelist page": func(t *testing.T, p string) { scribbleAt(t, p, currentMeta(t, p, 48)*bboltPage, bboltPage) },
		"root page":     func(t *testing.T, p string) { scribbleAt(t, p, currentMeta(t, p, 32)*bboltPage, 64) },
		"truncated": func(t *testing.T, p string) {
			fi, _ := os.Stat(p)
			os.Truncate(p, fi.Size()/2)
		},
		"shorter than a page": func(t *testing.T, p string) { os.Truncate(p, 100) },
	}
	for name, damage := range damages {
		t.Run(name, func(t *testing.T) {
			data := sampleData(t)
			damage(t, data)
			var stderr syncBuffer
			code := run(context.Background(), []string{"luabot", "run", "--app-id", "1", "--secret", "s",
				"--api", "http://127.0.0.1:9", "--token-url", "http://127.0.0.1:9", "--data", data, "../../examples/echo.lua"},
				strings.NewReader(""), &syncBuffer{}, &stderr)
			out := stderr.String()
			if code != 1 {
				t.Fatalf("exit %d, want 1; stderr:\n%s", code, out)
			}
			if strings.Count(out, "\n") != 1 {
				t.Fatalf("want one line, got:\n%s", out)
			}
			for _, want := range []string{"luabot: kv: " + data + " is damaged (", "restore it from a backup", "move it aside",
				"session and dedup window in it can be dropped safely", "scripts' kv data cannot", "luabot backup"} {
				if !strings.Contains(out, want) {
					t.Errorf("stderr lacks %q:\n%s", want, out)
				}
			}
			if strings.Contains(out, "panic") || strings.Contains(out, "goroutine") {
				t.Errorf("a stack trace:\n%s", out)
			}
			// kv check says the same, one problem a line, and fails.
			var stdout syncBuffer
			stderr = syncBuffer{}
			code = run(context.Background(), []string{"luabot", "kv", "check", "--data", data}, strings.NewReader(""), &stdout, &stderr)
			if code != 1 || !strings.HasPrefix(stdout.String(), data+": ") || !strings.Contains(stderr.String(), "is damaged") {
				t.Fatalf("kv check: exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout.String(), stderr.String())
			}
		})
	}
}

// `luabot backup` copies the kv file of a running bot (which holds it
// locked) through the bot's control socket; the copy is a complete store
// and the bot keeps serving. With the bot stopped, it reads the file
// itself. kv check works both ways too.
func TestBackup_WhileTheBotRuns(t *testing.T) {
	platform := simtest.Start(t, sim.Config{})
	t.Setenv("QQBOT_APP_ID", platform.AppID())
	t.Setenv("QQBOT_SECRET", platform.Secret())
	t.Setenv("QQBOT_API", platform.APIURL())
	t.Setenv("QQBOT_TOKEN_URL", platform.TokenURL())
	dir := t.TempDir()
	script := filepath.Join(dir, "visits.lua")
	os.WriteFile(script, []byte(`on("AT_MESSAGE_CREATE", function(ev) ev:reply("visit " .. kv.incr("visits")) end)`), 0o644)
	data := filepath.Join(dir, "luabot.db")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s := start(t, "run", "--data", data, script)
	if err := platform.WaitSessions(ctx, 1); err != nil {
		t.Fatalf("bot did not connect: %v; stderr:\n%s", err, s.stderr.String())
	}
	post := func(i int) {
		t.Helper()
		if _, err := platform.Post(sim.Post{Content: "hi", MentionBot: true}); err != nil {
			t.Fatal(err)
		}
		if m, err := platform.WaitSent(ctx, i); err != nil || m.Content != fmt.Sprintf("visit %d", i+1) {
			t.Fatalf("reply %d: %q, %v", i, m.Content, err)
		}
	}
	for i := range 3 {
		post(i)
	}

	cli := func(args ...string) (int, string, string) {
		var stdout, stderr syncBuffer
		code := run(context.Background(), append([]string{"luabot"}, args...), strings.NewReader(""), &stdout, &stderr)
		return code, stdout.String(), stderr.String()
	}
	copy1 := filepath.Join(t.TempDir(), "copy1.db")
	if code, out, errOut := cli("backup", "--data", data, copy1); code != 0 || !strings.Contains(out, "from the running bot") {
		t.Fatalf("backup: exit %d\n%s%s", code, out, errOut)
	}
	if code, out, errOut := cli("kv", "check", "--data", data); code != 0 || !strings.Contains(out, "no problems found") {
		t.Fatalf("kv check: exit %d\n%s%s", code, out, errOut)
	}
	post(3)
	if got := storedVisits(t, copy1); got != "3" {
		t.Fatalf("the copy holds visits=%s, want 3", got)
	}

	s.cancel()
	if code := s.exitCode(); code != 0 {
		t.Fatalf("exit %d; stderr:\n%s", code, s.stderr.String())
	}
	copy2 := filepath.Join(t.TempDir(), "copy2.db")
	if code, out, errOut := cli("backup", "--data", data, copy2); code != 0 || !strings.Contains(out, "from the file") {
		t.Fatalf("backup of a stopped bot: exit %d\n%s%s", code, out, errOut)
	}
	if got := storedVisits(t, copy2); got != "4" {
		t.Fatalf("the second copy holds visits=%s, want 4", got)
	}
	if code, out, errOut := cli("kv", "check", "--data", copy2); code != 0 || !strings.Contains(out, "no problems found") {
		t.Fatalf("kv check of the copy: exit %d\n%s%s", code, out, errOut)
	}
	if code, _, errOut := cli("backup", "--data", data); code != 2 || !strings.Contains(errOut, "name the file to write") {
		t.Fatalf("backup without OUT: exit %d, %s", code, errOut)
	}
}

func storedVisits(t *testing.T, path string) string {
	t.Helper()
	s, err := kv.Open(kv.Config{Path: path, ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	raw, ok, err := s.Get("visits", "visits")
	if err != nil || !ok {
		t.Fatalf("visits: %v, %v", ok, err)
	}
	return string(raw[1:]) // a format byte, then JSON
}
