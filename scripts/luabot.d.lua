---@meta luabot
-- LuaLS type annotations for the luabot script API.
-- Save the output of `luabot types` as luabot.d.lua next to your scripts
-- (or on your editor's Lua library path) to get completion and checks.

---@class luabot.Error
---@field status? integer  HTTP status, when the platform answered
---@field code? integer    platform business code
---@field message string
---@field trace_id? string platform trace id (X-Tps-trace-ID)
---@field hint? string     what to do about it

---@class luabot.User
---@field id string
---@field username string
---@field avatar? string
---@field bot? boolean

---@class luabot.Event
---@field type string        the event name (envelope t)
---@field event_id? string   the envelope id, for event_id replies
---@field scene? "guild"|"dm"|"group"|"c2c"
---@field text? string       content without the leading @bot mention, trimmed
---@field id? string
---@field channel_id? string
---@field guild_id? string
---@field group_openid? string
---@field content? string
---@field author? luabot.User
---@field [string] any       every other field of the event's d
local Event = {}

--- Passive reply in the event's own place (channel, DM, group or C2C).
---@param msg string|table text, or message body fields (content, embed, ark, markdown, keyboard, image, ...)
---@return table? sent
---@return luabot.Error? err
function Event:reply(msg) end

--- A plain copy of the payload, for pairs, mutation or json.encode.
---@return table
function Event:raw() end

---@class luabot.Handle
---@field event string
local Handle = {}
--- Unregister the handler.
function Handle:off() end

--- Register a handler. Event names are the platform's (AT_MESSAGE_CREATE, GROUP_AT_MESSAGE_CREATE, READY, ...),
--- "message" for any incoming message, or "unload" before the script stops.
---@param event string
---@param fn fun(ev: luabot.Event)
---@return luabot.Handle
function on(event, fn) end

--- Like on, but the handler runs once.
---@param event string
---@param fn fun(ev: luabot.Event)
---@return luabot.Handle
function once(event, fn) end

--- Suspend the handler for a while; other events keep flowing.
---@param seconds number
---@return boolean? ok
---@return luabot.Error? err
function sleep(seconds) end

qq = {}

---@param channel_id string
---@param msg string|table
---@return table? message
---@return luabot.Error? err
function qq.send(channel_id, msg) end

---@return luabot.User? me
---@return luabot.Error? err
function qq.me() end

---@param opts? {before?: string, after?: string, limit?: integer}
---@return table[]? guilds
---@return luabot.Error? err
function qq.guilds(opts) end

---@param guild_id string
---@return table? guild
---@return luabot.Error? err
function qq.guild(guild_id) end

---@param guild_id string
---@return table[]? channels
---@return luabot.Error? err
function qq.channels(guild_id) end

---@param channel_id string
---@return table? channel
---@return luabot.Error? err
function qq.channel(channel_id) end

--- Call any endpoint, e.g. qq.request("GET", "/guilds/123/roles").
---@param method "GET"|"POST"|"PUT"|"PATCH"|"DELETE"
---@param path string
---@param body? table
---@param query? table<string, string|number>
---@return any? result true for an empty answer
---@return luabot.Error? err
function qq.request(method, path, body, query) end

kv = {}

---@param key string
---@return any value nil when absent
---@return luabot.Error? err
function kv.get(key) end

---@param key string
---@param value nil|boolean|number|string|table
---@return boolean? ok
---@return luabot.Error? err
function kv.set(key, value) end

---@param key string
---@return boolean? ok
---@return luabot.Error? err
function kv.delete(key) end

json = {}
--- Stands for JSON null.
json.null = nil
---@param v any
---@return string? text
---@return luabot.Error? err
function json.encode(v) end
---@param s string
---@return any value
---@return luabot.Error? err
function json.decode(s) end
--- Mark t to encode as an array even when empty.
---@generic T: table
---@param t T
---@return T
function json.array(t) end

log = {}
function log.debug(...) end
function log.info(...) end
function log.warn(...) end
function log.error(...) end
