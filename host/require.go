package host

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	lua "github.com/yuin/gopher-lua"

	"github.com/luabot/luabot/bindings"
)

// maxModule bounds a module's source: parsing is one uninterruptible call.
const maxModule = 1 << 20

var moduleName = regexp.MustCompile(`^[A-Za-z0-9_]+(\.[A-Za-z0-9_]+)*$`)

// requirer implements require(name) for one script: name "a.b" loads
// a/b.lua from the script's own folder, never from outside it, once.
type requirer struct {
	dir     string // the script's folder
	display string // the folder as the user wrote it, for chunk names
	loaded  map[string]lua.LValue
	loading map[string]bool
}

func newRequirer(dir, display string) *requirer {
	return &requirer{dir: dir, display: display, loaded: map[string]lua.LValue{}, loading: map[string]bool{}}
}

func (r *requirer) require(L *lua.LState) int {
	name := L.CheckString(1)
	if v, ok := r.loaded[name]; ok {
		L.Push(v)
		return 1
	}
	if !moduleName.MatchString(name) {
		bindings.Raise(L, "require %q: module names are like \"util\" or \"lib.games\" and load files from the script's own folder", name)
	}
	if r.loading[name] {
		bindings.Raise(L, "require %q: circular require", name)
	}
	rel := filepath.FromSlash(strings.ReplaceAll(name, ".", "/")) + ".lua"
	path := filepath.Join(r.dir, rel)
	// Symlinks could lead outside the folder; resolve and check again.
	real, err := filepath.EvalSymlinks(path)
	if err != nil {
		bindings.Raise(L, "require %q: no file %s in the script's folder", name, filepath.Join(r.display, rel))
	}
	root, err := filepath.EvalSymlinks(r.dir)
	if err != nil || !within(root, real) {
		bindings.Raise(L, "require %q: the module must live inside the script's folder", name)
	}
	src, err := readCapped(real, maxModule)
	if err != nil {
		bindings.Raise(L, "require %q: %v", name, err)
	}
	chunk := filepath.ToSlash(filepath.Join(r.display, rel))
	proto, err := compile(src, chunk)
	if err != nil {
		bindings.Raise(L, "require %q: %s", name, compileMessage(err))
	}
	fn := L.NewFunctionFromProto(proto)
	r.loading[name] = true
	defer delete(r.loading, name)
	L.Push(fn)
	L.Push(lua.LString(name))
	L.Call(1, 1)
	v := L.Get(-1)
	L.Pop(1)
	if v == lua.LNil {
		v = lua.LTrue
	}
	r.loaded[name] = v
	L.Push(v)
	return 1
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
