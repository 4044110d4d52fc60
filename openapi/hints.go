package openapi

import "net/http"

// hints say, in one short line, what to do about the business codes users meet
// most. They name the bot's credentials as the QQ console does (AppID,
// AppSecret), never a flag: how a program takes them is its own business. They are shown next to the platform's own message (bindings put them
// in the Lua error table's hint field).
const ipHint = "this machine's IP address is not on the bot's IP allow-list: add its public IP in the QQ bot console " +
	"(production only; the sandbox does not check it)"

var hints = map[int]string{
	10001: "the account id is wrong",
	10003: "the channel id is wrong or the bot cannot see that channel",
	10004: "the guild id is wrong or the bot is not in that guild",

	11241:    "no token was sent: check the AppID and AppSecret",
	11242:    "the token check failed: retry once; if it persists check the AppID and AppSecret",
	11243:    "the token is wrong: check the AppSecret (or the legacy bot token)",
	11244:    "the access token expired; luabot refetched it and retried once, retry the call",
	11245:    "legacy bot tokens are disabled: use the AppSecret instead of a bot token",
	11251:    "the app id is wrong: check the AppID",
	11252:    "the bot lacks the permission for this API: request it in the QQ bot console",
	11253:    "this API is not granted to the bot: request it in the QQ bot console",
	11254:    "this API is banned for the bot",
	11261:    "the app id is missing: check the AppID",
	11262:    "this API does not accept a bot token",
	11263:    "the guild permission check failed: the bot may not be in that guild",
	11264:    "the guild has not granted this API to the bot: ask its owner (qq.request GET /guilds/{id}/api_permission)",
	11265:    "the bot is banned",
	11275:    "the app id is missing: check the AppID",
	11281:    "the admin check failed: this needs a guild admin bot",
	11282:    "the bot is not an admin of this guild",
	11298:    ipHint,
	40023002: ipHint,

	20028: "channel write rate limit: send less often to this channel",
	22009: "message rate limit reached for this group/user: send less often",

	50006:  "the message is empty: set content, embed, ark, image, markdown or file",
	50035:  "the form-data body is malformed",
	50045:  "a bot cannot reply to its own message",
	50046:  "only messages that @-mention the bot can be answered",
	50051:  "a bot can only edit its own messages",
	301000: "the bot lacks a channel permission for this: check its role and the channel settings",
	301001: "the bot lacks a channel permission for this: check its role and the channel settings",
	301002: "the bot lacks a channel permission for this: check its role and the channel settings",
	301003: "the bot lacks a channel permission for this: check its role and the channel settings",
	301004: "the bot lacks a channel permission for this: check its role and the channel settings",
	301005: "the bot lacks a channel permission for this: check its role and the channel settings",
	301006: "the bot lacks a channel permission for this: check its role and the channel settings",
	301007: "the bot lacks a channel permission for this: check its role and the channel settings",

	304003: "URLs in messages must be registered for the bot in the QQ console",
	304004: "the bot has no permission to send ark messages",
	304005: "the embed is too long",
	304017: "the image upload failed: check the file or URL",
	304018: "the bot must be connected to the gateway to send",
	304020: "the file is too large",
	304021: "the platform could not download the file: the URL must be public",
	304023: "the message was accepted and is waiting for audit (MESSAGE_AUDIT_PASS/REJECT follows)",
	304024: "the reply was accepted and is waiting for audit (MESSAGE_AUDIT_PASS/REJECT follows)",
	304026: "msg_id does not name a message this bot can answer here: use ev:reply",
	304027: "the message is too old to reply to (5 min; 60 min for C2C): send an active message instead",
	304028: "only messages that @-mention the bot can be answered",
	304031: "the user has closed DMs",
	304036: "the bot has no permission for markdown templates",
	304037: "the bot has no permission for message keyboards (apply in the QQ console)",
	304040: "the keyboard's content is invalid: build it with ui.keyboard, which names the rule",
	304045: "the channel's daily active-message limit is reached: reply to a message instead",
	304049: "the DM active-message limit is reached: reply to a message instead",
	304050: "the DM active-message limit is reached: reply to a message instead",
	304082: "the platform could not fetch the media: the URL must be public and the type right",
	304083: "the platform could not convert the media: check the file type",

	306011: "messages can only be recalled shortly after sending (2 min for group/C2C)",
	501013: "too many pinned messages: unpin one first",
	620003: "the bot already reacted with this emoji",
	620004: "the bot has not reacted with this emoji",

	1100100:  "security rate limit: slow down",
	1100101:  "the content was judged sensitive",
	1100308:  "guild rate limit: slow down",
	40034102: "active (unsolicited) messages are no longer allowed here: reply to a user message with ev:reply",
}

// statusHints cover answers without a business code.
var statusHints = map[int]string{
	http.StatusUnauthorized:        "authentication failed: check the AppID and AppSecret",
	http.StatusForbidden:           "the bot lacks the permission for this",
	http.StatusNotFound:            "no such API or object: check the path and the ids",
	http.StatusMethodNotAllowed:    "this path does not take that method",
	http.StatusTooManyRequests:     "rate limited: luabot retried with backoff; send less often",
	http.StatusInternalServerError: "the platform failed; luabot retried where safe, try again later",
	http.StatusBadGateway:          "the platform failed; luabot retried where safe, try again later",
	http.StatusServiceUnavailable:  "the platform failed; luabot retried where safe, try again later",
	http.StatusGatewayTimeout:      "the platform timed out; luabot retried where safe, try again later",
}

// Hint returns a short line saying what to do about a business code, or "" when
// there is none for it.
func Hint(code int) string { return hints[code] }

// Hint returns what to do about e: the hint for its business code, else for
// its HTTP status, else "".
func (e *Error) Hint() string {
	if h := hints[e.Code]; h != "" {
		return h
	}
	if e.Code == 0 || e.Code == e.Status {
		return statusHints[e.Status]
	}
	return ""
}
