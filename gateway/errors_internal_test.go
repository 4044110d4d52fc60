package gateway

import (
	"strings"
	"testing"
)

// What to do about a fatal close is said in the platform's terms, never with a flag of
// the program using this package.
func TestCloseFixes_NameNoFlags(t *testing.T) {
	for code, fix := range closeFixes {
		if strings.Contains(fix, "--") {
			t.Errorf("fix for close %d names a flag: %q", code, fix)
		}
	}
}

// A server that echoes the legacy bot token in a close reason may echo it
// without the "Bot APPID." in front: the token alone is scrubbed too.
func TestScrub_LegacyTokenAlone(t *testing.T) {
	const tok = "Bot 102000001.TOKEN-CANARY-456"
	got := scrub("bad token TOKEN-CANARY-456 / 102000001.TOKEN-CANARY-456 / "+tok, tok)
	if strings.Contains(got, "TOKEN-CANARY") {
		t.Fatalf("scrub left the token in %q", got)
	}
	if want := "bad token [redacted] / [redacted] / [redacted]"; got != want {
		t.Fatalf("scrub = %q, want %q", got, want)
	}
	// An app id alone is not a credential.
	if got := scrub("app 102000001", tok); got != "app 102000001" {
		t.Fatalf("scrub(app id) = %q", got)
	}
}
