-- A second script: its own namespace is not store.lua's, kv.open's is shared.
command("theirs", function(ev)
  ev:reply("own " .. tostring(kv.get("where")) .. ", common " .. tostring(kv.open("common").get("where")))
end)
