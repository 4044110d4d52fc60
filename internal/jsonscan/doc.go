// Package jsonscan walks JSON text without building a tree: it reads strings and
// numbers, skips (and checks) whole values, and finds an object's top-level keys. The
// gateway reads a frame's envelope with it and takes the payload as raw bytes; the Lua
// bindings build Lua values from it directly and index an event's fields lazily. Both
// therefore read JSON one way, checked against encoding/json by a differential fuzz test.
//
// What it accepts is what encoding/json accepts (RFC 8259), with two differences that
// suit its callers: strings keep bytes that are not valid UTF-8 as they are (Lua strings
// are bytes; encoding/json would replace them with U+FFFD), and nesting deeper than
// MaxDepth is refused (encoding/json allows 10 000).
package jsonscan
