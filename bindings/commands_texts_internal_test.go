package bindings

import (
	"fmt"
	"strings"
	"testing"
)

// A script's texts may name a placeholder many times; what they render
// to stays bounded, so /help over many commands cannot build hundreds of
// megabytes in one call.
func TestTexts_RenderingIsBounded(t *testing.T) {
	tx := &texts{lang: "en", own: map[string]string{
		"help_aliases": strings.Repeat("{aliases}", 113),
		"list_sep":     strings.Repeat("-", 1024),
		"help_desc":    strings.Repeat("{desc}", 170),
		"usage":        strings.Repeat("{usage}", 146),
	}}
	var cmds []CommandInfo
	for c := range 20 {
		var aliases []string
		for i := range 16 {
			aliases = append(aliases, fmt.Sprintf("c%da%d", c, i))
		}
		cmds = append(cmds, CommandInfo{Name: fmt.Sprint("cmd", c), Usage: fmt.Sprint("/cmd", c), Aliases: aliases,
			Desc: strings.Repeat("d", 512)})
	}
	help := tx.help(map[string][]CommandInfo{"x": cmds}, []string{"x"})
	if len(help) > 1<<20 || !strings.Contains(help, "/cmd19") || !strings.Contains(help, "/c19a15") {
		t.Fatalf("help of 20 commands is %d bytes (%q…)", len(help), help[:min(len(help), 200)])
	}
	usage := tx.usageError(strings.Repeat("u", 1024), argErr("missing", "param", "x"))
	if len(usage) > 64<<10 || !strings.HasPrefix(usage, "Usage: uuu") {
		t.Fatalf("usage error of %d bytes (%q…)", len(usage), usage[:min(len(usage), 100)])
	}
	// A text within the bound is the script's.
	tx.own["usage"] = "用法: {usage} / {error}"
	if got := tx.usageError("/x", argErr("missing", "param", "x")); got != "用法: /x / x is missing" {
		t.Fatalf("usage error %q", got)
	}
}
