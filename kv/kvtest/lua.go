package kvtest

import (
	"bytes"
	"context"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/luabot/luabot/testkit"
)

// RunLua runs the Lua half of the suite (lua/store_test.lua, a bot seen
// through the simulator) with each test's store opened by open.
func RunLua(t *testing.T, open func(dir string) (testkit.Store, error)) {
	_, self, _, _ := runtime.Caller(0)
	dir := filepath.Join(filepath.Dir(self), "lua")
	files, err := testkit.Find(dir)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var out bytes.Buffer
	sum := testkit.Run(ctx, testkit.Config{OpenStore: open, Output: &out}, files, func(r testkit.Result) {
		if r.Err != nil {
			t.Errorf("%s", r)
		}
	})
	if sum.Passed == 0 || sum.Failed > 0 {
		t.Fatalf("%s\n%s", sum, out.String())
	}
}
