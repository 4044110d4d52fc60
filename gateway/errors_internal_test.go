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
