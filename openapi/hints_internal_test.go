package openapi

import (
	"strings"
	"testing"
)

// A hint names what to fix in the platform's terms; the library does not know the flags
// of the program using it, so no hint may name one.
func TestHints_NameNoFlags(t *testing.T) {
	for code, h := range hints {
		if strings.Contains(h, "--") {
			t.Errorf("hint for %d names a flag: %q", code, h)
		}
	}
	for status, h := range statusHints {
		if strings.Contains(h, "--") {
			t.Errorf("hint for HTTP %d names a flag: %q", status, h)
		}
	}
}
