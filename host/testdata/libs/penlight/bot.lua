-- Penlight's pure modules load in a luabot script and work: checks that
-- follow its documentation, then 13 of its own test files (README.md).
-- TestLibraries reads result.
-- Adapted for the luabot sandbox: pl.pretty (which pl.Map and pl.Set
-- require) requires debug at load, for hooks only pretty.load uses; the
-- sandbox has no debug library, so an empty one stands in.
package.preload.debug = function()
  -- pl.pretty saves and restores the hook and the string metatable around
  -- pretty.read and pretty.load; the sandbox's CPU limit does the hook's job.
  return {gethook = function() return nil, "", 0 end, sethook = function() end,
    setmetatable = function() end}
end
local passed, failed = 0, {}
local function check(name, ok, err)
  if ok then passed = passed + 1 else failed[#failed + 1] = name .. (err and (": " .. tostring(err)) or "") end
end
local function try(name, fn)
  local ok, v = pcall(fn)
  check(name, ok and v, not ok and v or nil)
end

try("pl.compat reads package.config", function() return require("pl.compat").dir_separator == "/" end)
local utils = require("pl.utils")
local tablex = require("pl.tablex")
local List = require("pl.List")
local stringx = require("pl.stringx")
local class = require("pl.class")
local OrderedMap = require("pl.OrderedMap")
local Set = require("pl.Set")
local seq = require("pl.seq")
local types = require("pl.types")
try("utils.split", function() return tablex.deepcompare(utils.split("a,b,c", ","), {"a", "b", "c"}) end)
try("tablex.map", function() return tablex.deepcompare(tablex.map(function(x) return x * 2 end, {1, 2, 3}), {2, 4, 6}) end)
try("tablex.keys sorted", function() local k = tablex.keys({a = 1, b = 2}) table.sort(k) return k[1] == "a" and k[2] == "b" end)
try("List", function() local l = List{10, 20, 30} l:append(40) return l:len() == 4 and l:slice(2, 3) == List{20, 30} and tostring(l) == "{10,20,30,40}" end)
try("List:map and reduce", function() return List{1, 2, 3}:map(function(x) return x + 1 end):reduce("+") == 9 end)
try("stringx", function() return stringx.strip("  hi  ") == "hi" and stringx.startswith("hello", "he") and #stringx.split("a b  c") == 3 end)
try("class", function()
  local Animal = class()
  function Animal:_init(name) self.name = name end
  function Animal:__tostring() return self.name .. ": " .. self:speak() end
  local Dog = class(Animal)
  function Dog:speak() return "woof" end
  local d = Dog("fido")
  return tostring(d) == "fido: woof" and d:is_a(Animal) and Dog:class_of(d)
end)
try("OrderedMap keeps order", function() local m = OrderedMap() m:set("z", 1) m:set("a", 2) return m:keys() == List{"z", "a"} end)
try("Set", function() local s = Set{1, 2, 3} + Set{3, 4} return Set.len(s) == 4 end)
try("seq", function() return seq.sum(seq.list{1, 2, 3}) == 6 end)
try("types", function() return types.is_integer(3) and not types.is_integer(3.5) and types.is_callable(print) end)
try("utils.string_lambda (load)", function() return utils.string_lambda("|x| x * 3")(2) == 6 end)
try("text.Template", function() return require("pl.text").Template("hi $name"):substitute({name = "bo"}) == "hi bo" end)

-- Penlight's own tests (tests/test-NAME.lua, in lib/pltests/NAME.lua), with pl.test
-- adapted to raise its failures as errors.
for _, name in ipairs({"tablex", "tablex3", "list", "list2", "class", "class3", "class4", "types", "func",
    "map", "orderedmap", "pretty", "compat"}) do
  -- Penlight's runner starts a new Lua for each file; here the globals a
  -- file defines (utils.import puts whole modules there) are removed after it.
  local before = {}
  for k in pairs(_G) do before[k] = true end
  try("tests/test-" .. name .. ".lua", function() require("pltests." .. name) return true end)
  for k in pairs(_G) do if not before[k] then _G[k] = nil end end
end

result = string.format("%d passed, %d failed: %s", passed, #failed, table.concat(failed, "; "))
