package openapi

import "fmt"

// Scene is where a message lives: a guild channel, a guild DM, a group or a
// C2C (one-to-one) chat. Each has its own send route and passive-reply rules.
type Scene string

// Scenes.
const (
	SceneGuild Scene = "guild"
	SceneDM    Scene = "dm"
	SceneGroup Scene = "group"
	SceneC2C   Scene = "c2c"
)

var (
	RouteDMMessages    = Route{RouteChannelMessages.Method, "/dms/{guild_id}/messages"}
	RouteGroupMessages = Route{RouteChannelMessages.Method, "/v2/groups/{group_openid}/messages"}
	RouteC2CMessages   = Route{RouteChannelMessages.Method, "/v2/users/{openid}/messages"}
)

// Target names a place to send to: a channel id (SceneGuild), a DM session's
// guild id (SceneDM), a group openid (SceneGroup) or a user openid (SceneC2C).
type Target struct {
	Scene Scene
	ID    string
}

// messagesPath is the send route for t.
func (t Target) messagesPath() (string, error) {
	switch t.Scene {
	case SceneGuild:
		return RouteChannelMessages.Expand(t.ID)
	case SceneDM:
		return RouteDMMessages.Expand(t.ID)
	case SceneGroup:
		return RouteGroupMessages.Expand(t.ID)
	case SceneC2C:
		return RouteC2CMessages.Expand(t.ID)
	}
	return "", fmt.Errorf("%w: unknown scene %q", ErrInvalidRequest, t.Scene)
}

// filesPath is the rich-media upload route for a group or C2C target.
func (t Target) filesPath() (string, error) {
	switch t.Scene {
	case SceneGroup:
		return RouteGroupFiles.Expand(t.ID)
	case SceneC2C:
		return RouteC2CFiles.Expand(t.ID)
	}
	return "", fmt.Errorf("%w: media uploads go to groups and C2C chats, not %q", ErrInvalidRequest, t.Scene)
}

// MessagesPath returns the path messages to t are POSTed to.
func (t Target) MessagesPath() (string, error) { return t.messagesPath() }
