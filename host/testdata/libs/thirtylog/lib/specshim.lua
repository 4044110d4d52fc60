-- Added for luabot's test: a small stand-in for the busted and telescope
-- test runners, enough for the specs in this folder. describe/context
-- blocks run at once; each it/test runs after every before_each/before of
-- the blocks around it, under pcall, and is counted.
-- shim.differences names tests that check what the sandbox does
-- differently from Lua 5.1 on purpose or cannot do (the README's
-- "Differences from Lua 5.1"), with the reason: they are skipped, and
-- listed in the report.
local shim = {passed = 0, failed = {}, differences = {}, skipped = {}}
local blocks = {}

local function names(name)
  local t = {}
  for _, b in ipairs(blocks) do t[#t + 1] = b.name end
  t[#t + 1] = name
  return table.concat(t, " / ")
end

function describe(name, fn)
  blocks[#blocks + 1] = {name = name, before = {}, after = {}}
  fn()
  blocks[#blocks] = nil
end
context = describe

function before_each(fn) table.insert(blocks[#blocks].before, fn) end
before = before_each
function after_each(fn) table.insert(blocks[#blocks].after, fn) end
after = after_each
function setup(fn) fn() end
function teardown() end
function pending() end

function it(name, fn)
  local why = shim.differences[names(name)]
  if why then
    shim.skipped[#shim.skipped + 1] = names(name) .. " (" .. why .. ")"
    return
  end
  local ok, err = pcall(function()
    for _, b in ipairs(blocks) do
      for _, f in ipairs(b.before) do f() end
    end
    fn()
    for i = #blocks, 1, -1 do
      for _, f in ipairs(blocks[i].after) do f() end
    end
  end)
  if ok then
    shim.passed = shim.passed + 1
  else
    shim.failed[#shim.failed + 1] = names(name) .. ": " .. tostring(err)
  end
end
test = it

local function fail(msg, ...)
  error(string.format(msg, ...), 3)
end

local function same(a, b)
  if type(a) ~= "table" or type(b) ~= "table" then return a == b end
  for k, v in pairs(a) do if not same(v, b[k]) then return false end end
  for k in pairs(b) do if a[k] == nil then return false end end
  return true
end

local function raises(fn, want)
  local ok, err = pcall(fn)
  if ok then fail("expected an error") end
  if want ~= nil and err ~= want and not tostring(err):find(want, 1, true) then
    fail("expected error %q, got %q", tostring(want), tostring(err))
  end
end

local checks = {
  equal = function(want, got) if want ~= got then fail("expected %s, got %s", tostring(want), tostring(got)) end end,
  same = function(want, got) if not same(want, got) then fail("expected the same tables") end end,
  is_true = function(v) if v ~= true then fail("expected true, got %s", tostring(v)) end end,
  is_false = function(v) if v ~= false then fail("expected false, got %s", tostring(v)) end end,
  is_nil = function(v) if v ~= nil then fail("expected nil, got %s", tostring(v)) end end,
  is_falsy = function(v) if v then fail("expected a false value, got %s", tostring(v)) end end,
  not_table = function(v) if type(v) == "table" then fail("expected no table") end end,
  error = raises,
}
checks.equals = checks.equal

local rawassert = assert
assert = setmetatable({}, {
  __index = checks,
  __call = function(_, v, msg, ...)
    if not v then error(msg or "assertion failed!", 2) end
    return v, msg, ...
  end,
})

-- telescope's names
assert_equal = function(a, b) checks.equal(b, a) end
assert_not_equal = function(a, b) if a == b then fail("expected a value other than %s", tostring(b)) end end
assert_true = checks.is_true
assert_false = checks.is_false
assert_nil = checks.is_nil
assert_not_nil = function(v) if v == nil then fail("expected a value") end end
assert_type = function(v, t) if type(v) ~= t then fail("expected a %s, got a %s", t, type(v)) end end
assert_error = function(fn) raises(fn) end
assert_not_error = function(fn)
  local ok, err = pcall(fn)
  if not ok then fail("unexpected error %s", tostring(err)) end
end

-- test files may require luacov for coverage; nothing to do here
package.preload.luacov = function() return {} end

function shim.report()
  assert = rawassert
  return string.format("%d passed, %d failed: %s; skipped: %s", shim.passed, #shim.failed,
    table.concat(shim.failed, "; "), table.concat(shim.skipped, "; "))
end

return shim
