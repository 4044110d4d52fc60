-- The outside world is stubbed: no test touches the network.
sim.config("weather", {api_key = "test-key"})

local API = "https://api.example.com/v1/weather"

test("answers with the API's weather, sending the key", function()
  sim.http.on("GET", API, function(req)
    expect(req.headers["authorization"]).to_be("Bearer test-key")
    expect(req.query.units).to_be("metric")
    return {status = 200, json = {city = req.query.q, text = "晴", temp = 21}}
  end)
  sim.say("general", "/weather 北京")
  expect(sim.sent(-1).content).to_be("北京：晴，21°C")
end)

test("an unknown city", function()
  sim.http.on("GET", API, {status = 404, json = {error = "not found"}})
  sim.say("general", "/weather 火星")
  expect(sim.sent(-1).content).to_be("找不到城市 火星")
end)

test("a broken answer or an outage", function()
  sim.http.on("GET", API, {status = 200, body = "<html>oops"})
  sim.say("general", "/weather 上海")
  expect(sim.sent(-1).content).to_be("天气服务暂时不可用，请稍后再试")
  sim.http.on("GET", API, {status = 503, body = "down"})
  sim.say("general", "/weather 上海")
  expect(sim.sent(-1).content).to_be("天气服务暂时不可用，请稍后再试")
  expect(#sim.http.requests()).to_be(2)
end)
