package testkit_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/luabot/luabot/scripts"
	"github.com/luabot/luabot/testkit"
)

// `luabot types` covers the test API: every function of sim (and sim.http)
// and every global a test file has is declared in luabot_test.d.lua (or,
// for the script API a test shares, luabot.d.lua).
func TestTypes_CoverTheTestAPI(t *testing.T) {
	dir := mustDir(t, map[string]string{"bot.lua": echo, "bot_test.lua": `
local names = {}
for k, v in pairs(sim) do
  if type(v) == "function" then names[#names + 1] = "function sim." .. k .. "(" end
end
for k in pairs(sim.http) do names[#names + 1] = "function sim.http." .. k .. "(" end
for _, g in ipairs({"test", "expect"}) do names[#names + 1] = "function " .. g .. "(" end
for _, g in ipairs({"json", "utf8", "log", "kv"}) do
  if _G[g] == nil then error("a test file lacks " .. g) end
end
table.sort(names)
print(table.concat(names, "\n"))
test("t", function() end)`})
	files, _ := testkit.Find(dir)
	var out bytes.Buffer
	sum := testkit.Run(context.Background(), testkit.Config{Output: &out}, files, func(testkit.Result) {})
	if sum.Failed != 0 {
		t.Fatalf("%v\n%s", sum, out.String())
	}
	_, body, _ := strings.Cut(out.String(), " ") // drop print's "file:line:"
	names := strings.Fields(strings.ReplaceAll(body, "function ", "function_"))
	if len(names) < 15 {
		t.Fatalf("only %d names printed:\n%q", len(names), out.String())
	}
	for _, n := range names {
		decl := strings.Replace(n, "function_", "function ", 1)
		if !strings.Contains(scripts.TestTypes, decl) {
			t.Errorf("luabot_test.d.lua does not declare %s", decl)
		}
	}
}
