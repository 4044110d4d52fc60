-- Runs dkjson's own test file (lib/dkjson_tests.lua, jsontest.lua of the
-- dkjson distribution) inside a luabot script; TestLibraries reads result.
-- The file reports a failing check by printing it (and stops on an error);
-- besides failures it prints how a few tables it cannot encode exactly
-- came out, as real Lua 5.1 does too: those lines are not failures.
local informational = {"^sparse array %(#=%d%) encoded as:", "^mixed table encoded as:", "^[+-]?%a+ is converted to:"}
local failures = {}
local rawprint = print
print = function(...)
  local parts = {}
  for i = 1, select("#", ...) do parts[i] = tostring((select(i, ...))) end
  local line = table.concat(parts, " ")
  for _, p in ipairs(informational) do
    if line:match(p) then return end
  end
  failures[#failures + 1] = line
end
local ok, err = pcall(require, "dkjson_tests")
print = rawprint
if not ok then failures[#failures + 1] = tostring(err) end
result = string.format("%d passed, %d failed: %s", ok and 1 or 0, #failures, table.concat(failures, "; "))
