-- A daily message on a cron: at 09:00 on weekdays the bot posts to every
-- channel that asked for it with "/daily here" ("/daily off" stops it).
-- The cron runs in the process's time zone; `luabot test` uses UTC+8.


local function channels()
  return kv.get("channels") or {}
end

command("daily [what]", function(ev, args)
  local list = channels()
  if args.what == "off" then
    list[ev.channel_id] = nil
    kv.set("channels", list)
    ev:reply("no more daily messages here")
    return
  end
  list[ev.channel_id] = true
  kv.set("channels", list)
  ev:reply("I will post here every weekday at 09:00")
end)

timer.cron("0 9 * * 1-5", function()
  for channel_id in pairs(channels()) do
    local sent, err = qq.send(channel_id, "Good morning! Stand-up is in 30 minutes.")
    if not sent then log.warn("daily message failed:", err) end
  end
end)
