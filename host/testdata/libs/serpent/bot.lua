-- Runs serpent's own tests (lib/serpent_tests.lua, t/test.lua of serpent)
-- inside a luabot script; TestLibraries reads result. The file asserts
-- each check and stops at the first that fails; checks are counted here.
local checks, rawassert = 0, assert
assert = function(...) checks = checks + 1 return rawassert(...) end
local ok, err = pcall(require, "serpent_tests")
assert = rawassert
result = string.format("%d passed, %d failed: %s", checks - (ok and 0 or 1), ok and 0 or 1, ok and "" or tostring(err))
