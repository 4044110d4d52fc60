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
---@field kind? string     http errors: host, scheme, address, too_large, timeout, redirects, rate, canceled, network, request
---@field field? string    ui builders (and sends checking a keyboard): the refused value, as written (keyboard[2][1].label)
---@field limit? integer   the bound that value broke, when the rule is one
---@field capability? string a call the script's grant refuses: send, active, request, shared_kv, admin or sends_per_minute

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
---@field button_id? string   button presses (INTERACTION_CREATE): the button's id
---@field button_data? string button presses: the button's action data
---@field message_id? string  button presses: the message carrying the keyboard, when the platform says
---@field user? {id: string, openid?: string} button presses: who pressed (a user id in guilds, an openid in groups and C2C)
---@field [string] any       every other field of the event's d
local Event = {}

--- Acknowledge a button press with code (0 success, the default; 1 failure; 2 too frequent; 3 duplicate;
--- 4 no permission; 5 admin only). luabot acknowledges every press exactly once on its own (success when the
--- handlers end, failure if one raised, success at 2.5 s if they still run); ev:ack chooses the code.
---@param code? integer
---@return boolean? acked true if this call acknowledged, false if the press was acknowledged already
---@return luabot.Error? err for an event that is not a press
function Event:ack(code) end

--- Passive reply in the event's own place (channel, DM, group or C2C). Repeated after a 5xx with the
--- same msg_seq; when the platform already had it (the answer was lost), sent is {deduplicated = true}.
---@param msg string|table text, or message body fields (content, embed, ark, markdown, keyboard, image, ...)
---@return table? sent
---@return luabot.Error? err
function Event:reply(msg) end

--- A plain copy of the payload, for pairs, mutation or json.encode.
---@return table
function Event:raw() end

--- Start a streamed reply (C2C chats only): the answer appears piece by piece, as one message, and counts as one
--- reply. A stream left unfinished when the handler ends (returned or failed) is finished by luabot, with a warning.
---@return luabot.Stream? s
---@return luabot.Error? err outside C2C, or past the reply window or cap
function Event:stream() end

---@class luabot.Stream
local Stream = {}
--- Add text. The first write is sent at once; later ones are gathered and sent at most once a second.
---@param text string
---@return boolean? ok
---@return luabot.Error? err
function Stream:write(text) end
--- Send what is left (and text) as the last piece.
---@param text? string
---@return table? sent
---@return luabot.Error? err
function Stream:finish(text) end

---@class luabot.Handle
---@field event string
local Handle = {}
--- Unregister the handler.
function Handle:off() end

--- Register a handler. Event names are the platform's (AT_MESSAGE_CREATE, GROUP_AT_MESSAGE_CREATE, READY, ...),
--- "message" for any incoming message, "button" for a button press (INTERACTION_CREATE, acknowledged by luabot),
--- or "unload" before the script stops.
---@param event string
---@param fn fun(ev: luabot.Event)
---@return luabot.Handle
function on(event, fn) end

--- Like on, but the handler runs once.
---@param event string
---@param fn fun(ev: luabot.Event)
---@return luabot.Handle
function once(event, fn) end

--- Wait for a later event, e.g. the same user's next message. Other events keep flowing meanwhile.
--- The event still reaches the script's other handlers.
---@param event string
---@param pred? fun(ev: luabot.Event): boolean
---@param timeout? number seconds (default 3600)
---@return luabot.Event? ev nil on timeout
---@return "timeout"? err
function wait_for(event, pred, timeout) end

---@class luabot.CommandOptions
---@field desc? string      one line, shown by /help
---@field aliases? string[]  other names ("打卡"), like "签到|打卡" in the usage
---@field strict? boolean    words beyond the parameters are an error (default: ignored)
---@field allow? string|string[]|fun(ev: luabot.Event, args: table<string, any>): boolean, string? "owner", "admin", "channel_admin", a role's name or id (guild channels only), or a check returning true, or false and the answer
---@field cooldown? number|{user?: number, channel?: number} seconds between runs per user, or per user and per channel

