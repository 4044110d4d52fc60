package host

import (
	"fmt"
	"path/filepath"
	"strings"
)

// IsScript reports whether a .lua file found in a script folder runs as a
// bot: every one does except tests (*_test.lua, run by luabot test) and
// declaration files for editors (*.d.lua, such as the luabot.d.lua that
// `luabot types` prints and `luabot init` writes), which are annotations,
// not code. Loading, live reload and luabot check all ask this one question.
func IsScript(name string) bool {
	return strings.HasSuffix(name, ".lua") && !strings.HasSuffix(name, "_test.lua") && !strings.HasSuffix(name, ".d.lua")
}

// NotAScript explains why a file named on the command line cannot run as a
// bot, or returns nil: a test (which calls test and sim, globals a bot does
// not have, so loading it fails with "attempt to call a non-function
// object") or a declaration file (which would load as nothing at all).
func NotAScript(path string) error {
	base := filepath.Base(path)
	switch {
	case strings.HasSuffix(base, "_test.lua"):
		return fmt.Errorf("%s is a test, not a script: run it with luabot test %s", path, path)
	case strings.HasSuffix(base, ".d.lua"):
		return fmt.Errorf("%s holds type annotations for editors, not a script: name the bot's .lua files or its folder", path)
	}
	return nil
}
