-- prelude.lua: runs once in every script's VM before the script itself.
--
-- gopher-lua runs pcall, metamethods and iterators in nested Go loops, and a
-- coroutine that yields from inside one corrupts its state instead of
-- failing. The host suspends handlers by yielding, so pcall, xpcall and the
-- coroutine library are rebuilt here on top of coroutines: a host wait
-- (a yield of the private marker) inside them is passed up to the host, and
-- its results are passed back down.
--
-- Arguments (from the host, out of the scripts' reach):
--   marker     the value host waits yield
--   fwd        yields the marker from the current coroutine, after checking
--              that it can yield; returns what the host resumes it with
--   resume     coroutine.resume that refuses the host's handler coroutines
--   yield      coroutine.yield that refuses to yield a handler to the host
local marker, fwd, resume, yield = ...
local create, status = coroutine.create, coroutine.status
local select, unpack, error, type = select, unpack, error, type

local function pack(...)
  return { n = select("#", ...), ... }
end

-- drive resumes co until it finishes, errors or yields something other than
-- a host wait; host waits are forwarded upwards and their results fed back.
local function drive(co, ...)
  local r = pack(resume(co, ...))
  while r[1] and r[2] == marker and status(co) == "suspended" do
    r = pack(resume(co, fwd()))
  end
  return r
end

function pcall(f, ...)
  if type(f) ~= "function" and not (type(f) == "table" or type(f) == "userdata") then
    return false, "attempt to call a " .. type(f) .. " value"
  end
  local co = create(function(...) return f(...) end)
  local r = drive(co, ...)
  if not r[1] then
    return false, r[2]
  end
  if status(co) ~= "dead" then
    return false, "coroutine.yield called inside pcall outside a coroutine"
  end
  return true, unpack(r, 2, r.n)
end

function xpcall(f, handler)
  local r = pack(pcall(f))
  if not r[1] then
    return false, handler(r[2])
  end
  return unpack(r, 1, r.n)
end

coroutine.resume = function(co, ...)
  local r = drive(co, ...)
  return unpack(r, 1, r.n)
end

coroutine.wrap = function(f)
  local co = create(f)
  return function(...)
    local r = drive(co, ...)
    if not r[1] then
      error(r[2], 0)
    end
    return unpack(r, 2, r.n)
  end
end

coroutine.yield = yield
