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
--   ownpool    tells the host which table is pcall's pool, so that the
--              coroutines in it never count against the cap
local marker, fwd, resume, yield, isgo, native, newco, ownpool = ...
local create, status, rawyield = coroutine.create, coroutine.status, coroutine.yield
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
-- it would in Lua 5.1. Entries are removed when the call ends; a call
-- that never ends (its handler killed by the CPU limit) leaves a dead
-- coroutine behind, which sweep removes once entries have piled up.
-- depth counts how many pcalls a coroutine runs inside: as Lua 5.1 stops
-- nesting C calls at 200, pcall refuses a deeper one with an error it
-- returns, instead of making coroutines until the memory limit stops the
-- whole script.
local rawrunning, hidden, depth, main = coroutine.running, {}, {}, {}
local entries, sweepat, maxdepth = 0, 16, 200

local function sweep()
  for co in pairs(hidden) do
    if status(co) == "dead" then
      hidden[co], depth[co], entries = nil, nil, entries - 1
    end
  end
  sweepat = 2 * entries + 16
end

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

-- A pcall of a Lua function runs it in a coroutine, so that a host wait
-- inside can yield. Making a coroutine is the expensive part (a whole
-- gopher-lua state), so finished ones are kept in a small pool and
-- reused: each runs runner, which calls a function, yields done and its
-- results, and waits for the next function. A coroutine whose function
-- raised is dead and dropped; one left suspended by a stray yield too.
-- An idle pooled coroutine keeps the last call's function and arguments
-- in its stack until it is reused (the memory estimate counts them); at
-- most poolsize of them.
local done, pool, pooled, poolsize = {}, {}, 0, 8
ownpool(pool)

-- runner tail-calls itself with what the next resume brings, so
-- a pooled coroutine's stack does not grow; no table is made per call.
local function runner(f, ...)
  return runner(rawyield(done, f(...)))
end

-- finish takes what resuming co gave: host waits are forwarded upwards
-- and their results fed back (as drive does), then the pcall's results.
local function finish(co, ok, first, ...)
  if ok and first == marker and status(co) == "suspended" then
    return finish(co, resume(co, fwd()))
  end
  hidden[co], depth[co], entries = nil, nil, entries - 1
  if not ok then
    return false, first
  end
  if first ~= done then
    return false, "coroutine.yield called inside pcall outside a coroutine"
  end
  if pooled < poolsize then
    pooled = pooled + 1
    pool[pooled] = co
  end
  return true, ...
end

local function slowpcall(f, ...)
  if type(f) ~= "function" then
    -- A value with a __call metamethod, or not callable at all: native
    -- says which as 5.1 does ("attempt to call a table value").
    return native(f, ...)
  end
  local caller = rawrunning() or main
  local d = (depth[caller] or 0) + 1
  if d > maxdepth then
    return false, "stack overflow (pcall nested more than " .. maxdepth .. " deep)"
  end
  local co
  if pooled > 0 then
    co, pool[pooled], pooled = pool[pooled], nil, pooled - 1
  else
    co = create(runner)
  end
  hidden[co], depth[co], entries = caller, d, entries + 1
  if entries > sweepat then
    sweep()
  end
  return finish(co, resume(co, f, ...))
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
  -- A Go function pcall calls has no name; 5.1 calls it '?'.
  if type(e) == "string" and sub(e, 1, 13) == "bad argument " then
    e = gsub(e, "^(bad argument #%d+ to )%(anonymous%)", "%1'?'", 1)
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

function xpcall(...)
  if select("#", ...) < 2 then
    error("bad argument #2 to 'xpcall' (value expected)", 2)
  end
  local f, handler = ...
  local r = pack(pcall(f))
  if not r[1] then
    return handled(pcall(handler, r[2]))
  end
  return unpack(r, 1, r.n)
end

-- The checks name the script's line, as 5.1's do, not this file's.
coroutine.resume = function(co, ...)
  if type(co) ~= "thread" then
    error("bad argument #1 to 'resume' (coroutine expected)", 2)
  end
  local r = drive(co, ...)
  return unpack(r, 1, r.n)
end

coroutine.create = newco

coroutine.wrap = function(f)
  if type(f) ~= "function" then
    error("bad argument #1 to 'wrap' (Lua function expected)", 2)
  end
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
