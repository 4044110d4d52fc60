-- Runs lume's own test suite (lib/lume_tests.lua, from the lume repository)
-- inside a luabot script; TestLibraries reads result.
local tester = require("util.tester")
require("lume_tests")
result = string.format("%d passed, %d failed: %s", tester.passcount, tester.failcount,
  table.concat(tester.failures or {}, ", "))
