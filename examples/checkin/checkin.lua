-- A daily check-in (签到) bot: "/签到" (or /checkin, /打卡, ／签到 as Chinese
-- input methods type it) counts a streak of days in a row; "/排行" shows the
-- top 5; at 20:00 the bot reminds, in each channel, whoever checked in
-- yesterday but not yet today. "/清零 <@someone>" (admins) resets a streak.
--
-- Days follow the bot's time zone (--tz; run it with --tz Asia/Shanghai).
-- State lives in kv: "user:<id>" = {name, streak, total, last, channel}.

commands.lang("zh") -- usage lines, refusals and cooldowns in Chinese

-- day is the date (YYYY-MM-DD) offset days from today, in the bot's zone.
local function day(offset)
  local t = os.date("*t")
  return os.date("%Y-%m-%d", os.time{year = t.year, month = t.month, day = t.day + (offset or 0), hour = 12})
end

local function author(ev)
  local a = ev.author or {}
  return a.id or a.member_openid or a.user_openid, a.username or a.id or "?"
end

-- streak is a record's current streak: it ends when a day is missed.
local function streak(rec)
  if rec.last == day(0) or rec.last == day(-1) then return rec.streak end
  return 0
end

command("签到|checkin", {desc = "每日签到，连续签到计天数", aliases = {"打卡"}}, function(ev)
  local id, name = author(ev)
  local today, yesterday = day(0), day(-1)
  local already = false
  local rec, err = kv.update("user:" .. id, function(old)
    old = old or {streak = 0, total = 0}
    if old.last == today then
      already = true
      return old
    end
    old.streak = old.last == yesterday and old.streak + 1 or 1
    old.total = old.total + 1
    old.last, old.name = today, name
    -- Reminders go to guild channels (a DM or group would need another call).
    if ev.scene == "guild" then old.channel = ev.channel_id end
    return old
  end)
  if not rec then
    log.warn("check-in failed:", err)
    ev:reply("签到失败，请稍后再试")
    return
  end
  if already then
    ev:reply(("今天已经签到过了，已连续 %d 天"):format(rec.streak))
    return
  end
  ev:reply(("签到成功！已连续 %d 天，累计 %d 天"):format(rec.streak, rec.total))
end)

command("排行|top", {desc = "连续签到排行榜（前 5 名）", aliases = {"rank"}, cooldown = {channel = 10}}, function(ev)
  local list = {}
  for _, rec in kv.scan("user:") do
    local n = streak(rec)
    if n > 0 then list[#list + 1] = {name = rec.name, streak = n, total = rec.total} end
  end
  if #list == 0 then
    ev:reply("还没有人签到，快来 /签到 吧")
    return
  end
  table.sort(list, function(a, b)
    if a.streak ~= b.streak then return a.streak > b.streak end
    if a.total ~= b.total then return a.total > b.total end
    return a.name < b.name
  end)
  local lines = {"🏆 连续签到排行"}
  for i = 1, math.min(5, #list) do
    local r = list[i]
    lines[#lines + 1] = ("%d. %s — 连续 %d 天（累计 %d 天）"):format(i, r.name, r.streak, r.total)
  end
  ev:reply(table.concat(lines, "\n"))
end)

command("清零|reset <成员:user>", {desc = "清空某人的连续签到（管理员）", allow = "admin"}, function(ev, args)
  local key = "user:" .. args["成员"]
  local rec = kv.get(key)
  if not rec then
    ev:reply("这个人还没有签到过")
    return
  end
  rec.streak = 0
  kv.set(key, rec)
  ev:reply(("已清零 %s 的连续签到"):format(rec.name))
end)

-- At 20:00 every day: in each channel, mention whoever keeps a streak alive
-- by checking in yesterday but has not checked in today.
timer.cron("0 20 * * *", function()
  local yesterday = day(-1)
  local byChannel = {}
  for key, rec in kv.scan("user:") do
    if rec.last == yesterday and rec.channel then
      local ids = byChannel[rec.channel] or {}
      ids[#ids + 1] = ("<@!%s>"):format(key:sub(#"user:" + 1))
      byChannel[rec.channel] = ids
    end
  end
  for channel, ids in pairs(byChannel) do
    table.sort(ids)
    local sent, err = qq.send(channel, ("⏰ 签到提醒：%s 今天还没签到，连续记录就要断了！发送 /签到"):format(table.concat(ids, " ")))
    if not sent then log.warn("reminder failed:", err) end
  end
end)
