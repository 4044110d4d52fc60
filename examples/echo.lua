-- echo: answers every message with what it was told.
--
--   go run ./cmd/luabot dev examples/echo.lua
--
-- "message" covers @-mentions in guild channels and group/C2C messages.
-- ev.text is the message without the leading @bot mention.
on("message", function(ev)
  if ev.text == "" then
    return
  end
  local sent, err = ev:reply(ev.text)
  if not sent then
    log.warn("reply failed:", err)
  end
end)
