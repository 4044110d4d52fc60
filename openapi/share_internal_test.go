package openapi

import "testing"

// A script's reply count is kept only while the event has a share: a bot
// with one script never has one, and a count per message answered was most
// of what a group or C2C record held for five minutes (sixty for C2C).
func TestReplier_CountsScriptsOnlyUnderAShare(t *testing.T) {
	r := NewReplier(nil)
	one := Source{Scene: SceneGroup, GroupOpenID: "g", MsgID: "m1"}
	p, err := r.PrepareAs(one, "E1", "bot", nil)
	if err != nil {
		t.Fatal(err)
	}
	p.Done(nil)
	if by, kept := r.counts[r.keyOf(one)]; kept {
		t.Fatalf("one script, no share: counts %v, want none", by)
	}

	shared := Source{Scene: SceneGroup, GroupOpenID: "g", MsgID: "m2"}
	r.Expect("E2", []string{"a", "b"})
	p, err = r.PrepareAs(shared, "E2", "a", nil)
	if err != nil {
		t.Fatal(err)
	}
	p.Done(nil)
	if by := r.counts[r.keyOf(shared)]; by["a"] != 1 {
		t.Fatalf("shared event: counts %v, want a's reply counted", by)
	}
}
