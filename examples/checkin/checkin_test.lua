local function last() return sim.sent(-1).content end

test("the first check-in starts a streak", function()
  sim.say("general", "/签到")
  expect(last()).to_be("签到成功！已连续 1 天，累计 1 天")
  sim.say("general", "/签到")
  expect(last()).to_be("今天已经签到过了，已连续 1 天")
end)

test("aliases and what Chinese input methods type", function()
  sim.say("general", "／打卡")
  expect(last()).to_be("签到成功！已连续 1 天，累计 1 天")
  sim.say("general", "/checkin", {author = "bob"})
  expect(last()).to_be("签到成功！已连续 1 天，累计 1 天")
  sim.say("general", "/help")
  expect(last()).to_contain("/签到（又名 /checkin、/打卡） — 每日签到，连续签到计天数")
end)

test("days in a row make a streak, a missed day ends it", function()
  sim.say("general", "/签到")
  sim.advance(24 * 3600)
  sim.say("general", "/签到")
  expect(last()).to_be("签到成功！已连续 2 天，累计 2 天")
  sim.advance(24 * 3600)
  sim.say("general", "/签到")
  expect(last()).to_be("签到成功！已连续 3 天，累计 3 天")
  sim.advance(2 * 24 * 3600) -- a day missed
  sim.say("general", "/签到")
  expect(last()).to_be("签到成功！已连续 1 天，累计 4 天")
end)

test("a new day starts at midnight in the bot's zone", function()
  sim.advance(15 * 3600 + 59 * 60) -- 23:59
  sim.say("general", "/签到")
  sim.advance(60) -- 00:00 the next day
  sim.say("general", "/签到")
  expect(last()).to_be("签到成功！已连续 2 天，累计 2 天")
  expect(os.date("%H:%M")).to_be("00:00")
end)

test("the ranking shows the top 5", function()
  -- Seven members: five more than the world starts with.
  for _, name in ipairs({"dave", "erin", "frank", "grace"}) do sim.user{name = name} end
  local alice = sim.member("alice")
  -- Streaks from before the test, seeded in the bot's store.
  local yesterday = os.date("%Y-%m-%d", os.time() - 24 * 3600)
  kv.set("user:" .. alice.id, {name = "alice", streak = 9, total = 20, last = yesterday})
  kv.set("user:old", {name = "olga", streak = 30, total = 30, last = "2025-12-01"}) -- broken long ago
  local users = {"bob", "carol", "dave", "erin", "frank", "grace"}
  for i, name in ipairs(users) do
    -- bob checks in on 6 days, grace on 1.
    for d = 1, #users - i + 1 do
      kv.update("user:" .. sim.member(name).id, function(rec)
        rec = rec or {name = name, streak = 0, total = 0}
        rec.streak, rec.total, rec.last = rec.streak + 1, rec.total + 1, yesterday
        return rec
      end)
    end
  end
  sim.say("general", "/签到", {author = "grace"})
  sim.say("general", "/排行")
  expect(last()).to_be(table.concat({
    "🏆 连续签到排行",
    "1. alice — 连续 9 天（累计 20 天）",
    "2. bob — 连续 6 天（累计 6 天）",
    "3. carol — 连续 5 天（累计 5 天）",
    "4. dave — 连续 4 天（累计 4 天）",
    "5. erin — 连续 3 天（累计 3 天）",
  }, "\n"))
  -- The ranking cools down for 10 s per channel.
  sim.say("general", "/rank", {author = "bob"})
  expect(last()).to_be("/排行 冷却中，请 10 秒后再试。")
  sim.advance(10)
  sim.say("general", "/rank", {author = "bob"})
  expect(last()).to_match("^🏆")
end)

test("an empty ranking invites a check-in", function()
  sim.say("general", "/top")
  expect(last()).to_be("还没有人签到，快来 /签到 吧")
end)

test("a reminder at 20:00 for streaks at risk", function()
  sim.say("general", "/签到", {author = "bob"})
  sim.say("random", "/签到", {author = "carol"})
  sim.say("general", "/签到", {author = "alice"})
  local sent = #sim.sent()
  sim.advance(12 * 3600) -- 20:00 today: everyone checked in today
  expect(#sim.sent()).to_be(sent)
  sim.advance(12 * 3600) -- 08:00 the next day
  sim.say("general", "/签到", {author = "alice"})
  sent = #sim.sent()
  sim.advance(12 * 3600) -- 20:00
  expect(os.date("%H:%M")).to_be("20:00")
  local reminders = {}
  for i = sent + 1, #sim.sent() do
    local m = sim.sent(i)
    reminders[m.channel] = m.content
  end
  local bob, carol = sim.member("bob"), sim.member("carol")
  expect(reminders).to_be({
    general = "⏰ 签到提醒：<@!" .. bob.id .. "> 今天还没签到，连续记录就要断了！发送 /签到",
    random = "⏰ 签到提醒：<@!" .. carol.id .. "> 今天还没签到，连续记录就要断了！发送 /签到",
  })
end)

test("admins reset a streak; others may not", function()
  local bob = sim.member("bob")
  sim.say("general", "/签到", {author = "bob"})
  sim.say("general", "/清零 <@!" .. bob.id .. ">", {author = "carol"})
  expect(last()).to_be("你没有使用 /清零 的权限。")
  sim.say("general", "/清零 <@!" .. bob.id .. ">") -- alice owns the guild
  expect(last()).to_be("已清零 bob 的连续签到")
  expect(sim.kv("checkin").get("user:" .. bob.id).streak).to_be(0)
  sim.say("general", "/reset 42")
  expect(last()).to_be("成员：这里没有成员 42")
  sim.say("general", "/reset")
  expect(last()).to_be("用法：/清零 <成员:user>（缺少参数 成员）")
end)

test("check in from a group chat and a DM", function()
  sim.say("group", "签到")
  expect(last()).to_be("签到成功！已连续 1 天，累计 1 天")
  sim.say("dm", "打卡", {author = "bob"})
  expect(last()).to_be("签到成功！已连续 1 天，累计 1 天")
end)
