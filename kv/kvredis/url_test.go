package kvredis

import (
	"strings"
	"testing"
)

func TestParseURL(t *testing.T) {
	cfg, err := ParseURL("rediss://bot:s3cret@cache.internal:6380/2")
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Addr != "cache.internal:6380" || cfg.Username != "bot" || cfg.Password != "s3cret" || cfg.DB != 2 || !cfg.TLS {
		t.Fatalf("%+v", cfg)
	}
	if r := cfg.Redacted(); strings.Contains(r, "s3cret") || r != "rediss://bot:xxxxx@cache.internal:6380/2" {
		t.Fatalf("Redacted = %q", r)
	}
	if cfg, err := ParseURL("redis://127.0.0.1:6379"); err != nil || cfg.DB != 0 || cfg.TLS {
		t.Fatalf("%+v %v", cfg, err)
	}
}

// redis:// sends the password and the values in clear text: only to a
// server on this machine.
func TestParseURL_ClearTextOnlyToLoopback(t *testing.T) {
	for _, raw := range []string{"redis://127.0.0.1:6379/0", "redis://u:pw@[::1]:6379", "redis://LOCALHOST:6379",
		"rediss://u:pw@10.1.2.3:6379/0"} {
		if _, err := ParseURL(raw); err != nil {
			t.Errorf("%s: %v", raw, err)
		}
	}
	for _, raw := range []string{"redis://u:hunter2@10.1.2.3:6379/0", "redis://cache.internal:6379", "redis://[2001:db8::1]:6379"} {
		_, err := ParseURL(raw)
		if err == nil || !strings.Contains(err.Error(), "use rediss://") || strings.Contains(err.Error(), "hunter2") {
			t.Errorf("%s: %v", raw, err)
		}
	}
}

// A bad URL is refused with a reason that never quotes the password.
func TestParseURL_ErrorsHideThePassword(t *testing.T) {
	for _, raw := range []string{
		"http://u:hunter2@h:1/0",
		"redis://u:hunter2@h/0",
		"redis://u:hunter2@h:99999/0",
		"redis://u:hunter2@:6379/0",
		"redis://u:hunter2@h:6379/x",
		"redis://u:hunt%zzer2@h:6379/0",
		"redis://u:hunter2@h:6379/0?x=1",
		"u:hunter2@h:6379",
		"u:hunter2@redis://h:6379/0", // the userinfo before the scheme
	} {
		_, err := ParseURL(raw)
		if err == nil {
			t.Errorf("%s: accepted", raw)
			continue
		}
		if strings.Contains(err.Error(), "hunter2") || strings.Contains(err.Error(), "hunt") {
			t.Errorf("%s: the error shows the password: %v", raw, err)
		}
	}
}
