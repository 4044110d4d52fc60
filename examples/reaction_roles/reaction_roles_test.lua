local function count(list, want)
  local n = 0
  for _, v in ipairs(list) do
    if v == want then n = n + 1 end
  end
  return n
end

local function has(list, want)
  return count(list, want) > 0
end

test("posts the menu", function()
  sim.say("general", "/roles")
  expect(sim.sent(1).content).to_match("^React to pick your roles")
end)

test("a reaction on the menu gives the role", function()
  sim.say("general", "/roles")
  sim.react(sim.sent(1), "🎮", { user = "bob" })
  expect(has(sim.member("bob").roles, "Gamer")).to_be(true)
  expect(has(sim.member("bob").roles, "Artist")).to_be(false)
  sim.react(sim.sent(1), "🎨", { user = "bob" })
  expect(has(sim.member("bob").roles, "Artist")).to_be(true)
  expect(has(sim.member("carol").roles, "Gamer")).to_be(false)
end)

test("taking the reaction back takes the role away", function()
  sim.say("general", "/roles")
  sim.react(sim.sent(1), "🎮", { user = "bob" })
  sim.react(sim.sent(1), "🎮", { user = "carol" })
  sim.unreact(sim.sent(1), "🎮", { user = "bob" })
  expect(has(sim.member("bob").roles, "Gamer")).to_be(false)
  expect(has(sim.member("carol").roles, "Gamer")).to_be(true)
end)

test("the role is created once", function()
  sim.say("general", "/roles")
  sim.react(sim.sent(1), "🎮", { user = "bob" })
  sim.react(sim.sent(1), "🎮", { user = "carol" })
  expect(has(sim.member("bob").roles, "Gamer")).to_be(true)
  expect(has(sim.member("carol").roles, "Gamer")).to_be(true)
  expect(count(sim.roles(), "Gamer")).to_be(1)
end)

test("reactions elsewhere are ignored", function()
  local m = sim.say("general", "just chatting")
  sim.react(m, "🎮", { user = "bob" })
  sim.say("general", "/roles")
  sim.react(sim.sent(1), "👍", { user = "bob" })
  expect(sim.member("bob").roles).to_be(sim.member("carol").roles)
  expect(has(sim.member("bob").roles, "Gamer")).to_be(false)
end)

test("a role kept in kv that no longer exists is made again", function()
  -- as after an admin deleted it, or in a second luabot dev session
  kv.set("role:" .. sim.world().guild.id .. ":Gamer", "424242")
  sim.say("general", "/roles")
  sim.react(sim.sent(1), "🎮", { user = "bob" })
  expect(has(sim.member("bob").roles, "Gamer")).to_be(true)
end)
