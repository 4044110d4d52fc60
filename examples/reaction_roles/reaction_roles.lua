-- Reaction roles. "/roles" posts a menu; reacting to it with 🎮 gives you
-- the Gamer role and 🎨 the Artist role, and taking the reaction back
-- takes the role away. Roles are created on first use. There is no typed
-- helper for member roles yet, so they go through qq.request.

local menu = {
  ["127918"] = "Gamer",  -- 🎮, a unicode emoji: type 2, id = its code point
  ["127912"] = "Artist", -- 🎨
}

local bot_id
once("READY", function(ev) bot_id = ev.user.id end)

-- role_id finds the guild's role called name, creating it if needed.
local function role_id(guild_id, name)
  local key = "role:" .. guild_id .. ":" .. name
  local id = kv.get(key)
  if id then return id end
  local list, err = qq.roles(guild_id)
  if not list then return nil, err end
  for _, r in ipairs(list.roles) do
    if r.name == name then
      kv.set(key, r.id)
      return r.id
    end
  end
  local created, cerr = qq.request("POST", "/guilds/" .. guild_id .. "/roles", { name = name, hoist = 1 })
  if not created then return nil, cerr end
  kv.set(key, created.role_id)
  return created.role_id
end

command("roles", function(ev)
  local sent, err = ev:reply("React to pick your roles: 🎮 Gamer, 🎨 Artist")
  if not sent then
    log.warn("menu not posted:", err)
    return
  end
  kv.set("menu:" .. sent.id, true)
  for emoji in pairs(menu) do
    qq.react(ev.channel_id, sent.id, { type = 2, id = emoji })
  end
end)

local function toggle(ev, method)
  if ev.user_id == bot_id or not kv.get("menu:" .. ev.target.id) then return end
  local name = menu[ev.emoji.id]
  if not name then return end
  local function change()
    local id, err = role_id(ev.guild_id, name)
    if not id then return nil, err end
    return qq.request(method, ("/guilds/%s/members/%s/roles/%s"):format(ev.guild_id, ev.user_id, id))
  end
  local ok, err = change()
  if not ok and err.status == 404 then
    -- The role kept in kv is gone (an admin deleted it, or luabot dev
    -- started a new simulated guild): look it up, or create it, again.
    kv.delete("role:" .. ev.guild_id .. ":" .. name)
    ok, err = change()
  end
  if not ok then log.warn("role change failed:", err) end
end

on("MESSAGE_REACTION_ADD", function(ev) toggle(ev, "PUT") end)
on("MESSAGE_REACTION_REMOVE", function(ev) toggle(ev, "DELETE") end)
