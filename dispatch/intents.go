package dispatch

import (
	"slices"
	"strconv"
	"strings"
)

// Intent is a bit set of event groups requested in Identify. The server only pushes events
// whose group was requested, and closes with 4014 if a requested group is not granted to
// the bot (only IntentGuilds, IntentGuildMembers and IntentPublicGuildMessages are granted
// by default).
type Intent uint32

// Intent bits, as the platform numbers them.
const (
	IntentGuilds                Intent = 1 << 0  // GUILD_*, CHANNEL_*
	IntentGuildMembers          Intent = 1 << 1  // GUILD_MEMBER_*
	IntentGuildMessages         Intent = 1 << 9  // MESSAGE_CREATE/DELETE (private-domain bots only)
	IntentGuildMessageReactions Intent = 1 << 10 // MESSAGE_REACTION_*
	IntentDirectMessage         Intent = 1 << 12 // DIRECT_MESSAGE_*
	IntentOpenForums            Intent = 1 << 18 // OPEN_FORUM_*
	IntentAudioOrLiveMember     Intent = 1 << 19 // AUDIO_OR_LIVE_CHANNEL_MEMBER_*
	IntentEnterAIO              Intent = 1 << 23 // ENTER_AIO
	IntentGroupAndC2C           Intent = 1 << 25 // GROUP_*, C2C_*, FRIEND_*
	IntentInteraction           Intent = 1 << 26 // INTERACTION_CREATE
	IntentMessageAudit          Intent = 1 << 27 // MESSAGE_AUDIT_*
	IntentForums                Intent = 1 << 28 // FORUM_* (private-domain bots only)
	IntentAudioAction           Intent = 1 << 29 // AUDIO_*
	IntentPublicGuildMessages   Intent = 1 << 30 // AT_MESSAGE_CREATE, PUBLIC_MESSAGE_DELETE
)

// eventIntents maps each dispatch type to the intent that makes the server send it.
// Lifecycle dispatches need no intent and map to 0.
var eventIntents = func() map[string]Intent {
	groups := map[Intent][]string{
		0: {"READY", "RESUMED"},
		IntentGuilds: {"GUILD_CREATE", "GUILD_UPDATE", "GUILD_DELETE",
			"CHANNEL_CREATE", "CHANNEL_UPDATE", "CHANNEL_DELETE"},
		IntentGuildMembers:          {"GUILD_MEMBER_ADD", "GUILD_MEMBER_UPDATE", "GUILD_MEMBER_REMOVE"},
		IntentGuildMessages:         {"MESSAGE_CREATE", "MESSAGE_DELETE"},
		IntentGuildMessageReactions: {"MESSAGE_REACTION_ADD", "MESSAGE_REACTION_REMOVE"},
		IntentDirectMessage:         {"DIRECT_MESSAGE_CREATE", "DIRECT_MESSAGE_DELETE"},
		IntentOpenForums: {"OPEN_FORUM_THREAD_CREATE", "OPEN_FORUM_THREAD_UPDATE", "OPEN_FORUM_THREAD_DELETE",
			"OPEN_FORUM_POST_CREATE", "OPEN_FORUM_POST_DELETE", "OPEN_FORUM_REPLY_CREATE", "OPEN_FORUM_REPLY_DELETE"},
		IntentAudioOrLiveMember: {"AUDIO_OR_LIVE_CHANNEL_MEMBER_ENTER", "AUDIO_OR_LIVE_CHANNEL_MEMBER_EXIT"},
		IntentEnterAIO:          {"ENTER_AIO"},
		IntentGroupAndC2C: {"C2C_MESSAGE_CREATE", "GROUP_AT_MESSAGE_CREATE", "FRIEND_ADD", "FRIEND_DEL",
			"C2C_MSG_REJECT", "C2C_MSG_RECEIVE", "GROUP_ADD_ROBOT", "GROUP_DEL_ROBOT",
			"GROUP_MSG_REJECT", "GROUP_MSG_RECEIVE", "SUBSCRIBE_MESSAGE_STATUS"},
		IntentInteraction:  {"INTERACTION_CREATE"},
		IntentMessageAudit: {"MESSAGE_AUDIT_PASS", "MESSAGE_AUDIT_REJECT"},
		IntentForums: {"FORUM_THREAD_CREATE", "FORUM_THREAD_UPDATE", "FORUM_THREAD_DELETE",
			"FORUM_POST_CREATE", "FORUM_POST_DELETE", "FORUM_REPLY_CREATE", "FORUM_REPLY_DELETE",
			"FORUM_PUBLISH_AUDIT_RESULT"},
		IntentAudioAction:         {"AUDIO_START", "AUDIO_FINISH", "AUDIO_ON_MIC", "AUDIO_OFF_MIC"},
		IntentPublicGuildMessages: {"AT_MESSAGE_CREATE", "PUBLIC_MESSAGE_DELETE"},
	}
	m := make(map[string]Intent)
	for intent, events := range groups {
		for _, e := range events {
			m[e] = intent
		}
	}
	return m
}()

