package main

import (
	"os"
	"strings"
	"testing"
)

// The package comment is the command's overview; it must name every
// command and subcommand a user runs, so a new one cannot be left out of it.
func TestPackageComment_ListsEveryCommand(t *testing.T) {
	t.Parallel()
	src, err := os.ReadFile("main.go")
	if err != nil {
		t.Fatal(err)
	}
	doc, _, _ := strings.Cut(string(src), "package main")
	for _, c := range commands() {
		if c.Hidden {
			continue // internal helpers of other commands
		}
		names := []string{"luabot " + c.Name}
		if len(c.Subcommands) > 0 {
			names = names[:0]
			for _, sub := range c.Subcommands {
				names = append(names, "luabot "+c.Name+" "+sub.Name)
			}
		}
		for _, n := range names {
			if !strings.Contains(doc, "//\t"+n+" ") {
				t.Errorf("the package comment in main.go does not list %q", n)
			}
		}
	}
}
