package host

// MissingGlobals are the standard globals the sandbox leaves out, with
// what to do instead.
var MissingGlobals = map[string]string{
	"io":             "scripts cannot touch files; keep state in kv",
	"debug":          "the sandbox has no debug library",
	"package":        `use require("name") for a file beside the script`,
	"dofile":         `use require("name") for a file beside the script`,
	"loadfile":       `use require("name") for a file beside the script`,
	"load":           "scripts cannot compile code at run time; use a table of functions",
	"loadstring":     "scripts cannot compile code at run time; use a table of functions",
	"getfenv":        "globals are already the script's own; use a table or a local",
	"setfenv":        "globals are already the script's own; use a table or a local",
	"collectgarbage": "the host manages memory",
	"newproxy":       "use a table with a metatable",
	"module":         `return a table from the required file and require("name") it`,
}

// MissingFields are library functions the sandbox leaves out.
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
