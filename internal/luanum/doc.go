// Package luanum writes numbers as text the way Lua 5.1 does ("%.14g"
// through C's printf), for every conversion luabot controls: tostring,
// print and log.*, `..`, string.format's %s and %q, table.concat and the
// string functions' number arguments.
//
// gopher-lua's own conversion (LNumber.String) prints the shortest text
// that reads back as the same float, so 3*1.1 became
// "3.3000000000000003" and 0.1+0.2 "0.30000000000000004" where Lua 5.1
// prints 3.3 and 0.3; it also printed 2^53 with all its digits
// (9007199254740992, 5.1: 9.007199254741e+15), infinity as "+Inf" and NaN
// as "NaN". JSON keeps round-trip numbers: json.encode has its own writer
// and does not use this package.
package luanum
