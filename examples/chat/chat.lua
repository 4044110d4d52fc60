-- A group and C2C (one-to-one) reply bot. In a QQ group the bot only sees
-- messages that @ it; in a C2C chat it sees every message. ev.scene says
-- which; ev:reply picks the endpoint, sets msg_id and numbers msg_seq, so
-- several replies to one message are fine (the platform allows five).
-- Guild channels are left to the other bots.
on("message", function(ev)
  if ev.scene ~= "group" and ev.scene ~= "c2c" then return end
  local text = ev.text:lower()
  if text == "ping" then
    ev:reply("pong")
  elseif text == "hello" then
    local where = ev.scene == "group" and "everyone in this group" or "you"
    ev:reply("Hello, " .. where .. "!")
    ev:reply("Say ping and I will answer.")
  else
    ev:reply("I only know ping and hello.")
  end
end)
