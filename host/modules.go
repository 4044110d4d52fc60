package host

import (
	"crypto/sha256"
	"runtime"
	"sync"
	"weak"

	lua "github.com/yuin/gopher-lua"
)

// moduleProtos shares what require compiles between the VMs of the
// process. A prototype is read-only once compiled (internal/luaproto), and
// a module's state lives in the closures each VM makes from it, so every
// script that requires the same file (same chunk name, same bytes) can run
// one prototype: a library required by a hundred scripts is compiled and
// held once instead of a hundred times. Entries are weak: each requirer
// holds the prototypes its script loaded, and once no script does (they
// stopped, or reloaded with the module edited) the prototype is collected
// and its entry dropped.
var moduleProtos = struct {
	sync.Mutex
	m map[moduleKey]weak.Pointer[lua.FunctionProto]
}{m: map[moduleKey]weak.Pointer[lua.FunctionProto]{}}

type moduleKey struct {
	chunk string
	sum   [sha256.Size]byte
}

// compileModule is compile for a module's source, sharing the prototype
// with every other VM that compiled the same chunk.
func compileModule(src, chunk string) (*lua.FunctionProto, error) {
	key := moduleKey{chunk, sha256.Sum256([]byte(src))}
	moduleProtos.Lock()
	p := moduleProtos.m[key].Value()
	moduleProtos.Unlock()
	if p != nil {
		return p, nil
	}
	p, err := compile(src, chunk) // outside the lock: a large module takes milliseconds
	if err != nil {
		return nil, err
	}
	moduleProtos.Lock()
	defer moduleProtos.Unlock()
	if q := moduleProtos.m[key].Value(); q != nil {
		return q, nil // another VM compiled it meanwhile
	}
	moduleProtos.m[key] = weak.Make(p)
	runtime.AddCleanup(p, forgetModule, key)
	return p, nil
}

// forgetModule drops key's entry once its prototype has been collected
// (unless a newer one took its place).
func forgetModule(key moduleKey) {
	moduleProtos.Lock()
	defer moduleProtos.Unlock()
	if moduleProtos.m[key].Value() == nil {
		delete(moduleProtos.m, key)
	}
}
