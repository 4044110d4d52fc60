package gateway

import "github.com/luabot/luabot/dispatch"

// The intent bits and the event-type table live in package dispatch, which
// consumers of events import without pulling in the gateway client; these
// names keep the gateway's own API whole.

// Intent is a bit set of event groups requested in Identify; see [dispatch.Intent].
type Intent = dispatch.Intent

// Intent bits, as the platform numbers them.
const (
	IntentGuilds                = dispatch.IntentGuilds
	IntentGuildMembers          = dispatch.IntentGuildMembers
	IntentGuildMessages         = dispatch.IntentGuildMessages
	IntentGuildMessageReactions = dispatch.IntentGuildMessageReactions
	IntentDirectMessage         = dispatch.IntentDirectMessage
	IntentOpenForums            = dispatch.IntentOpenForums
	IntentAudioOrLiveMember     = dispatch.IntentAudioOrLiveMember
	IntentEnterAIO              = dispatch.IntentEnterAIO
	IntentGroupAndC2C           = dispatch.IntentGroupAndC2C
	IntentInteraction           = dispatch.IntentInteraction
	IntentMessageAudit          = dispatch.IntentMessageAudit
	IntentForums                = dispatch.IntentForums
	IntentAudioAction           = dispatch.IntentAudioAction
	IntentPublicGuildMessages   = dispatch.IntentPublicGuildMessages
)

// IntentFor returns the intent needed to receive dispatches of eventType; see [dispatch.IntentFor].
func IntentFor(eventType string) (Intent, bool) { return dispatch.IntentFor(eventType) }

// IntentsFor returns the union of the intents needed for eventTypes; see [dispatch.IntentsFor].
// A result of 0 is turned into IntentGuilds by New.
func IntentsFor(eventTypes []string) Intent { return dispatch.IntentsFor(eventTypes) }

// EventTypes returns every dispatch type IntentFor knows, sorted; see [dispatch.EventTypes].
func EventTypes() []string { return dispatch.EventTypes() }
