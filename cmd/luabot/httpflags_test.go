package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// --http-allow grants a script hosts; --http-loopback lets it reach a
// service on this machine over plain http. Without them the same call is
// refused with the reason.
func TestDev_HTTPFlags(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `{"temp":21}`)
	}))
	defer srv.Close()
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "weather.lua"), []byte(`on("message", function(ev)
  local res, err = http.get("`+srv.URL+`/w")
  if not res then return ev:reply("error " .. err.kind) end
  ev:reply("temp " .. res:json().temp)
end)`), 0o644)

	s := start(t, "dev", "--data", filepath.Join(t.TempDir(), "dev.db"),
		"--http-loopback", "--http-allow", "weather=127.0.0.1", dir)
	s.expect("luabot dev:")
	io.WriteString(s.stdin, "hi\n")
	s.expect("bot> temp 21")
	if !strings.Contains(s.stderr.String(), "hosts=127.0.0.1") {
		t.Errorf("the grant is not logged:\n%s", s.stderr.String())
	}

	s = start(t, "dev", "--data", filepath.Join(t.TempDir(), "dev.db"), "--http-allow", "weather=127.0.0.1", dir)
	s.expect("luabot dev:")
	io.WriteString(s.stdin, "hi\n")
	s.expect("bot> error scheme")
}

func TestDev_HTTPAllowRefusesNonsense(t *testing.T) {
	t.Parallel()
	s := start(t, "dev", "--data", filepath.Join(t.TempDir(), "dev.db"),
		"--http-allow", "api.example.com", "../../examples/echo.lua")
	if code := s.exitCode(); code != 2 {
		t.Fatalf("exit %d, want 2; stderr:\n%s", code, s.stderr.String())
	}
	if !strings.Contains(s.stderr.String(), "SCRIPT=host") {
		t.Fatalf("stderr:\n%s", s.stderr.String())
	}
}

// --tz sets the zone os.date reads; a zone that does not exist is a usage
// error naming the flag.
func TestDev_TZ(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "zone.lua"), []byte(`on("message", function(ev) ev:reply("zone " .. os.date("%z")) end)`), 0o644)
	s := start(t, "dev", "--data", filepath.Join(t.TempDir(), "dev.db"), "--tz", "Asia/Kolkata", dir)
	s.expect("luabot dev:")
	io.WriteString(s.stdin, "hi\n")
	s.expect("bot> zone +0530")

	s = start(t, "dev", "--data", filepath.Join(t.TempDir(), "dev.db"), "--tz", "Mars/Olympus", dir)
	if code := s.exitCode(); code != 2 || !strings.Contains(s.stderr.String(), `--tz "Mars/Olympus"`) {
		t.Fatalf("exit %d; stderr:\n%s", code, s.stderr.String())
	}
}
