-- Virtual time starts on Monday 2026-01-05 at 08:00 (UTC+8).
test("posts at nine on weekdays", function()
  sim.say("general", "/daily here")
  expect(sim.sent(1).content).to_be("I will post here every weekday at 09:00")
  sim.advance(59 * 60)
  expect(#sim.sent()).to_be(1)
  sim.advance(60)
  expect(sim.sent(2).content).to_match("^Good morning!")
  expect(sim.sent(2).channel).to_be("general")
  expect(sim.sent(2).msg_id).to_be(nil)   -- an active message, not a reply
  sim.advance(24 * 3600)
  expect(#sim.sent()).to_be(3)
end)

test("skips the weekend", function()
  sim.say("random", "/daily here")
  sim.advance(5 * 24 * 3600)     -- Monday 08:00 to Saturday 08:00: five mornings
  expect(#sim.sent()).to_be(1 + 5)
  sim.advance(2 * 24 * 3600)     -- Saturday and Sunday
  expect(#sim.sent()).to_be(6)
  sim.advance(3600)              -- Monday 09:00
  expect(#sim.sent()).to_be(7)
end)

test("off stops it", function()
  sim.say("general", "/daily here")
  sim.say("general", "/daily off")
  sim.advance(2 * 3600)
  expect(#sim.sent()).to_be(2)
end)
