package host

// MissingGlobals are the standard Lua 5.1 globals a script's sandbox leaves
// out, with what to do instead: newSandbox removes exactly these (and
// internalGlobals), and `luabot check` reports a script that uses one.
var MissingGlobals = map[string]string{
	"io":       "scripts cannot touch files; keep state in kv",
	"debug":    "the sandbox has no debug library",
	"dofile":   `use require("name") for a file beside the script`,
	"loadfile": `use require("name") for a file beside the script`,
	"newproxy": "use a table with a metatable",
	"module":   `return a table from the required file and require("name") it`,
}

// MissingFields are the library functions the sandbox leaves out, by
// library, with what to do instead.
var MissingFields = map[string]map[string]string{
	"os": {
		"execute": "scripts cannot run programs",
		"exit":    "a script cannot stop the bot; return from the handler",
		"getenv":  "read settings with config.get(\"key\")",
		"setenv":  "read settings with config.get(\"key\")",
		"remove":  "scripts cannot touch files; keep state in kv",
		"rename":  "scripts cannot touch files; keep state in kv",
		"tmpname": "scripts cannot touch files; keep state in kv",
	},
	"string": {"dump": "scripts cannot load byte code"},
}

// internalGlobals are removed too but are nothing a script means to use:
// gopher-lua's own extras, and the stock require, which require.go
// replaces with one confined to the script's folder (and a read-only
// package beside it).
var internalGlobals = []string{"_printregs", "_GOPHER_LUA_VERSION", "require"}

// perScriptGlobals are standard globals newSandbox leaves out because
// each script gets its own (script.go): require and package confined to
// its folder, collectgarbage reporting its own memory (gc.go).
var perScriptGlobals = []string{"require", "package", "collectgarbage"}
