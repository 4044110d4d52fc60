// Package luaframe reads three things gopher-lua keeps in unexported fields
// and no exported call shows: a coroutine's value stack (its "registry":
// locals, temporaries and the functions of its call frames), how many
// results the call site of a running function wants, and whether the
// coroutine's run ends once that call returns.
//
// host's memory estimate must see what a suspended coroutine holds on its
// stack, and its spare coroutines are kept only while their stacks are
// small; bindings skips decoding a platform answer the script's call
// discards, and lets a handler whose last statement is a send end without
// keeping its coroutine while the send runs. All three read the fields
// through reflection, checked once against the pinned gopher-lua
// version's layout: if a new version changes it, OK reports false, Stack
// returns nil, CallerWants -1 (unknown) and EndsRun false, so the callers
// fall back to what they did without it, and this package's test fails,
// naming the field.
package luaframe
