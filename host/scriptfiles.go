package host

import "strings"

// IsScript reports whether a .lua file found in a script folder runs as a
// bot: every one does except tests (*_test.lua, run by luabot test) and
// declaration files for editors (*.d.lua, such as the luabot.d.lua that
// `luabot types` prints and `luabot init` writes), which are annotations,
// not code. Loading, live reload and luabot check all ask this one question.
func IsScript(name string) bool {
	return strings.HasSuffix(name, ".lua") && !strings.HasSuffix(name, "_test.lua") && !strings.HasSuffix(name, ".d.lua")
}
