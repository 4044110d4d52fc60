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
--   isgo       true for a function implemented in Go: none of them waits
--              for the host, so pcall can call it natively, as fast as
--              stock gopher-lua and with its error messages
--   native     gopher-lua's own pcall
--   newco      coroutine.create for the script: counts the script's
--              coroutines against its cap (pcall's own are not counted)
local marker, fwd, resume, yield, isgo, native, newco = ...
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

-- hidden maps pcall's own coroutines to the coroutine that called pcall
-- (main for the main thread), so coroutine.running sees through them as
-- it would in Lua 5.1. Entries are removed when the call ends.
local rawrunning, hidden, main = coroutine.running, {}, {}

coroutine.running = function()
  local co = rawrunning()
  local p = hidden[co]
  while p do
    if p == main then
      return nil
    end
    co, p = p, hidden[p]
  end
  return co
end

local function slowpcall(f, ...)
  if type(f) ~= "function" and not (type(f) == "table" or type(f) == "userdata") then
    return false, "attempt to call a " .. type(f) .. " value"
  end
  local co = create(function(...) return f(...) end)
  hidden[co] = rawrunning() or main
  local r = drive(co, ...)
  hidden[co] = nil
  if not r[1] then
    return false, r[2]
  end
  if status(co) ~= "dead" then
    return false, "coroutine.yield called inside pcall outside a coroutine"
  end
  return true, unpack(r, 2, r.n)
end

-- A Go function's error is positioned at the nearest Lua frame, which
-- here is this prelude; Lua 5.1 gives no position for a C function's error.
local sub, gsub = string.sub, string.gsub
local function unprefix(ok, ...)
  if ok then
    return ok, ...
  end
  local e = ...
  if type(e) == "string" and sub(e, 1, 9) == "=prelude:" then
    e = gsub(e, "^=prelude:%d+: ", "")
  end
  return false, e
end

function pcall(...)
  if select("#", ...) == 0 then
    error("bad argument #1 to 'pcall' (value expected)", 2)
  end
  local f = ...
  if isgo(f) then
    return unprefix(native(...))
  end
  return slowpcall(...)
end

-- As in Lua 5.1, xpcall returns only the handler's first value, and an
-- error inside the handler becomes "error in error handling".
local function handled(ok, v)
  if ok then
    return false, v
  end
  return false, "error in error handling"
end

function xpcall(f, handler)
  local r = pack(pcall(f))
  if not r[1] then
    return handled(pcall(handler, r[2]))
  end
  return unpack(r, 1, r.n)
end

coroutine.resume = function(co, ...)
  local r = drive(co, ...)
  return unpack(r, 1, r.n)
end

coroutine.create = newco

coroutine.wrap = function(f)
  local co = newco(f)
  return function(...)
    local r = drive(co, ...)
    if not r[1] then
      error(r[2], 0)
    end
    return unpack(r, 2, r.n)
  end
end

coroutine.yield = yield
