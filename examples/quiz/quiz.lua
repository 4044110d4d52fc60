-- A multi-turn quiz. "/quiz" asks three questions, one at a time: the
-- handler waits (wait_for) for the same person's next message in the same
-- chat, 30 seconds per question. Other people and other chats keep being
-- served meanwhile. Works in guild channels, groups and C2C chats.

local questions = {
  { q = "What is 6 × 7?", a = "42" },
  { q = "Which planet is called the Red Planet?", a = "mars" },
  { q = "How many days has a leap year?", a = "366" },
}

-- who and where identify a person and a chat in every scene.
local function who(ev)
  local a = ev.author or {}
  return a.id or a.member_openid or a.user_openid
end

local function where(ev)
  return ev.channel_id or ev.group_openid or ("c2c:" .. tostring(who(ev)))
end

command("quiz", function(ev)
  local player, chat = who(ev), where(ev)
  local score, last, prefix = 0, ev, ""
  for i, item in ipairs(questions) do
    last:reply(("%sQ%d: %s"):format(prefix, i, item.q))
    local answer = wait_for("message", function(e)
      return who(e) == player and where(e) == chat
    end, 30)
    if not answer then
      last:reply(("Time is up! The answer was %s. You scored %d/%d."):format(item.a, score, #questions))
      return
    end
    if answer.text:lower() == item.a then
      score, prefix = score + 1, "Correct! "
    else
      prefix = ("No, it was %s. "):format(item.a)
    end
    last = answer
  end
  last:reply(("%sYou scored %d/%d."):format(prefix, score, #questions))
end)
