
-- The test API: globals of *_test.lua files only (`luabot test`). Beside them a
-- test file has json, utf8, log and kv as scripts do, and os.time/os.date on the
-- virtual clock in the bot's zone.

--- Register a test. Each test gets a fresh simulator with the folder's scripts loaded, an empty kv and a
--- virtual clock starting Monday 2026-01-05 08:00 in the bot's zone.
---@param name string
---@param fn fun()
function test(name, fn) end

---@class luabot.Expectation
local Expectation = {}
--- Deep equality.
---@param want any
function Expectation.to_be(want) end
--- A Lua pattern.
---@param pattern string
function Expectation.to_match(pattern) end
--- Plain text.
---@param text string
function Expectation.to_contain(text) end

--- An assertion; a failure names the test's file:line. expect(v).to_be(x) and expect(v):to_be(x) both work.
---@param value any
---@return luabot.Expectation
function expect(value) end

---@class luabot.SimMessage
---@field id string
---@field content string
---@field channel? string      the channel's name
---@field channel_id? string
---@field guild_id? string
---@field group_openid? string
---@field user_openid? string
---@field event_id? string
---@field scene "guild"|"dm"|"group"|"c2c"
---@field author luabot.SimUser
---@field msg_id? string       sent messages: the message answered
---@field msg_seq? integer
---@field attachments? table[]
---@field buttons? {id: string, label: string, data: string, type: integer, row: integer}[]
---@field stream? {pieces: integer, finished: boolean}
---@field body? table          sent messages: the request body

---@class luabot.SimUser
---@field id string
---@field username string
---@field openid? string

---@class luabot.SimSayOptions
---@field author? string   a username, id or openid (default the first member, alice, the guild's owner)
---@field mention? boolean guild channels: @-mention the bot (default true)
---@field group? string    a group openid

---@class luabot.SimPress
---@field acked boolean
---@field code? integer
---@field via? "rest"|"webhook"
---@field latency? number seconds of virtual time
---@field late boolean
---@field acks integer

sim = {}
--- Post as a simulated user and wait for the bot to settle. channel: a channel name ("general") or id, or
--- "group", "c2c" or "dm".
---@param channel string
---@param text string
---@param opts? luabot.SimSayOptions
---@return luabot.SimMessage
function sim.say(channel, text, opts) end
--- What the bot sent: every message, or the i-th (negative from the end); past the last one fails the test.
---@param i? integer
---@return luabot.SimMessage|luabot.SimMessage[]
function sim.sent(i) end
--- Move the virtual clock (shared with the simulated platform), firing timers in order.
---@param seconds number
function sim.advance(seconds) end
--- The virtual time as a unix time (os.time() in a test reads the same clock).
---@return integer
function sim.time() end
--- A user reacts to a guild message.
---@param message luabot.SimMessage|string
---@param emoji string|table
---@param opts? {user?: string, channel?: string}
function sim.react(message, emoji, opts) end
--- A user takes a reaction back.
---@param message luabot.SimMessage|string
---@param emoji string|table
---@param opts? {user?: string, channel?: string}
function sim.unreact(message, emoji, opts) end
--- A member with role names.
---@param user string a username, id or openid
---@return {id: string, username: string, nick: string, roles: string[]}
function sim.member(user) end
--- The guild's role names, sorted.
---@return string[]
function sim.roles() end
--- A new member of the guild (and of the first group), who joins with a GUILD_MEMBER_ADD event and gets the
--- roles named (by name or id). A name already taken, or an unknown role, is an error.
---@param user {name: string, roles?: string[]}
---@return luabot.SimUser
function sim.user(user) end
--- The kv store of a script beside the test, to seed before an event or read after: get, set, delete, incr,
--- update, scan and open, as the script has them. The global kv is the first script's (by name).
---@param script string
---@return luabot.KV
function sim.kv(script) end
--- The simulated world.
---@return {bot: luabot.SimUser, guild: {id: string, name: string, owner_id: string}, channels: {id: string, name: string}[], users: luabot.SimUser[], groups: {openid: string, name: string}[]}
function sim.world() end
--- A handler, timer or command failing with an error matching the Lua pattern is part of the test (at least one must).
---@param pattern string
function sim.expect_error(pattern) end
--- A user presses a button of a message the bot sent; nil for a command button.
---@param message luabot.SimMessage
---@param button_id string
---@param opts? {user?: string}
---@return luabot.SimPress?
function sim.press(message, button_id, opts) end
--- A press again, later (after sim.advance).
---@param press luabot.SimPress
---@return luabot.SimPress
function sim.interaction(press) end
--- At the top of a test file: the settings a script's config reads, for every test of the file.
---@param script string
---@param settings table<string, string|{[1]: string, secret: boolean}>
function sim.config(script, settings) end

sim.http = {}
--- Stub the outside world for the scripts' http calls: the latest matching stub answers.
---@param method string "GET", "POST", ... or "*"
---@param url string a url without ? matches any query; one ending in * every url it starts
---@param response table|fun(req: {method: string, url: string, query: table, headers: table, body: string, json: any}): table
function sim.http.on(method, url, response) end
--- What the scripts asked.
---@return {method: string, url: string, headers: table, body: string}[]
function sim.http.requests() end
