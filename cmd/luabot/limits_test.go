package main

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// --max-script-cpu and --max-script-memory cap what a script's header asks
// for; the script runs with the maximum and one warning says so.
func TestDev_MaxScriptLimitsCapTheHeader(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "greedy.lua"), []byte("-- luabot: cpu=60 memory=100000\n"+
		`on("message", function(ev) ev:reply("ok") end)`), 0o644)
	s := start(t, "dev", "--data", filepath.Join(t.TempDir(), "dev.db"),
		"--max-script-cpu", "2s", "--max-script-memory", "100", dir)
	s.expect("luabot dev:")
	io.WriteString(s.stdin, "hi\n")
	s.expect("bot> ok")
	stderr := s.stderr.String()
	for _, want := range []string{"script=greedy", "cpu=60 → 2s", "memory=100000 → 100 MiB"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr does not say %q:\n%s", want, stderr)
		}
	}
	if n := strings.Count(stderr, "operator's maximum"); n != 1 {
		t.Errorf("%d warnings, want one:\n%s", n, stderr)
	}
}

func TestDev_MaxScriptLimitsRefuseNonsense(t *testing.T) {
	t.Parallel()
	s := start(t, "dev", "--data", filepath.Join(t.TempDir(), "dev.db"),
		"--max-script-memory", "-5", "../../examples/echo.lua")
	if code := s.exitCode(); code != 2 {
		t.Fatalf("exit %d, want 2; stderr:\n%s", code, s.stderr.String())
	}
	if !strings.Contains(s.stderr.String(), "--max-script-memory") {
		t.Fatalf("stderr:\n%s", s.stderr.String())
	}
}
