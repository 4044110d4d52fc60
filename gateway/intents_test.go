package gateway_test

import (
	"slices"
	"testing"

	"github.com/luabot/luabot/gateway"
)

func TestIntentFor(t *testing.T) {
	tests := []struct {
		event  string
		want   gateway.Intent
		wantOK bool
	}{
		{"READY", 0, true},
		{"RESUMED", 0, true},
		{"GUILD_CREATE", gateway.IntentGuilds, true},
		{"CHANNEL_DELETE", gateway.IntentGuilds, true},
		{"GUILD_MEMBER_ADD", gateway.IntentGuildMembers, true},
		{"MESSAGE_CREATE", gateway.IntentGuildMessages, true},
		{"MESSAGE_REACTION_REMOVE", gateway.IntentGuildMessageReactions, true},
		{"DIRECT_MESSAGE_CREATE", gateway.IntentDirectMessage, true},
		{"OPEN_FORUM_REPLY_DELETE", gateway.IntentOpenForums, true},
		{"AUDIO_OR_LIVE_CHANNEL_MEMBER_ENTER", gateway.IntentAudioOrLiveMember, true},
		{"ENTER_AIO", gateway.IntentEnterAIO, true},
		{"GROUP_AT_MESSAGE_CREATE", gateway.IntentGroupAndC2C, true},
		{"C2C_MESSAGE_CREATE", gateway.IntentGroupAndC2C, true},
		{"FRIEND_ADD", gateway.IntentGroupAndC2C, true},
		{"INTERACTION_CREATE", gateway.IntentInteraction, true},
		{"MESSAGE_AUDIT_PASS", gateway.IntentMessageAudit, true},
		{"FORUM_PUBLISH_AUDIT_RESULT", gateway.IntentForums, true},
		{"AUDIO_ON_MIC", gateway.IntentAudioAction, true},
		{"AT_MESSAGE_CREATE", gateway.IntentPublicGuildMessages, true},
		{"at_message_create", gateway.IntentPublicGuildMessages, true},
		{"PUBLIC_MESSAGE_DELETE", gateway.IntentPublicGuildMessages, true},
		{"NOT_AN_EVENT", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.event, func(t *testing.T) {
			got, ok := gateway.IntentFor(tt.event)
			if got != tt.want || ok != tt.wantOK {
				t.Errorf("IntentFor(%q) = %d, %v; want %d, %v", tt.event, got, ok, tt.want, tt.wantOK)
			}
		})
	}
}

func TestIntentsFor(t *testing.T) {
	got := gateway.IntentsFor([]string{"AT_MESSAGE_CREATE", "READY", "GUILD_MEMBER_ADD", "GUILD_MEMBER_REMOVE", "BOGUS", "C2C_MESSAGE_CREATE"})
	want := gateway.IntentPublicGuildMessages | gateway.IntentGuildMembers | gateway.IntentGroupAndC2C
	if got != want {
		t.Errorf("IntentsFor = %d, want %d", got, want)
	}
	if gateway.IntentsFor(nil) != 0 {
		t.Error("IntentsFor(nil) != 0")
	}
	// The documented wire values.
	values := map[gateway.Intent]uint32{
		gateway.IntentGuilds: 1, gateway.IntentGuildMembers: 2, gateway.IntentGuildMessages: 512,
		gateway.IntentGuildMessageReactions: 1024, gateway.IntentDirectMessage: 4096,
		gateway.IntentOpenForums: 262144, gateway.IntentAudioOrLiveMember: 524288,
		gateway.IntentEnterAIO: 8388608, gateway.IntentGroupAndC2C: 33554432,
		gateway.IntentInteraction: 67108864, gateway.IntentMessageAudit: 134217728,
		gateway.IntentForums: 268435456, gateway.IntentAudioAction: 536870912,
		gateway.IntentPublicGuildMessages: 1073741824,
	}
	for i, v := range values {
		if uint32(i) != v {
			t.Errorf("intent %d, want %d", uint32(i), v)
		}
	}
}

func TestClient_Run_DefaultIntents(t *testing.T) {
	g := newFakeGateway(t)
	c, _ := newClient(t, g.url, nil) // Intents 0, Shard zero
	startRun(t, c)
	sc := g.next(t)
	sc.hello(t, 45000)
	d := decodeIdentify(t, sc.expect(t, 2))
	if d.Intents != uint32(gateway.IntentGuilds) {
		t.Errorf("intents = %d, want IntentGuilds", d.Intents)
	}
	if len(d.Shard) != 2 || d.Shard[0] != 0 || d.Shard[1] != 1 {
		t.Errorf("shard = %v, want [0 1]", d.Shard)
	}
}

func TestEventTypes(t *testing.T) {
	names := gateway.EventTypes()
	if !slices.IsSorted(names) {
		t.Error("EventTypes not sorted")
	}
	for _, want := range []string{"READY", "RESUMED", "AT_MESSAGE_CREATE", "GROUP_AT_MESSAGE_CREATE", "INTERACTION_CREATE"} {
		if !slices.Contains(names, want) {
			t.Errorf("EventTypes lacks %s", want)
		}
	}
	for _, n := range names {
		if _, ok := gateway.IntentFor(n); !ok {
			t.Errorf("EventTypes lists %s but IntentFor does not know it", n)
		}
	}
	names[0] = "CHANGED"
	if gateway.EventTypes()[0] == "CHANGED" {
		t.Error("EventTypes returned shared storage")
	}
}