// IntentFor returns the intent needed to receive dispatches of eventType (case-insensitive,
// e.g. "AT_MESSAGE_CREATE"). READY and RESUMED are always delivered and return (0, true).
// An unknown event type returns (0, false).
func IntentFor(eventType string) (Intent, bool) {
	i, ok := eventIntents[strings.ToUpper(eventType)]
	return i, ok
}

// IntentsFor returns the union of the intents needed for eventTypes. Unknown names are
// ignored. The result may be 0 (e.g. only READY); gateway.New turns that into IntentGuilds.
func IntentsFor(eventTypes []string) Intent {
	var all Intent
	for _, e := range eventTypes {
		i, _ := IntentFor(e)
		all |= i
	}
	return all
}

// EventTypes returns every dispatch type IntentFor knows, READY and RESUMED included,
// sorted. The slice is the caller's to keep or modify.
func EventTypes() []string {
	names := make([]string, 0, len(eventIntents))
	for name := range eventIntents {
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}

// intentNames are the platform's names of the intent bits, for logs and `luabot status`.
var intentNames = []struct {
	bit  Intent
	name string
}{
	{IntentGuilds, "GUILDS"},
	{IntentGuildMembers, "GUILD_MEMBERS"},
	{IntentGuildMessages, "GUILD_MESSAGES"},
	{IntentGuildMessageReactions, "GUILD_MESSAGE_REACTIONS"},
	{IntentDirectMessage, "DIRECT_MESSAGE"},
	{IntentOpenForums, "OPEN_FORUMS_EVENT"},
	{IntentAudioOrLiveMember, "AUDIO_OR_LIVE_CHANNEL_MEMBER"},
	{IntentEnterAIO, "ENTER_AIO"},
	{IntentGroupAndC2C, "GROUP_AND_C2C_EVENT"},
	{IntentInteraction, "INTERACTION"},
	{IntentMessageAudit, "MESSAGE_AUDIT"},
	{IntentForums, "FORUMS_EVENT"},
	{IntentAudioAction, "AUDIO_ACTION"},
	{IntentPublicGuildMessages, "PUBLIC_GUILD_MESSAGES"},
}

// String names the bits, e.g. "GUILDS|PUBLIC_GUILD_MESSAGES"; bits without a name are
// shown in hex, and 0 as "0".
func (i Intent) String() string {
	if i == 0 {
		return "0"
	}
	var parts []string
	rest := i
	for _, n := range intentNames {
		if i&n.bit != 0 {
			parts = append(parts, n.name)
			rest &^= n.bit
		}
	}
	if rest != 0 {
		parts = append(parts, "0x"+strconv.FormatUint(uint64(rest), 16))
	}
	return strings.Join(parts, "|")
}

// Events returns the dispatch types the intents in i make the platform send, sorted.
func (i Intent) Events() []string {
	var out []string
	for name, bit := range eventIntents {
		if bit != 0 && i&bit != 0 {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return out
}
