package scripts_test

import (
	"strings"
	"testing"

	"github.com/yuin/gopher-lua/parse"

	"github.com/luabot/luabot/scripts"
)

func TestShippedLuaParses(t *testing.T) {
	for name, src := range map[string]string{"luabot.d.lua": scripts.Types, "luabot_test.d.lua": scripts.TestTypes, "prelude.lua": scripts.Prelude} {
		if _, err := parse.Parse(strings.NewReader(src), name); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}