--- Register a command: "name|alias <required:type> [optional:type=default] [rest...]";
--- types string, number, integer, user (a mention or the id of a member; checked with the platform in guilds).
--- Invoked as "/name", "@bot name" or "@bot /name" (and plain "name" in DMs, groups and C2C); the
--- full-width ／ and space work too; "quoted words" are one argument. A malformed call is answered with the
--- usage line. "/help" lists every script's commands (with aliases and descriptions) as soon as one exists;
--- command("help", fn) replaces that answer with your own (command("help") with no function just asks for
--- the built-in one).
---@param usage string
---@param opts? luabot.CommandOptions
---@param fn? fun(ev: luabot.Event, args: table<string, any>)
---@overload fun(usage: string, fn?: fun(ev: luabot.Event, args: table<string, any>))
function command(usage, opts, fn) end

--- The language of what commands answer on their own (usage, help, argument errors, refusals, cooldowns).
commands = {}
--- Set this script's language ("en" or "zh"; default the bot's --lang), or return it when called without one.
---@param lang? "en"|"zh"
---@return string? lang
function commands.lang(lang) end
--- Replace single built-in texts: usage, missing, not_number, not_integer, not_user, unknown_user, too_many,
--- help, help_aliases, help_desc, list_sep, denied, cooldown, seconds, minutes. Values name their parts
--- in braces: {usage}, {error}, {param}, {user}, {command}, {wait}, {aliases}, {desc}, {n}, {m}.
---@param texts table<string, string>
function commands.texts(texts) end

---@class luabot.Timer
local Timer = {}
--- Stop the timer.
function Timer:cancel() end

timer = {}
--- Run fn once after seconds.
---@param seconds number
---@param fn fun()
---@return luabot.Timer
function timer.after(seconds, fn) end
--- Run fn every interval; a tick is skipped while the previous run is still going.
--- With a shared store (--store) each tick runs in one process, unless opts.each_process.
---@param seconds number
---@param fn fun()
---@param opts? {each_process?: boolean}
---@return luabot.Timer
function timer.every(seconds, fn, opts) end
--- Run fn at the times a 5-field cron expression matches, e.g. "0 9 * * 1-5",
--- in the bot's time zone (--tz) or opts.tz.
---@param expr string
---@param fn fun()
--- With a shared store (--store) each tick runs in one process, unless opts.each_process.
---@param opts? {tz?: string, each_process?: boolean}
---@return luabot.Timer
function timer.cron(expr, fn, opts) end

---@class luabot.Response
---@field status integer               HTTP status
---@field ok boolean                   status is 2xx
---@field headers table<string,string> header names in lower case
---@field body? string                 the whole body (nil when streamed)
local Response = {}
--- Decode the body as JSON; nil, err when it is not JSON.
---@return any value
---@return luabot.Error? err
function Response:json() end
--- Iterate over the body's lines (not for a streamed answer).
---@return fun(): string?
function Response:lines() end
--- Streamed answers (stream = true): the next line, nil at the end, or nil, err.
---@return string? line
---@return luabot.Error? err
function Response:read_line() end
--- Streamed answers: call fn with each line as it arrives; true at the end, or nil, err.
---@param fn fun(line: string)
---@return boolean? ok
---@return luabot.Error? err
function Response:each_line(fn) end
--- Streamed answers: stop reading and free the connection.
function Response:close() end

---@class luabot.HTTPOptions
---@field query? table<string,string|number|boolean>  added to the URL, escaped
---@field headers? table<string,string>
---@field timeout? number  seconds (default 10, the operator may change it)
---@field stream? boolean  return once the headers are in; read with read_line/each_line

http = {}
--- GET url. Only hosts granted to the script (-- luabot: http=host) over https.
---@param url string
---@param opts? luabot.HTTPOptions
---@return luabot.Response? res
---@return luabot.Error? err
function http.get(url, opts) end
--- POST body (a string, or a table sent as JSON) to url.
---@param url string
---@param body string|table
---@param opts? luabot.HTTPOptions
---@return luabot.Response? res
---@return luabot.Error? err
function http.post(url, body, opts) end
--- Any request: {method=, url=, headers=, body=, json=, timeout=, stream=}.
---@param req table
---@return luabot.Response? res
---@return luabot.Error? err
function http.request(req) end

