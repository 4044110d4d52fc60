-- The assertion half of the test API. fail raises msg at the first line
-- outside this file, so failures point at the test's own line.
local where = ...

local function fail(msg)
  error(where() .. msg, 0)
end
local function show(v, depth)
  depth = depth or 0
  if type(v) == "string" then return string.format("%q", v) end
  if type(v) ~= "table" then return tostring(v) end
  if depth > 3 then return "{...}" end
  local keys = {}
  for k in pairs(v) do keys[#keys + 1] = k end
  table.sort(keys, function(a, b)
    if type(a) == type(b) and (type(a) == "number" or type(a) == "string") then return a < b end
    return type(a) < type(b)
  end)
  local parts = {}
  for i, k in ipairs(keys) do
    if i > 20 then parts[#parts + 1] = "..."; break end
    local key = k == i and "" or (type(k) == "string" and k:match("^[%a_][%w_]*$") and k .. "=" or "[" .. show(k) .. "]=")
    parts[#parts + 1] = key .. show(v[k], depth + 1)
  end
  return "{" .. table.concat(parts, ", ") .. "}"
end

local function equal(a, b)
  if a == b then return true end
  if type(a) ~= "table" or type(b) ~= "table" then return false end
  for k, v in pairs(a) do
    if not equal(v, b[k]) then return false end
  end
  for k in pairs(b) do
    if a[k] == nil then return false end
  end
  return true
end

function expect(actual)
  local e = {}
  -- Accept e:to_be(x) as well as e.to_be(x).
  local function value(first, ...)
    if first == e and select("#", ...) > 0 then return ... end
    return first
  end
  function e.to_be(...)
    local want = value(...)
    if not equal(actual, want) then
      fail("expected " .. show(want) .. ", got " .. show(actual))
    end
  end
  function e.to_match(...)
    local pattern = value(...)
    if type(actual) ~= "string" then
      fail("expected a string matching " .. show(pattern) .. ", got " .. show(actual))
    end
    if not string.find(actual, pattern) then
      fail("expected " .. show(actual) .. " to match " .. show(pattern))
    end
  end
  function e.to_contain(...)
    local part = value(...)
    if type(actual) ~= "string" or not string.find(actual, part, 1, true) then
      fail("expected " .. show(actual) .. " to contain " .. show(part))
    end
  end
  return e
end
