-- A command bot. "/roll 20", "@bot roll 20" or, in a group or C2C chat,
-- "roll 20" rolls a die; "/help" lists every command
-- (built in as soon as a script has one). A malformed call
-- ("/roll many") is answered with the usage line and the handler is not run.


command("roll [sides:integer=6]", function(ev, args)
  if args.sides < 2 then
    ev:reply("a die needs at least 2 sides")
    return
  end
  ev:reply(("🎲 %d (d%d)"):format(math.random(args.sides), args.sides))
end)
