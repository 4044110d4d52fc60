package main

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// TestStaticBuild: the README tells operators to deploy a CGO_ENABLED=0
// build (static, and 1-2 MB smaller in memory), which holds only while no
// package luabot is built from needs C. The standard library's own cgo
// files (net's resolver, runtime/cgo) have pure-Go twins, so they are not
// counted.
func TestStaticBuild(t *testing.T) {
	// go test puts its own go first on PATH, so this is the same toolchain.
	// With cgo off (no C compiler), go list would leave every cgo file out
	// and find nothing; listing compiles nothing, so it can be on here.
	list := exec.Command("go", "list", "-deps",
		"-f", "{{if not .Standard}}{{if .CgoFiles}}{{.ImportPath}}{{end}}{{end}}", ".")
	list.Env = append(os.Environ(), "CGO_ENABLED=1")
	out, err := list.CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	if cgo := strings.Fields(string(out)); len(cgo) > 0 {
		t.Errorf("packages needing C, so CGO_ENABLED=0 go build ./cmd/luabot fails or drops them: %v "+
			"(find a pure-Go alternative, or change the README's advice on building for deployment)", cgo)
	}
}
