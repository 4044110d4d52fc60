-- A counter kept in kv: it survives restarts, and each user has their own.
-- "/count" adds one to yours and to the total; "/score" shows both;
-- "/reset" clears yours.


command("count", function(ev)
  local mine = kv.incr("user:" .. ev.author.id)
  local total = kv.incr("total")
  ev:reply(("you: %d, everyone: %d"):format(mine, total))
end)

command("score", function(ev)
  local mine = kv.get("user:" .. ev.author.id) or 0
  ev:reply(("you: %d, everyone: %d"):format(mine, kv.get("total") or 0))
end)

command("reset", function(ev)
  local mine = kv.get("user:" .. ev.author.id) or 0
  kv.delete("user:" .. ev.author.id)
  kv.incr("total", -mine)
  ev:reply("your count is back to 0")
end)
