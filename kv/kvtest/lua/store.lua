-- The kv semantics a bot relies on, seen from a script; store_test.lua
-- drives it. Run on every store (kvtest.RunLua).

local function show(v)
  if type(v) ~= "table" then return tostring(v) end
  return json.encode(v)
end

command("put [key] [value] [ttl:number]", function(ev, a)
  kv.set(a.key, a.value, a.ttl)
  ev:reply("ok")
end)

command("get [key]", function(ev, a)
  ev:reply(a.key .. "=" .. show(kv.get(a.key)))
end)

-- All of a handler's set/delete land together when it ends, or none if it fails.
command("half [key]", function(ev, a)
  kv.set(a.key, "written")
  kv.set(a.key .. ".2", "written")
  ev:reply("own view " .. tostring(kv.get(a.key)))
  error("fails after writing")
end)

-- A value round-trips as the same Lua value; tables are JSON with sorted keys.
command("shapes", function(ev)
  kv.set("shape", {b = {1, 2.5, "x\0y"}, a = true, c = {z = 1, y = {}}, n = -3})
  local v = kv.get("shape")
  ev:reply(show(v) .. " " .. #v.b[3])
end)

-- kv.incr from handlers parked at once: each gets its own number.
command("ticket", function(ev)
  local n = kv.incr("tickets")
  sleep(1)
  ev:reply("ticket " .. n)
end)

command("double [key]", function(ev, a)
  ev:reply("doubled " .. show(kv.update(a.key, function(old) return (old or 1) * 2 end)))
end)

command("scan [prefix]", function(ev, a)
  local out = {}
  for k, v in kv.scan(a.prefix) do out[#out + 1] = k .. "=" .. show(v) end
  ev:reply("scan " .. table.concat(out, ","))
end)

-- Namespaces: kv.open is shared with other.lua, the script's own is not.
command("mine [value]", function(ev, a)
  kv.set("where", a.value)
  kv.open("common").set("where", "from store " .. a.value)
  ev:reply("ok")
end)
