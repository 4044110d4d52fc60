package openapi_test

import (
	"errors"
	"testing"

	"github.com/luabot/luabot/openapi"
)

// The share rule of openapi/share.go: two scripts keep 2 replies each; one
// may take the fifth only once the other's handlers have ended, and a reply
// the platform refused gives its place back.
func TestReplier_ShareBetweenScripts(t *testing.T) {
	r := openapi.NewReplier(nil)
	src := openapi.Source{Scene: openapi.SceneGroup, GroupOpenID: "g", MsgID: "m1"}
	r.Expect("ev1", []string{"a", "b"})
	take := func(script string) error {
		p, err := r.PrepareAs(src, "ev1", script, map[string]any{"content": "x"})
		if err == nil {
			p.Done(nil)
		}
		return err
	}
	for i := 0; i < 3; i++ {
		if err := take("a"); err != nil {
			t.Fatalf("reply %d of a: %v", i+1, err)
		}
	}
	var re *openapi.ReplyError
	if err := take("a"); !errors.As(err, &re) || re.Reason != openapi.ErrReplyLimit {
		t.Fatalf("a's fourth reply while b is still handling: %v, want a reply-limit error", err)
	}
	if err := take("b"); err != nil {
		t.Fatalf("b's first reply: %v", err)
	}
	r.Leave("ev1", "b")
	if err := take("a"); err != nil {
		t.Fatalf("a's reply after b left: %v", err)
	}
	if err := take("a"); !errors.As(err, &re) || re.Reason != openapi.ErrReplyLimit {
		t.Fatalf("a sixth reply: %v, want the 5-reply cap", err)
	}

	// Without Expect (one script, or none) nothing is kept.
	src2 := openapi.Source{Scene: openapi.SceneGroup, GroupOpenID: "g", MsgID: "m2"}
	for i := 0; i < 5; i++ {
		p, err := r.PrepareAs(src2, "ev2", "a", nil)
		if err != nil {
			t.Fatalf("reply %d to an unshared event: %v", i+1, err)
		}
		p.Done(nil)
	}
}
