package host

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	lua "github.com/yuin/gopher-lua"

	"github.com/luabot/luabot/bindings"
)

// maxModule bounds a module's source: parsing is one uninterruptible call.
const maxModule = 1 << 20

// requirer implements require(name) for one script, as Lua 5.1's does
// for Lua files, confined to the script's folder: package.loaded first,
// then package.preload, then the files name.lua and name/init.lua (with
// the dots of name as folders) in the script's folder and in its lib
// folder (library.go), once each.
type requirer struct {
	dir     string // the script's folder
	display string // the folder as the user wrote it, for chunk names
	loaded  *lua.LTable
	preload *lua.LTable
	loading map[string]bool
	// protos keeps the prototypes of the modules this script loaded alive
	// for as long as the script is: moduleProtos holds them weakly, and
	// the module's closures reference only the functions inside.
	protos []*lua.FunctionProto
}

func newRequirer(L *lua.LState, dir, display string) *requirer {
	return &requirer{dir: dir, display: display, loaded: L.CreateTable(0, 4), preload: L.CreateTable(0, 0), loading: map[string]bool{}}
}

// modulePatterns are where a module is looked for, in order, relative to
// the script's folder; ? is the name with its dots as separators.
var modulePatterns = []string{"?.lua", "?/init.lua", LibraryFolder + "/?.lua", LibraryFolder + "/?/init.lua"}

// checkModuleName accepts what Lua accepts as a module name that maps to
// a file, except what could leave the folder: parts separated by dots,
// none empty, none holding a slash, a backslash or a control character.
// "30log-global" and "pl.utils" are fine; "../x", "a..b" and "/etc/x" are not.
func checkModuleName(name string) bool {
	for _, part := range strings.Split(name, ".") {
		if part == "" || strings.ContainsAny(part, `/\`) {
			return false
		}
		for i := 0; i < len(part); i++ {
			if part[i] < ' ' || part[i] == 0x7f {
				return false
			}
		}
	}
	return true
}

func (r *requirer) require(L *lua.LState) int {
	name := checkString(L, 1, "require")
	if v := r.loaded.RawGetString(name); v != lua.LNil && v != lua.LFalse {
		L.Push(v)
		return 1
	}
	if r.loading[name] {
		bindings.Raise(L, "require %q: circular require", name)
	}
	var fn lua.LValue
	if p := r.preload.RawGetString(name); p != lua.LNil {
		fn = p
	} else {
		if !checkModuleName(name) {
			bindings.Raise(L, "require %q: a module name is parts separated by dots (\"util\", \"lib.games\", \"30log-global\"), without slashes; it loads a file from the script's own folder", name)
		}
		fn = r.find(L, name)
	}
	r.loading[name] = true
	defer delete(r.loading, name)
	L.Push(fn)
	L.Push(lua.LString(name))
	L.Call(1, 1)
	v := L.Get(-1)
	L.Pop(1)
	if v != lua.LNil {
		r.loaded.RawSetString(name, v)
	}
	if v = r.loaded.RawGetString(name); v == lua.LNil {
		// A module that returns nothing and did not fill
		// package.loaded[name] itself is loaded as true, as in 5.1.
		v = lua.LTrue
		r.loaded.RawSetString(name, v)
	}
	L.Push(v)
	return 1
}

// find compiles the first file of modulePatterns that exists.
func (r *requirer) find(L *lua.LState, name string) *lua.LFunction {
	stem := strings.ReplaceAll(name, ".", "/")
	root, err := filepath.EvalSymlinks(r.dir)
	if err != nil {
		bindings.Raise(L, "require %q: %v", name, err)
	}
	var tried []string
	for _, pat := range modulePatterns {
		rel := filepath.FromSlash(strings.ReplaceAll(pat, "?", stem))
		tried = append(tried, filepath.Join(r.display, rel))
		// Symlinks could lead outside the folder; resolve and check again.
		real, err := filepath.EvalSymlinks(filepath.Join(r.dir, rel))
		if err != nil {
			continue
		}
		if !within(root, real) {
			bindings.Raise(L, "require %q: the module must live inside the script's folder", name)
		}
		src, err := readCapped(real, maxModule)
		if err != nil {
			bindings.Raise(L, "require %q: %v", name, err)
		}
		proto, err := compileModule(src, filepath.ToSlash(filepath.Join(r.display, rel)))
		if err != nil {
			bindings.Raise(L, "require %q: %s", name, compileMessage(err))
		}
		if !slices.Contains(r.protos, proto) { // a module required again (package.loaded cleared) is the same one
			r.protos = append(r.protos, proto)
		}
		return L.NewFunctionFromProto(proto)
	}
	bindings.Raise(L, "require %q: no file %s in the script's folder", name, strings.Join(tried, ", "))
	return nil
}

// standardModules are the libraries Lua 5.1 lists in package.loaded from
// the start, so `local string = require "string"` works as there. Only
// 5.1's own names: a script's json.lua must still be found by
// require "json", not shadowed by the host's json table.
var standardModules = []string{"_G", "string", "table", "math", "coroutine", "os", "package"}

// registerStandard fills package.loaded with the standard libraries the
// sandbox has (the globals of the same names, once they are installed).
func (r *requirer) registerStandard(L *lua.LState) {
	for _, name := range standardModules {
		if t, ok := L.GetGlobal(name).(*lua.LTable); ok {
			r.loaded.RawSetString(name, t)
		}
	}
}

// packageTable is the script's package: enough for libraries that
// detect features through it (Penlight reads package.config) or extend it
// (Penlight adds package.searchpath). package.loaded and package.preload
// are the require's own tables, which the script may fill as in Lua 5.1;
// they, and config, cannot be replaced. path and cpath start empty
// because require reads no search path (modulePatterns is fixed); a script
// may assign them, as scripts written for 5.1 do, to no effect on
// require. Nothing else of 5.1's package library exists.
func (r *requirer) packageTable(L *lua.LState) lua.LValue {
	fields := L.CreateTable(0, 5)
	fields.RawSetString("config", lua.LString("/\n;\n?\n!\n-"))
	fields.RawSetString("path", lua.LString(""))
	fields.RawSetString("cpath", lua.LString(""))
	fields.RawSetString("loaded", r.loaded)
	fields.RawSetString("preload", r.preload)
	proxy := L.CreateTable(0, 0)
	mt := L.CreateTable(0, 3)
	mt.RawSetString("__index", fields)
	mt.RawSetString("__newindex", L.NewFunction(func(L *lua.LState) int {
		switch k := L.Get(2); k {
		case lua.LString("config"), lua.LString("loaded"), lua.LString("preload"):
			L.RaiseError("package.%s cannot be replaced", k)
		default:
			fields.RawSet(k, L.Get(3))
		}
		return 0
	}))
	mt.RawSetString("__metatable", lua.LString("locked"))
	proxy.Metatable = mt
	return proxy
}

func within(root, path string) bool {
	rel, err := filepath.Rel(root, path)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) && !filepath.IsAbs(rel)
}

func readCapped(path string, limit int64) (string, error) {
	info, err := os.Stat(path)
	if err != nil {
		return "", err
	}
	if !info.Mode().IsRegular() {
		return "", fmt.Errorf("%s is not a regular file", path)
	}
	if info.Size() > limit {
		return "", fmt.Errorf("%s is %d bytes, over the %d-byte limit", path, info.Size(), limit)
	}
	b, err := os.ReadFile(path)
	return string(b), err
}
