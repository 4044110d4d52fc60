package bindings

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	lua "github.com/yuin/gopher-lua"

	"github.com/luabot/luabot/openapi"
)

// Capabilities: what the operator of a bot may withhold from a script it
// hosts but did not write. Each name is the value of a refused call's
// err.capability, of the luabot_capability_denied_total label and of the
// operator's grant field.
const (
	CapSend           = "send"             // qq.send* to a target outside the grant's list
	CapActive         = "active"           // a message that answers no event
	CapRequest        = "request"          // qq.request (any REST endpoint)
	CapSharedKV       = "shared_kv"        // kv.open of a namespace shared between scripts
	CapAdmin          = "admin"            // member, role, mute, pin and delete administration
	CapSendsPerMinute = "sends_per_minute" // more messages in a minute than the cap
)

// Capabilities lists the names a script's header or the operator's grant may
// name, in the order the documentation gives them.
var Capabilities = []string{CapSend, CapActive, CapRequest, CapSharedKV, CapAdmin}

// Caps is what one script may call. The zero value allows everything: a bot
// whose operator grants nothing in particular runs its scripts as before.
type Caps struct {
	// Send lists the targets qq.send and its siblings may post to, as
	// "channel:ID", "group:OPENID", "user:OPENID" or "dm:GUILD_ID"; nil means
	// anywhere, an empty list nowhere. ev:reply answers where the event came
	// from and is not bounded by it.
	Send []string
	// NoActive refuses messages that answer no event (no msg_id or
	// event_id): the bot speaking first.
	NoActive bool
	// NoRequest refuses qq.request.
	NoRequest bool
	// NoSharedKV refuses kv.open.
	NoSharedKV bool
	// NoAdmin refuses the calls adminRoutes lists, through the qq module or
	// qq.request.
	NoAdmin bool
	// SendsPerMinute caps the messages (qq.send*, ev:reply, ev:stream) the
	// script sends in any 60 seconds of its clock; 0 means no cap.
	SendsPerMinute int

	// Denied hears of every refused call, with what was missing and a
	// detail for the log; it runs on the script's goroutine and must not
	// block. Nil: nobody listens.
	Denied func(capability, detail string)
	// Hint says how the operator grants capability to the script, for the
	// error's text; nil gives a generic sentence.
	Hint func(capability string) string
}

// adminRoutes are the REST routes that administer a guild's members, roles,
// mutes, pins and messages: the one list behind Caps.NoAdmin, both for the qq
// module's functions (AdminFunctions) and for qq.request.
var adminRoutes = []openapi.Route{
	openapi.RouteDeleteMessage, openapi.RouteDeleteDM, openapi.RouteDeleteGroupMessage, openapi.RouteDeleteC2CMessage,
	openapi.RoutePin, openapi.RouteUnpin,
	openapi.RouteGuildMute, openapi.RouteMemberMute, openapi.RouteDeleteMember,
	openapi.RouteCreateRole, openapi.RoutePatchRole, openapi.RouteDeleteRole,
	openapi.RouteAddMemberRole, openapi.RouteRemoveMemberRole,
	openapi.RoutePutMemberPermissions, openapi.RoutePutRolePermissions,
	openapi.RouteGuildAnnounce, openapi.RouteDeleteGuildAnnounce, openapi.RouteChannelAnnounce, openapi.RouteDeleteChannelAnnounce,
	openapi.RouteCreateChannel, openapi.RoutePatchChannel, openapi.RouteDeleteChannel,
}

// isAdmin reports whether r is one of adminRoutes.
func isAdmin(r openapi.Route) bool { return slices.Contains(adminRoutes, r) }

// AdminFunctions names the qq module's functions that need the admin
// capability (qq.delete_message, qq.pin, …), for luabot check and the docs.
func AdminFunctions() []string {
	var names []string
	for _, e := range qqAPI {
		if e.send == "" && e.body == nil && e.custom == nil && isAdmin(e.route) {
			names = append(names, e.name)
		}
	}
	return names
}

// SendScene reports the scene of the target qq.NAME posts a message to
// (its first argument), for luabot check; ok is false for functions that
// do not send.
func SendScene(name string) (scene openapi.Scene, ok bool) {
	for _, e := range qqAPI {
		if e.name == name && e.send != "" {
			return e.send, true
		}
	}
	return "", false
}

// sendRoutes maps the routes that post messages to their scene, for
// qq.request: a message posted through it is bounded like qq.send.
var sendRoutes = map[openapi.Route]openapi.Scene{
	openapi.RouteChannelMessages: openapi.SceneGuild,
	openapi.RouteDMMessages:      openapi.SceneDM,
	openapi.RouteGroupMessages:   openapi.SceneGroup,
	openapi.RouteC2CMessages:     openapi.SceneC2C,
}