--- Settings the operator gives this script (--config file, LUABOT_CONF_<SCRIPT>_<KEY>, --conf):
--- config.get("key") or config.key; strings, or nil when not set. Read-only.
---@type table<string, string>
config = {}
--- A setting's value, or nil.
---@param key string
---@return string?
function config.get(key) end
--- A setting's value; raises (at load, when called at the top level) naming the setting and where to set it.
---@param key string
---@return string
function config.require(key) end
--- The names of the settings given, sorted.
---@return string[]
function config.keys() end

---@class luabot.Script
---@field name string the script's name (its file name without .lua)
---@field dir string the script's folder
script = {}

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

---@param guild_id string a DM session's guild_id (from qq.dm)
---@param msg string|table
---@return table? message
---@return luabot.Error? err
function qq.send_dm(guild_id, msg) end

--- Create a DM session with a user.
---@param user_id string
---@param source_guild_id string
---@return {guild_id: string, channel_id: string, create_time: string}? session
---@return luabot.Error? err
function qq.dm(user_id, source_guild_id) end

---@param group_openid string
---@param msg string|table
---@return table? message
---@return luabot.Error? err
function qq.send_group(group_openid, msg) end

--- C2C message to a user.
---@param openid string
---@param msg string|table
---@return table? message
---@return luabot.Error? err
function qq.send_user(openid, msg) end

---@param guild_id string
---@param opts? {after?: string, limit?: integer, all?: boolean}
---@return table[]? members
---@return luabot.Error? err
function qq.members(guild_id, opts) end

---@param guild_id string
---@param user_id string
---@return table? member
---@return luabot.Error? err
function qq.member(guild_id, user_id) end

---@param guild_id string
---@return table? roles {guild_id=, roles={...}, role_num_limit=}
---@return luabot.Error? err
function qq.roles(guild_id) end

---@param channel_id string
---@param message_id string
---@return table? message
---@return luabot.Error? err
function qq.message(channel_id, message_id) end

---@param channel_id string
---@param opts? {before?: string, after?: string, around?: string, limit?: integer}
---@return table[]? messages
---@return luabot.Error? err
function qq.messages(channel_id, opts) end

---@param channel_id string
---@param message_id string
---@param hidetip? boolean
---@return boolean? ok
---@return luabot.Error? err
function qq.delete_message(channel_id, message_id, hidetip) end

--- emoji: "😀", a system face id like "4", "2:128512", or {type=, id=}
---@param channel_id string
---@param message_id string
---@param emoji string|table
---@return boolean? ok
---@return luabot.Error? err
function qq.react(channel_id, message_id, emoji) end

---@param channel_id string
---@param message_id string
---@param emoji string|table
---@return boolean? ok
---@return luabot.Error? err
function qq.unreact(channel_id, message_id, emoji) end

---@param channel_id string
---@param message_id string
---@return table? pins
---@return luabot.Error? err
function qq.pin(channel_id, message_id) end

---@param channel_id string
---@param message_id string
---@return boolean? ok
---@return luabot.Error? err
function qq.unpin(channel_id, message_id) end

---@param channel_id string
---@return table? pins
---@return luabot.Error? err
function qq.pins(channel_id) end

--- Call any endpoint, e.g. qq.request("GET", "/guilds/123/roles").
---@param method "GET"|"POST"|"PUT"|"PATCH"|"DELETE"
---@param path string
---@param body? table
---@param query? table<string, string|number>
---@return any? result true for an empty answer
---@return luabot.Error? err
function qq.request(method, path, body, query) end

---@class luabot.KV
local KV = {}

---@param key string
---@return any value nil when absent or expired
---@return luabot.Error? err
function KV.get(key) end

--- Buffered until the handler ends; a handler that fails commits nothing.
---@param key string at most 1 KiB
---@param value nil|boolean|number|string|table nil deletes
---@param ttl? number seconds
---@return boolean? ok
---@return luabot.Error? err
function KV.set(key, value, ttl) end

