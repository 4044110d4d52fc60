// Package luaproto compiles Lua source into gopher-lua function prototypes
// that keep only the memory they need, and shares the prototypes of the
// fixed chunks every VM loads.
//
// gopher-lua's compiler gives every function it compiles a code buffer of
// 1024 instructions and 1024 line numbers (12 KiB) and hands the function
// prototype slices of those buffers, so each function of a script, of the
// prelude and of the bindings' small Lua shims kept 12 KiB however short it
// was: about 370 KiB per loaded script. Trim copies each slice to its
// length. A prototype is read-only once compiled (the VM never writes to
// it), so one prototype serves every VM that runs the same chunk: Load
// compiles each fixed chunk once per process.
package luaproto
