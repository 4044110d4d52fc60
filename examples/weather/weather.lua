-- luabot: http=api.example.com
-- /weather <city>: the current weather from a web API. The API key is the
-- operator's setting, not part of the source:
--   LUABOT_SECRET_WEATHER_API_KEY=… luabot run --tz Asia/Shanghai examples/weather
-- (or api_key = "…" under [scripts.weather.secret] in the --config file).

local API = "https://api.example.com/v1/weather"
local key = config.require("api_key")     -- fails at load, saying where to set it
local units = config.get("units") or "metric"

command("weather <city>", function(ev, args)
  local res, err = http.get(API, {
    query = {q = args.city, units = units},   -- escaped for the URL
    headers = {Authorization = "Bearer " .. key},
    timeout = 5,
  })
  if not res then
    log.warn("weather API:", err)           -- the key would show as ***
    return ev:reply("天气服务暂时不可用，请稍后再试")
  end
  if res.status == 404 then
    return ev:reply("找不到城市 " .. args.city)
  end
  local w, jerr = res:json()
  if not res.ok or not w then
    log.warn("weather API answered", res.status, jerr)
    return ev:reply("天气服务暂时不可用，请稍后再试")
  end
  ev:reply(string.format("%s：%s，%d°C", w.city, w.text, w.temp))
end)
