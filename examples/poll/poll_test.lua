local function vote(poll, label, user)
  for _, b in ipairs(poll.buttons) do
    if b.label == label then return sim.press(poll, b.id, { user = user }) end
  end
  error("no button " .. label)
end

test("one vote per user, counted in kv, every press acknowledged", function()
  sim.say("general", "/poll Lunch? | pizza | noodles")
  local poll = sim.sent(1)
  expect(poll.body.markdown.content).to_contain("Lunch?")
  expect(#poll.buttons).to_be(3)
  expect(poll.buttons[3].id).to_be("results")

  local press = vote(poll, "pizza", "alice")
  expect(press.acked).to_be(true)
  expect(press.code).to_be(0)
  expect(press.late).to_be(false)
  expect(press.acks).to_be(1)
  vote(poll, "pizza", "bob")
  vote(poll, "noodles", "bob") -- bob changes his mind
  vote(poll, "noodles", "carol")

  sim.press(poll, "results", { user = "carol" })
  expect(sim.sent(-1).content).to_be("Lunch? pizza 1 · noodles 2")
  expect(sim.sent(-1).event_id ~= nil).to_be(true) -- a passive reply to the press
end)

test("the poll closes after ten minutes", function()
  sim.say("general", "/poll Tea or coffee? | tea | coffee")
  local poll = sim.sent(1)
  vote(poll, "tea", "alice")
  sim.advance(601)
  expect(sim.sent(-1).content).to_be("Poll closed: Tea or coffee? tea 1 · coffee 0")

  local late = vote(poll, "coffee", "bob")
  expect(late.code).to_be(1) -- the client shows the press failed
  expect(sim.sent(-1).content).to_be("This poll has closed: Tea or coffee? tea 1 · coffee 0")
end)

test("polls work in groups and C2C, where votes are by openid", function()
  sim.say("group", "/poll Meet? | Monday | Friday")
  local poll = sim.sent(1)
  expect(poll.scene).to_be("group")
  vote(poll, "Friday", "alice")
  vote(poll, "Friday", "bob")
  sim.press(poll, "results")
  expect(sim.sent(-1).content).to_be("Meet? Monday 0 · Friday 2")
end)

test("a malformed poll gets the usage line", function()
  sim.say("general", "/poll only a question")
  expect(sim.sent(1).content).to_match("^usage: /poll")
end)
