-- luabot test examples/echo_test.lua
test("echoes what it is told", function()
  sim.say("general", "hello there")
  expect(sim.sent(1).content).to_be("hello there")
  expect(sim.sent(1).channel).to_be("general")
end)

test("replies to the message it echoes", function()
  local m = sim.say("general", "ping")
  expect(sim.sent(1).msg_id).to_be(m.id)
end)

test("stays quiet on an empty mention", function()
  sim.say("general", "")
  expect(#sim.sent()).to_be(0)
end)