---@param key string
---@return boolean? ok
---@return luabot.Error? err
function KV.delete(key) end

--- Takes effect at once and atomically (each caller gets its own value); not undone if the handler fails.
---@param key string
---@param n? number default 1; NaN and infinities are refused
---@return number? value the value stored
---@return luabot.Error? err
function KV.incr(key, n) end

--- Atomic read-modify-write, at once like incr: fn(old) returns the new value (nil deletes). fn may run again
--- if another script changed the key meanwhile; kv calls and waiting calls inside fn are errors.
---@param key string
---@param fn fun(old: any): any
---@return any value the value stored
---@return luabot.Error? err
function KV.update(key, fn) end

--- for key, value in kv.scan("score:") do ... end -- keys with the prefix, in order
---@param prefix? string
---@return fun(): string?, any
function KV.scan(prefix) end

--- A namespace shared by every script that opens it; nil, err when the
--- operator withholds the shared_kv capability.
---@param name string
---@return luabot.KV? ns
---@return luabot.Error? err
function KV.open(name) end

---@type luabot.KV
kv = {}

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

--- Builders of rich messages (markdown, keyboards, embeds, arks): plain tables ev:reply and qq.send* accept,
--- or nil, err naming the refused field (err.field) and the limit (err.limit).
ui = {}
--- A markdown message: text, or a template {template = id, params = {key = value | {values}}}; with keyboard
--- (from ui.keyboard) it carries buttons.
---@param md string|{template: string|integer, params?: table<string, string|string[]>}
---@param keyboard? table
---@return table? msg {markdown = ..., keyboard = ...}
---@return luabot.Error? err
function ui.markdown(md, keyboard) end
--- A button. opts: exactly one of data (a callback: the press reaches on("button") with ev.button_data),
--- url (a link) or command (typed into the input box; enter, reply); id, visited (label after a press),
--- style ("blue" or "grey"), permission ("everyone" (default), "managers", {users = {...}}, {roles = {...}}),
--- click_limit, unsupported (text for clients without buttons). Labels have 1 to 32 characters, data at most 1 KiB.
---@param label string
---@param opts table
---@return table? button
---@return luabot.Error? err
function ui.button(label, opts) end
--- A keyboard: rows (1 to 5) of buttons (1 to 5 each) from ui.button, ids unique (missing ones become "row.column");
--- or a template id. The result is the message's keyboard field.
---@param rows table[][]|string
---@return table? keyboard
---@return luabot.Error? err
function ui.keyboard(rows) end
--- An embed message: {title =, prompt =, description =, thumbnail = url, fields = {"text" | {name =}, ...}} (25 fields at most).
---@param embed table
---@return table? msg
---@return luabot.Error? err
function ui.embed(embed) end
--- An ark message from template_id and kv: key = "value", or key = {{k = "v", ...}, ...} for a list.
---@param template_id integer
---@param kv table<string, string|table[]>
---@return table? msg
---@return luabot.Error? err
function ui.ark(template_id, kv) end

log = {}
function log.debug(...) end
function log.info(...) end
function log.warn(...) end
function log.error(...) end

--- Character-aware string helpers (after Lua 5.3's utf8 library): string.len and string.sub count bytes.
utf8 = {}
--- A pattern matching one UTF-8 character.
utf8.charpattern = "[\0-\x7F\xC2-\xFD][\x80-\xBF]*"
---@param s string
---@param i? integer
---@param j? integer
---@return integer? n characters, or nil and the position of the first invalid byte
---@return integer? pos
function utf8.len(s, i, j) end
---@param ... integer code points
---@return string
function utf8.char(...) end
---@param s string
---@param i? integer
---@param j? integer
---@return integer ... code points
function utf8.codepoint(s, i, j) end
---@param s string
---@param n integer
---@param i? integer
---@return integer? pos byte position where the n-th character starts
function utf8.offset(s, n, i) end
--- for pos, codepoint in utf8.codes(s) do ... end
---@param s string
---@return fun(): integer?, integer
function utf8.codes(s) end
