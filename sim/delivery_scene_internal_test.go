package sim

import "testing"

func TestEventAnswerable(t *testing.T) {
	tests := []struct {
		id, eventScene, target string
		want                   bool
	}{
		{"INTERACTION_CREATE:1", SceneGroup, SceneGroup, true},
		{"GROUP_ADD_ROBOT:1", SceneGroup, SceneGroup, true},
		{"GUILD_MEMBER_ADD:1", SceneGuild, SceneGroup, false},
		{"GUILD_MEMBER_ADD:1", "", SceneGroup, false},
		{"FRIEND_ADD:1", SceneC2C, SceneC2C, true},
		{"INTERACTION_CREATE:1", SceneGroup, SceneC2C, false},
		{"GUILD_MEMBER_ADD:1", SceneGuild, SceneGuild, true},
		{"MESSAGE_REACTION_ADD:1", "", SceneGuild, true},
	}
	for _, tt := range tests {
		if got := eventAnswerable(tt.id, tt.eventScene, tt.target); got != tt.want {
			t.Errorf("eventAnswerable(%s, %q, %s) = %v, want %v", tt.id, tt.eventScene, tt.target, got, tt.want)
		}
	}
}
