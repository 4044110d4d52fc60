package openapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/luabot/luabot/openapi"
)

// TestClient_Endpoints round-trips every typed endpoint of §7.1 against the
// fake: the request's method, path, query and body keys, and the decoding of
// a representative answer.
func TestClient_Endpoints(t *testing.T) {
	type row struct {
		name     string
		call     func(ctx context.Context, c *openapi.Client) (any, error)
		method   string
		path     string
		query    string
		bodyKeys []string // keys the JSON body must have; nil: no body check
		answer   string   // JSON answer; "" means 204
		want     string   // fmt %+v of the result must contain this; "" skips
	}
	ctx := context.Background()
	rows := []row{
		{"gateway", func(ctx context.Context, c *openapi.Client) (any, error) { return c.Gateway(ctx) },
			"GET", "/gateway", "", nil, `{"url":"wss://x"}`, "wss://x"},
		{"me", func(ctx context.Context, c *openapi.Client) (any, error) { return c.Me(ctx) },
			"GET", "/users/@me", "", nil, `{"id":"1","username":"bot","bot":true,"extra":1}`, "Username:bot"},
		{"guild", func(ctx context.Context, c *openapi.Client) (any, error) { return c.Guild(ctx, "g1") },
			"GET", "/guilds/g1", "", nil, `{"id":"g1","name":"G","member_count":3}`, "MemberCount:3"},
		{"message setting", func(ctx context.Context, c *openapi.Client) (any, error) { return c.MessageSetting(ctx, "g1") },
			"GET", "/guilds/g1/message/setting", "", nil, `{"disable_create_dm":true,"channel_ids":["c"]}`, "DisableCreateDM:true"},
		{"mute guild", func(ctx context.Context, c *openapi.Client) (any, error) {
			return c.MuteGuild(ctx, "g1", openapi.Mute{MuteSeconds: "60", UserIDs: []string{"u"}})
		}, "PATCH", "/guilds/g1/mute", "", []string{"mute_seconds", "user_ids"}, `{"user_ids":["u"]}`, "UserIDs:[u]"},
		{"channels", func(ctx context.Context, c *openapi.Client) (any, error) { return c.Channels(ctx, "g1") },
			"GET", "/guilds/g1/channels", "", nil, `[{"id":"c1","type":0}]`, "ID:c1"},
		{"channel", func(ctx context.Context, c *openapi.Client) (any, error) { return c.Channel(ctx, "c1") },
			"GET", "/channels/c1", "", nil, `{"id":"c1","name":"general"}`, "Name:general"},
		{"create channel", func(ctx context.Context, c *openapi.Client) (any, error) {
			return c.CreateChannel(ctx, "g1", openapi.ChannelToCreate{Name: "n", Type: 0, SubType: 0})
		}, "POST", "/guilds/g1/channels", "", []string{"name", "type", "sub_type"}, `{"id":"c2"}`, "ID:c2"},
		{"patch channel", func(ctx context.Context, c *openapi.Client) (any, error) {
			n := "new"
			return c.PatchChannel(ctx, "c1", openapi.ChannelPatch{Name: &n})
		}, "PATCH", "/channels/c1", "", []string{"name"}, `{"id":"c1","name":"new"}`, "Name:new"},
		{"delete channel", func(ctx context.Context, c *openapi.Client) (any, error) { return nil, c.DeleteChannel(ctx, "c1") },
			"DELETE", "/channels/c1", "", nil, "", ""},
		{"voice members", func(ctx context.Context, c *openapi.Client) (any, error) { return c.VoiceMembers(ctx, "c1") },
			"GET", "/channels/c1/voice/members", "", nil, `[{"user":{"id":"u"}}]`, "ID:u"},
		{"online nums", func(ctx context.Context, c *openapi.Client) (any, error) { return c.OnlineNums(ctx, "c1") },
			"GET", "/channels/c1/online_nums", "", nil, `{"online_nums":7}`, "7"},
		{"members", func(ctx context.Context, c *openapi.Client) (any, error) {
			return c.Members(ctx, "g1", openapi.MemberPager{Limit: 2})
		}, "GET", "/guilds/g1/members", "after=0&limit=2", nil, `[{"user":{"id":"u1"},"roles":["1"]}]`, "ID:u1"},
		{"member", func(ctx context.Context, c *openapi.Client) (any, error) { return c.Member(ctx, "g1", "u1") },
			"GET", "/guilds/g1/members/u1", "", nil, `{"user":{"id":"u1"},"nick":"al"}`, "Nick:al"},
		{"kick", func(ctx context.Context, c *openapi.Client) (any, error) {
			return nil, c.DeleteMember(ctx, "g1", "u1", openapi.KickOptions{AddBlacklist: true, DeleteHistoryMsgDays: 3})
		}, "DELETE", "/guilds/g1/members/u1", "", []string{"add_blacklist", "delete_history_msg_days"}, "", ""},
		{"role members", func(ctx context.Context, c *openapi.Client) (any, error) {
			return c.RoleMembers(ctx, "g1", "2", "", 10)
		}, "GET", "/guilds/g1/roles/2/members", "limit=10&start_index=0", nil, `{"data":[{"user":{"id":"u"}}],"next":"5"}`, "Next:5"},
		{"mute member", func(ctx context.Context, c *openapi.Client) (any, error) {
			return nil, c.MuteMember(ctx, "g1", "u1", openapi.Mute{MuteEndTimestamp: "1700000000"})
		}, "PATCH", "/guilds/g1/members/u1/mute", "", []string{"mute_end_timestamp"}, "", ""},
		{"roles", func(ctx context.Context, c *openapi.Client) (any, error) { return c.Roles(ctx, "g1") },
			"GET", "/guilds/g1/roles", "", nil, `{"guild_id":"g1","roles":[{"id":"4","name":"owner","color":4278245297}],"role_num_limit":"30"}`, "RoleNumLimit:30"},
		{"create role", func(ctx context.Context, c *openapi.Client) (any, error) {
			return c.CreateRole(ctx, "g1", openapi.RoleToSet{Name: "r", Color: 1, Hoist: 1})
		}, "POST", "/guilds/g1/roles", "", []string{"name", "color", "hoist"}, `{"role_id":"9","role":{"id":"9"}}`, "RoleID:9"},
		{"patch role", func(ctx context.Context, c *openapi.Client) (any, error) {
			return c.PatchRole(ctx, "g1", "9", openapi.RoleToSet{Name: "s"})
		}, "PATCH", "/guilds/g1/roles/9", "", []string{"name"}, `{"role_id":"9","role":{"name":"s"}}`, "Name:s"},
		{"delete role", func(ctx context.Context, c *openapi.Client) (any, error) { return nil, c.DeleteRole(ctx, "g1", "9") },
			"DELETE", "/guilds/g1/roles/9", "", nil, "", ""},
		{"add member role", func(ctx context.Context, c *openapi.Client) (any, error) {
			return nil, c.AddMemberRole(ctx, "g1", "u1", "5", "c1")
		}, "PUT", "/guilds/g1/members/u1/roles/5", "", []string{"channel"}, "", ""},
		{"remove member role", func(ctx context.Context, c *openapi.Client) (any, error) {
			return nil, c.RemoveMemberRole(ctx, "g1", "u1", "9", "")
		}, "DELETE", "/guilds/g1/members/u1/roles/9", "", []string{}, "", ""},
		{"member permissions", func(ctx context.Context, c *openapi.Client) (any, error) { return c.MemberPermissions(ctx, "c1", "u1") },
			"GET", "/channels/c1/members/u1/permissions", "", nil, `{"channel_id":"c1","user_id":"u1","permissions":"7"}`, "Permissions:7"},
		{"put member permissions", func(ctx context.Context, c *openapi.Client) (any, error) {
			return nil, c.PutMemberPermissions(ctx, "c1", "u1", openapi.PermissionChange{Add: "4"})
		}, "PUT", "/channels/c1/members/u1/permissions", "", []string{"add"}, "", ""},
		{"role permissions", func(ctx context.Context, c *openapi.Client) (any, error) { return c.RolePermissions(ctx, "c1", "9") },
			"GET", "/channels/c1/roles/9/permissions", "", nil, `{"role_id":"9","permissions":"1"}`, "RoleID:9"},
		{"put role permissions", func(ctx context.Context, c *openapi.Client) (any, error) {
			return nil, c.PutRolePermissions(ctx, "c1", "9", openapi.PermissionChange{Remove: "4"})
		}, "PUT", "/channels/c1/roles/9/permissions", "", []string{"remove"}, "", ""},
		{"api permissions", func(ctx context.Context, c *openapi.Client) (any, error) { return c.APIPermissions(ctx, "g1") },
			"GET", "/guilds/g1/api_permission", "", nil, `{"apis":[{"path":"/x","method":"GET","auth_status":1}]}`, "AuthStatus:1"},
		{"demand api permission", func(ctx context.Context, c *openapi.Client) (any, error) {
			return c.DemandAPIPermission(ctx, "g1", openapi.APIPermissionDemand{ChannelID: "c1", APIIdentify: openapi.APIIdentifier{Path: "/x", Method: "GET"}})
		}, "POST", "/guilds/g1/api_permission/demand", "", []string{"channel_id", "api_identify", "desc"}, `{}`, ""},
		{"post message", func(ctx context.Context, c *openapi.Client) (any, error) {
			return c.PostMessage(ctx, "c1", &openapi.MessageToCreate{Content: "hi", Markdown: json.RawMessage(`{"content":"# x"}`)})
		}, "POST", "/channels/c1/messages", "", []string{"content", "markdown"}, `{"id":"m1"}`, "ID:m1"},
		{"get message unwraps", func(ctx context.Context, c *openapi.Client) (any, error) { return c.GetMessage(ctx, "c1", "m1") },
			"GET", "/channels/c1/messages/m1", "", nil, `{"message":{"id":"m1","content":"hello"}}`, "Content:hello"},
		{"get bare message", func(ctx context.Context, c *openapi.Client) (any, error) { return c.GetMessage(ctx, "c1", "m2") },
			"GET", "/channels/c1/messages/m2", "", nil, `{"id":"m2","content":"bare"}`, "Content:bare"},
		{"history", func(ctx context.Context, c *openapi.Client) (any, error) {
			return c.Messages(ctx, "c1", openapi.HistoryPager{Before: "m9", Limit: 5})
		}, "GET", "/channels/c1/messages", "before=m9&limit=5", nil, `[{"id":"m8"}]`, "ID:m8"},
		{"patch message", func(ctx context.Context, c *openapi.Client) (any, error) {
			return c.PatchMessage(ctx, "c1", "m1", map[string]any{"markdown": map[string]any{"content": "y"}})
		}, "PATCH", "/channels/c1/messages/m1", "", []string{"markdown"}, `{"id":"m1"}`, "ID:m1"},
		{"delete message", func(ctx context.Context, c *openapi.Client) (any, error) {
			return nil, c.DeleteMessage(ctx, "c1", "m1", true)
		},
			"DELETE", "/channels/c1/messages/m1", "hidetip=true", nil, "", ""},
		{"setting guide", func(ctx context.Context, c *openapi.Client) (any, error) {
			return c.PostSettingGuide(ctx, "c1", "<@u>")
		},
			"POST", "/channels/c1/settingguide", "", []string{"content"}, `{"id":"m3"}`, "ID:m3"},
		{"create dm", func(ctx context.Context, c *openapi.Client) (any, error) { return c.CreateDM(ctx, "u1", "g1") },
			"POST", "/users/@me/dms", "", []string{"recipient_id", "source_guild_id"}, `{"guild_id":"dg","channel_id":"dc","create_time":"1"}`, "GuildID:dg"},
		{"post dm", func(ctx context.Context, c *openapi.Client) (any, error) {
			return c.PostDM(ctx, "dg", map[string]any{"content": "x"})
		},
			"POST", "/dms/dg/messages", "", []string{"content"}, `{"id":"dm1"}`, "ID:dm1"},
		{"delete dm", func(ctx context.Context, c *openapi.Client) (any, error) {
			return nil, c.DeleteDM(ctx, "dg", "dm1", false)
		},
			"DELETE", "/dms/dg/messages/dm1", "hidetip=false", nil, "", ""},
		{"dm setting guide", func(ctx context.Context, c *openapi.Client) (any, error) {
			return c.PostDMSettingGuide(ctx, "dg", "g1")
		},
			"POST", "/dms/dg/settingguide", "", []string{"setting_guide"}, `{"id":"m4"}`, "ID:m4"},
		{"add reaction", func(ctx context.Context, c *openapi.Client) (any, error) {
			return nil, c.AddReaction(ctx, "c1", "m1", openapi.Emoji{Type: openapi.EmojiUnicode, ID: "128512"})
		}, "PUT", "/channels/c1/messages/m1/reactions/2/128512", "", nil, "", ""},
		{"delete reaction", func(ctx context.Context, c *openapi.Client) (any, error) {
			return nil, c.DeleteReaction(ctx, "c1", "m1", openapi.Emoji{Type: openapi.EmojiSystem, ID: "4"})
		}, "DELETE", "/channels/c1/messages/m1/reactions/1/4", "", nil, "", ""},
		{"reaction users", func(ctx context.Context, c *openapi.Client) (any, error) {
			return c.ReactionUsers(ctx, "c1", "m1", openapi.Emoji{Type: 1, ID: "4"}, "ck", 50)
		}, "GET", "/channels/c1/messages/m1/reactions/1/4", "cookie=ck&limit=50", nil, `{"users":[{"id":"u"}],"cookie":"n","is_end":true}`, "IsEnd:true"},
		{"pin", func(ctx context.Context, c *openapi.Client) (any, error) { return c.Pin(ctx, "c1", "m1") },
			"PUT", "/channels/c1/pins/m1", "", nil, `{"message_ids":["m1"]}`, "MessageIDs:[m1]"},
		{"unpin", func(ctx context.Context, c *openapi.Client) (any, error) { return nil, c.Unpin(ctx, "c1", "all") },
			"DELETE", "/channels/c1/pins/all", "", nil, "", ""},
		{"pins", func(ctx context.Context, c *openapi.Client) (any, error) { return c.Pins(ctx, "c1") },
			"GET", "/channels/c1/pins", "", nil, `{"message_ids":["m1","m2"]}`, "m2"},
		{"guild announce", func(ctx context.Context, c *openapi.Client) (any, error) {
			return c.CreateGuildAnnounce(ctx, "g1", openapi.Announce{ChannelID: "c1", MessageID: "m1"})
		}, "POST", "/guilds/g1/announces", "", []string{"channel_id", "message_id"}, `{"guild_id":"g1","message_id":"m1"}`, "MessageID:m1"},
		{"delete guild announce", func(ctx context.Context, c *openapi.Client) (any, error) {
			return nil, c.DeleteGuildAnnounce(ctx, "g1", "all")
		},
			"DELETE", "/guilds/g1/announces/all", "", nil, "", ""},
		{"channel announce", func(ctx context.Context, c *openapi.Client) (any, error) {
			return c.CreateChannelAnnounce(ctx, "c1", "m1")
		},
			"POST", "/channels/c1/announces", "", []string{"message_id"}, `{"channel_id":"c1"}`, "ChannelID:c1"},
		{"delete channel announce", func(ctx context.Context, c *openapi.Client) (any, error) {
			return nil, c.DeleteChannelAnnounce(ctx, "c1", "m1")
		},
			"DELETE", "/channels/c1/announces/m1", "", nil, "", ""},
		{"schedules", func(ctx context.Context, c *openapi.Client) (any, error) {
			return c.Schedules(ctx, "c1", 1700000000000)
		},
			"GET", "/channels/c1/schedules", "since=1700000000000", nil, `[{"id":"s1","name":"n"}]`, "ID:s1"},
		{"schedule", func(ctx context.Context, c *openapi.Client) (any, error) { return c.Schedule(ctx, "c1", "s1") },
			"GET", "/channels/c1/schedules/s1", "", nil, `{"id":"s1","remind_type":"2"}`, "RemindType:2"},
		{"create schedule", func(ctx context.Context, c *openapi.Client) (any, error) {
			return c.CreateSchedule(ctx, "c1", openapi.Schedule{Name: "n", StartTimestamp: "1", EndTimestamp: "2"})
		}, "POST", "/channels/c1/schedules", "", []string{"schedule"}, `{"id":"s2"}`, "ID:s2"},
		{"patch schedule", func(ctx context.Context, c *openapi.Client) (any, error) {
			return c.PatchSchedule(ctx, "c1", "s2", openapi.Schedule{Name: "m"})
		}, "PATCH", "/channels/c1/schedules/s2", "", []string{"schedule"}, `{"id":"s2","name":"m"}`, "Name:m"},
		{"delete schedule", func(ctx context.Context, c *openapi.Client) (any, error) {
			return nil, c.DeleteSchedule(ctx, "c1", "s2")
		},
			"DELETE", "/channels/c1/schedules/s2", "", nil, "", ""},
		{"audio", func(ctx context.Context, c *openapi.Client) (any, error) {
			return nil, c.ControlAudio(ctx, "c1", openapi.AudioControl{AudioURL: "https://a", Status: openapi.AudioStart})
		}, "POST", "/channels/c1/audio", "", []string{"audio_url", "status"}, `{}`, ""},
		{"mic on", func(ctx context.Context, c *openapi.Client) (any, error) { return nil, c.MicOn(ctx, "c1") },
			"PUT", "/channels/c1/mic", "", []string{}, `{}`, ""},
		{"mic off", func(ctx context.Context, c *openapi.Client) (any, error) { return nil, c.MicOff(ctx, "c1") },
			"DELETE", "/channels/c1/mic", "", nil, `{}`, ""},
		{"ack interaction", func(ctx context.Context, c *openapi.Client) (any, error) { return nil, c.AckInteraction(ctx, "i1", 0) },
			"PUT", "/interactions/i1", "", []string{"code"}, "", ""},
		{"group message", func(ctx context.Context, c *openapi.Client) (any, error) {
			return c.PostGroupMessage(ctx, "GRP", map[string]any{"content": "x", "msg_type": 0, "msg_id": "M"})
		}, "POST", "/v2/groups/GRP/messages", "", []string{"content", "msg_type", "msg_id"}, `{"id":"G1","timestamp":"2025-01-01T00:00:00+08:00"}`, "ID:G1"},
		{"c2c message", func(ctx context.Context, c *openapi.Client) (any, error) {
			return c.PostC2CMessage(ctx, "USR", map[string]any{"content": "x", "msg_type": 0})
		}, "POST", "/v2/users/USR/messages", "", []string{"content", "msg_type"}, `{"id":"C1","timestamp":"t"}`, "ID:C1"},
		{"group upload", func(ctx context.Context, c *openapi.Client) (any, error) {
			return c.UploadGroupMedia(ctx, "GRP", openapi.MediaUpload{FileType: openapi.FileImage, URL: "https://i"})
		}, "POST", "/v2/groups/GRP/files", "", []string{"file_type", "url", "srv_send_msg"}, `{"file_uuid":"u","file_info":"Rkk=","ttl":0}`, "FileInfo:Rkk="},
		{"c2c upload", func(ctx context.Context, c *openapi.Client) (any, error) {
			return c.UploadC2CMedia(ctx, "USR", openapi.MediaUpload{FileData: "QQ=="})
		}, "POST", "/v2/users/USR/files", "", []string{"file_type", "file_data"}, `{"file_info":"Rkk=","ttl":60}`, "TTL:60"},
		{"delete group message", func(ctx context.Context, c *openapi.Client) (any, error) {
			return nil, c.DeleteGroupMessage(ctx, "GRP", "G1")
		},
			"DELETE", "/v2/groups/GRP/messages/G1", "", nil, "", ""},
		{"delete c2c message", func(ctx context.Context, c *openapi.Client) (any, error) {
			return nil, c.DeleteC2CMessage(ctx, "USR", "C1")
		},
			"DELETE", "/v2/users/USR/messages/C1", "", nil, "", ""},
		{"threads", func(ctx context.Context, c *openapi.Client) (any, error) { return c.Threads(ctx, "c1") },
			"GET", "/channels/c1/threads", "", nil, `{"threads":[{"thread_info":{"thread_id":"t1"}}],"is_finish":1}`, "IsFinish:1"},
		{"thread", func(ctx context.Context, c *openapi.Client) (any, error) { return c.Thread(ctx, "c1", "t1") },
			"GET", "/channels/c1/threads/t1", "", nil, `{"thread":{"thread_info":{"thread_id":"t1","title":"T"}}}`, "Title:T"},
		{"put thread", func(ctx context.Context, c *openapi.Client) (any, error) {
			return c.PutThread(ctx, "c1", openapi.ThreadToPut{Title: "T", Content: "c", Format: openapi.ThreadText})
		}, "PUT", "/channels/c1/threads", "", []string{"title", "content", "format"}, `{"task_id":"k","create_time":"1"}`, "TaskID:k"},
		{"delete thread", func(ctx context.Context, c *openapi.Client) (any, error) { return nil, c.DeleteThread(ctx, "c1", "t1") },
			"DELETE", "/channels/c1/threads/t1", "", nil, "", ""},
		{"create webhook session", func(ctx context.Context, c *openapi.Client) (any, error) {
			return c.CreateWebhookSession(ctx, openapi.WebhookSessionToCreate{Intents: 1, Shards: [2]int{0, 1}, CallbackURL: "https://cb"})
		}, "POST", "/gateway/webhook/sessions", "", []string{"intents", "shards", "callback_url"}, `{"session_id":"s"}`, "session_id"},
		{"check webhook sessions", func(ctx context.Context, c *openapi.Client) (any, error) { return c.CheckWebhookSessions(ctx) },
			"PATCH", "/gateway/webhook/sessions", "action=check", nil, `[]`, ""},
		{"webhook sessions", func(ctx context.Context, c *openapi.Client) (any, error) { return c.WebhookSessions(ctx) },
			"GET", "/gateway/webhook/sessions", "", nil, `[{"session_id":"s"}]`, ""},
		{"delete webhook session", func(ctx context.Context, c *openapi.Client) (any, error) {
			return nil, c.DeleteWebhookSession(ctx, "s")
		},
			"DELETE", "/gateway/webhook/sessions/s", "", nil, "", ""},
	}
	for _, tt := range rows {
		t.Run(tt.name, func(t *testing.T) {
			p := newPlatform(t)
			p.api = func(w http.ResponseWriter, r *http.Request) {
				if tt.answer == "" {
					w.WriteHeader(http.StatusNoContent)
					return
				}
				w.Header().Set("Content-Type", "application/json")
				_, _ = w.Write([]byte(tt.answer))
			}
			c := p.secretClient(t, nil)
			got, err := tt.call(ctx, c)
			if err != nil {
				t.Fatalf("call: %v", err)
			}
			reqs := p.apiRequests()
			if len(reqs) != 1 {
				t.Fatalf("%d requests, want 1", len(reqs))
			}
			r := reqs[0]
			if r.Method != tt.method || r.Path != tt.path || r.Query != tt.query {
				t.Errorf("request = %s %s?%s, want %s %s?%s", r.Method, r.Path, r.Query, tt.method, tt.path, tt.query)
			}
			if tt.bodyKeys != nil {
				var body map[string]any
				if err := json.Unmarshal(r.Body, &body); err != nil {
					t.Fatalf("body %q: %v", r.Body, err)
				}
				for _, k := range tt.bodyKeys {
					if _, ok := body[k]; !ok {
						t.Errorf("body %s lacks %q", r.Body, k)
					}
				}
			}
			if tt.want != "" {
				if s := fmt.Sprintf("%+v", deref(got)); !strings.Contains(s, tt.want) {
					t.Errorf("result %s lacks %q", s, tt.want)
				}
			}
		})
	}
}

func deref(v any) any {
	if raw, ok := v.(json.RawMessage); ok {
		return string(raw)
	}
	return v
}
