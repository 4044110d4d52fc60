package host

import (
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/luabot/luabot/kv"
)

// lua51Suite are the files of the official Lua 5.1 test suite that run in
// the sandbox (testdata/lua51-tests; its README says where they come from
// and what was adapted, each adaptation commented in the file). Each runs
// as a script's top level and must reach its end without an error.
var lua51Suite = []string{"pm", "sort", "vararg", "strings", "math", "nextvar", "constructs", "calls", "literals", "closure", "locals", "events"}

func TestLua51Suite(t *testing.T) {
	for _, name := range lua51Suite {
		t.Run(name, func(t *testing.T) {
			store, err := kv.Open(kv.Config{Path: filepath.Join(t.TempDir(), "t.db")})
			if err != nil {
				t.Fatal(err)
			}
			defer store.Close()
			s, err := loadScript(filepath.Join("testdata", "lua51-tests", name+".lua"), scriptDeps{
				api: &fakeAPI{}, store: store, logger: slog.New(slog.DiscardHandler),
				limits:     Limits{CPU: 10 * time.Second, Memory: 256 << 20},
				loadBudget: time.Minute, // wall time, which -race on a loaded machine stretches
			})
			if err != nil {
				t.Fatal(err)
			}
			s.L.Close()
		})
	}
}
