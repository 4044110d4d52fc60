-- Runs json.lua's own tests (lib/json_tests.lua, from rxi/json.lua) inside a
-- luabot script; TestLibraries reads result.
local r = require("json_tests")
result = string.format("%d passed, %d failed: %s", r.passed, #r.failed, table.concat(r.failed, "; "))