// TargetName is how a grant names a place messages go: "channel:ID",
// "group:OPENID", "user:OPENID" or "dm:GUILD_ID".
func TargetName(t openapi.Target) string {
	switch t.Scene {
	case openapi.SceneGroup:
		return "group:" + t.ID
	case openapi.SceneC2C:
		return "user:" + t.ID
	case openapi.SceneDM:
		return "dm:" + t.ID
	}
	return "channel:" + t.ID
}

// TargetKinds are the prefixes of a grant's send targets.
var TargetKinds = []string{"channel", "group", "user", "dm"}

// CapabilityError is a call the script's grant does not allow. It becomes
// the nil, err a refused call returns, with err.capability set.
type CapabilityError struct {
	Capability string
	Detail     string // what was refused: "qq.request", "qq.send to group:X"
	hint       string
}

func (e *CapabilityError) Error() string {
	return fmt.Sprintf("%s is not allowed: the script lacks the %q capability", e.Detail, e.Capability)
}

// Hint says how the operator grants the capability.
func (e *CapabilityError) Hint() string { return e.hint }

// deny builds the error of a refused call and reports it.
func (b *binder) deny(capability, detail string) error {
	c := &b.env.Caps
	if c.Denied != nil {
		c.Denied(capability, detail)
	}
	hint := "the operator of the bot can grant it"
	if c.Hint != nil {
		hint = c.Hint(capability)
	}
	return &CapabilityError{Capability: capability, Detail: detail, hint: hint}
}

// checkSend checks one message about to be sent: to target t (zero for
// ev:reply, which answers where the event came from), passive when it
// answers an event. fn names the call in the error.
func (b *binder) checkSend(fn string, t openapi.Target, passive bool) error {
	c := &b.env.Caps
	if t.ID != "" && c.Send != nil && !slices.Contains(c.Send, TargetName(t)) {
		return b.deny(CapSend, fmt.Sprintf("%s to %s", fn, TargetName(t)))
	}
	if !passive && c.NoActive {
		return b.deny(CapActive, fn+" of a message that answers no event (no msg_id or event_id)")
	}
	return b.countSend(fn)
}

// countSend enforces SendsPerMinute: the times of the last sends are kept
// in a ring, and a send is refused while the oldest of the last N is less
// than a minute old. It runs on the script's goroutine only.
func (b *binder) countSend(fn string) error {
	n := b.env.Caps.SendsPerMinute
	if n <= 0 {
		return nil
	}
	now := b.env.Clock.Now()
	if len(b.sent) < n {
		b.sent = append(b.sent, now)
		return nil
	}
	oldest := b.sent[b.sentNext]
	if now.Sub(oldest) < time.Minute {
		return b.deny(CapSendsPerMinute, fmt.Sprintf("%s: a message over the cap of %d a minute", fn, n))
	}
	b.sent[b.sentNext] = now
	b.sentNext = (b.sentNext + 1) % n
	return nil
}

// passiveBody reports whether a message body answers an event.
func passiveBody(body map[string]any) bool {
	for _, k := range []string{"msg_id", "event_id"} {
		if s, ok := body[k].(string); ok && s != "" {
			return true
		}
	}
	return false
}

// checkRequest checks qq.request(method, path, body): the request
// capability, admin for an administration route, and the send rules for a
// message route.
func (b *binder) checkRequest(method, path string, body any) error {
	c := &b.env.Caps
	if c.NoRequest {
		return b.deny(CapRequest, "qq.request")
	}
	r := openapi.RouteOf(method, path)
	if c.NoAdmin && isAdmin(r) {
		return b.deny(CapAdmin, fmt.Sprintf("qq.request(%q, %s)", method, r.Path))
	}
	scene, ok := sendRoutes[r]
	if !ok || method != http.MethodPost {
		return nil
	}
	m, _ := body.(map[string]any)
	return b.checkSend("qq.request", openapi.Target{Scene: scene, ID: routeID(r, path)}, passiveBody(m))
}

// routeID is the value of the first placeholder of r in path.
func routeID(r openapi.Route, path string) string {
	tpl, segs := strings.Split(r.Path, "/"), strings.Split(path, "/")
	for i, seg := range tpl {
		if strings.HasPrefix(seg, "{") && i < len(segs) {
			return segs[i]
		}
	}
	return ""
}

// capabilityField adds err.capability to an error table.
func capabilityField(t *lua.LTable, e *CapabilityError) {
	t.RawSetString("capability", lua.LString(e.Capability))
}
