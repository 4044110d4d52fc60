package dispatch_test

import (
	"slices"
	"testing"

	"github.com/luabot/luabot/dispatch"
)

func TestIntentFor(t *testing.T) {
	tests := []struct {
		event  string
		want   dispatch.Intent
		wantOK bool
	}{
		{"READY", 0, true},
		{"RESUMED", 0, true},
		{"GUILD_CREATE", dispatch.IntentGuilds, true},
		{"CHANNEL_DELETE", dispatch.IntentGuilds, true},
		{"GUILD_MEMBER_ADD", dispatch.IntentGuildMembers, true},
		{"MESSAGE_CREATE", dispatch.IntentGuildMessages, true},
		{"MESSAGE_REACTION_REMOVE", dispatch.IntentGuildMessageReactions, true},
		{"DIRECT_MESSAGE_CREATE", dispatch.IntentDirectMessage, true},
		{"OPEN_FORUM_REPLY_DELETE", dispatch.IntentOpenForums, true},
		{"AUDIO_OR_LIVE_CHANNEL_MEMBER_ENTER", dispatch.IntentAudioOrLiveMember, true},
		{"ENTER_AIO", dispatch.IntentEnterAIO, true},
		{"GROUP_AT_MESSAGE_CREATE", dispatch.IntentGroupAndC2C, true},
		{"C2C_MESSAGE_CREATE", dispatch.IntentGroupAndC2C, true},
		{"FRIEND_ADD", dispatch.IntentGroupAndC2C, true},
		{"INTERACTION_CREATE", dispatch.IntentInteraction, true},
		{"MESSAGE_AUDIT_PASS", dispatch.IntentMessageAudit, true},
		{"FORUM_PUBLISH_AUDIT_RESULT", dispatch.IntentForums, true},
		{"AUDIO_ON_MIC", dispatch.IntentAudioAction, true},
		{"AT_MESSAGE_CREATE", dispatch.IntentPublicGuildMessages, true},
		{"at_message_create", dispatch.IntentPublicGuildMessages, true},
		{"PUBLIC_MESSAGE_DELETE", dispatch.IntentPublicGuildMessages, true},
		{"NOT_AN_EVENT", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.event, func(t *testing.T) {
			got, ok := dispatch.IntentFor(tt.event)
			if got != tt.want || ok != tt.wantOK {
				t.Errorf("IntentFor(%q) = %d, %v; want %d, %v", tt.event, got, ok, tt.want, tt.wantOK)
			}
		})
	}
}

func TestIntentsFor(t *testing.T) {
	got := dispatch.IntentsFor([]string{"AT_MESSAGE_CREATE", "READY", "GUILD_MEMBER_ADD", "GUILD_MEMBER_REMOVE", "BOGUS", "C2C_MESSAGE_CREATE"})
	want := dispatch.IntentPublicGuildMessages | dispatch.IntentGuildMembers | dispatch.IntentGroupAndC2C
	if got != want {
		t.Errorf("IntentsFor = %d, want %d", got, want)
	}
	if dispatch.IntentsFor(nil) != 0 {
		t.Error("IntentsFor(nil) != 0")
	}
	// The documented wire values.
	values := map[dispatch.Intent]uint32{
		dispatch.IntentGuilds: 1, dispatch.IntentGuildMembers: 2, dispatch.IntentGuildMessages: 512,
		dispatch.IntentGuildMessageReactions: 1024, dispatch.IntentDirectMessage: 4096,
		dispatch.IntentOpenForums: 262144, dispatch.IntentAudioOrLiveMember: 524288,
		dispatch.IntentEnterAIO: 8388608, dispatch.IntentGroupAndC2C: 33554432,
		dispatch.IntentInteraction: 67108864, dispatch.IntentMessageAudit: 134217728,
		dispatch.IntentForums: 268435456, dispatch.IntentAudioAction: 536870912,
		dispatch.IntentPublicGuildMessages: 1073741824,
	}
	for i, v := range values {
		if uint32(i) != v {
			t.Errorf("intent %d, want %d", uint32(i), v)
		}
	}
}

func TestEventTypes(t *testing.T) {
	names := dispatch.EventTypes()
	if !slices.IsSorted(names) {
		t.Error("EventTypes not sorted")
	}
	for _, want := range []string{"READY", "RESUMED", "AT_MESSAGE_CREATE", "GROUP_AT_MESSAGE_CREATE", "INTERACTION_CREATE"} {
		if !slices.Contains(names, want) {
			t.Errorf("EventTypes lacks %s", want)
		}
	}
	for _, n := range names {
		if _, ok := dispatch.IntentFor(n); !ok {
			t.Errorf("EventTypes lists %s but IntentFor does not know it", n)
		}
	}
	names[0] = "CHANGED"
	if dispatch.EventTypes()[0] == "CHANGED" {
		t.Error("EventTypes returned shared storage")
	}
}
