package bindings

import (
	"slices"
	"strings"
	"testing"

	"github.com/luabot/luabot/openapi"
)

// The administration list is the one source for both paths: the qq
// functions it makes admin-only, and qq.request, which recognises each of
// its routes from a path with ids filled in.
func TestCaps_AdminRoutesAreRecognised(t *testing.T) {
	if got := AdminFunctions(); !slices.Equal(got, []string{"delete_message", "pin", "unpin"}) {
		t.Errorf("AdminFunctions() = %v", got)
	}
	for _, r := range adminRoutes {
		ids := make([]string, len(r.Params()))
		for i := range ids {
			ids[i] = "1234"
		}
		path, err := r.Expand(ids...)
		if err != nil {
			t.Fatal(err)
		}
		if got := openapi.RouteOf(r.Method, path); !isAdmin(got) {
			t.Errorf("%s %s is taken for %s %s, which is not an administration route", r.Method, path, got.Method, got.Path)
		}
	}
	// Reading is not administering.
	for _, p := range []string{"/guilds/1/roles", "/guilds/1/members/2", "/channels/1/pins"} {
		if isAdmin(openapi.RouteOf("GET", p)) {
			t.Errorf("GET %s counted as administration", p)
		}
	}
	if !strings.HasPrefix(TargetName(openapi.Target{Scene: openapi.SceneC2C, ID: "U"}), "user:") {
		t.Error("C2C targets are user:OPENID")
	}
}
