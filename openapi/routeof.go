package openapi

import (
	"net/http"
	"strings"
	"sync"
)

// knownRoutes is every Route the package declares: what RouteOf matches a path
// against. routeof_internal_test.go checks that no Route variable is missing.
var knownRoutes = []Route{
	RouteGuildAnnounce, RouteDeleteGuildAnnounce, RouteChannelAnnounce, RouteDeleteChannelAnnounce,
	RouteAudio, RouteMicOn, RouteMicOff,
	RouteGuildChannels, RouteCreateChannel, RouteChannel, RoutePatchChannel, RouteDeleteChannel,
	RouteVoiceMembers, RouteChannelOnlines,
	RouteCreateDM, RouteDeleteDM, RouteDMSettingGuide,
	RouteThreads, RouteThread, RoutePutThread, RouteDeleteThread,
	RouteGatewayBot, RouteGateway,
	RouteDeleteGroupMessage, RouteDeleteC2CMessage,
	RouteGuild, RouteMessageSetting, RouteGuildMute,
	RouteInteraction,
	RouteGroupFiles, RouteC2CFiles,
	RouteMembers, RouteMember, RouteDeleteMember, RouteRoleMembers, RouteMemberMute,
	RouteChannelMessages, RouteMessage, RouteMessages, RoutePatchMessage, RouteDeleteMessage, RouteSettingGuide,
	RouteMemberPermissions, RoutePutMemberPermissions, RouteRolePermissions, RoutePutRolePermissions,
	RouteAPIPermissions, RouteAPIPermissionDemand,
	RoutePin, RouteUnpin, RouteGetPin,
	RouteAddReaction, RouteDeleteReaction, RouteReactionUsers,
	RouteRoles, RouteCreateRole, RoutePatchRole, RouteDeleteRole, RouteAddMemberRole, RouteRemoveMemberRole,
	RouteSchedules, RouteSchedule, RouteCreateSchedule, RoutePatchSchedule, RouteDeleteSchedule,
	RouteDMMessages, RouteGroupMessages, RouteC2CMessages,
	RouteMe, RouteMeGuilds,
	RouteCreateWebhookSession, RouteCheckWebhookSessions, RouteWebhookSessions, RouteDeleteWebhookSession,
}

// OtherPath is the template RouteOf gives a path no declared route matches (a
// qq.request to an endpoint luabot does not know), so that free text never becomes a
// metric label.
const OtherPath = "other"

// templates are knownRoutes' paths split into segments, built once.
var templates = sync.OnceValue(func() [][]string {
	seen := map[string]bool{}
	var out [][]string
	for _, r := range knownRoutes {
		if !seen[r.Path] {
			seen[r.Path] = true
			out = append(out, strings.Split(r.Path, "/"))
		}
	}
	return out
})

// RouteOf returns the declared route a request's method and path (ids filled in) belong
// to, e.g. POST /channels/{channel_id}/messages for POST /channels/123/messages. Among
// several templates that fit, the one with the most literal segments wins (/users/@me
// over a placeholder). A path nothing fits gets OtherPath; a method outside the usual
// five gets "OTHER". Either way the result holds no id.
func RouteOf(method, path string) Route {
	switch method {
	case http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete:
	default:
		method = "OTHER"
	}
	segs := strings.Split(path, "/")
	best, bestLiterals := -1, -1
	tpls := templates()
	for i, t := range tpls {
		if len(t) != len(segs) {
			continue
		}
		literals, ok := 0, true
		for j, seg := range t {
			if strings.HasPrefix(seg, "{") {
				if segs[j] == "" {
					ok = false
					break
				}
				continue
			}
			if seg != segs[j] {
				ok = false
				break
			}
			literals++
		}
		if ok && literals > bestLiterals {
			best, bestLiterals = i, literals
		}
	}
	if best < 0 {
		return Route{Method: method, Path: OtherPath}
	}
	return Route{Method: method, Path: strings.Join(tpls[best], "/")}
}
