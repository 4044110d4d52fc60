package sim_test

import (
	"net/http"
	"strconv"
	"testing"

	"github.com/luabot/luabot/sim"
)

// A streamed C2C reply is assembled from its pieces into one message, counted as one
// reply; pieces out of order, after the end, for an unknown stream or outside C2C are
// refused.
func TestStream_PiecesAssembled(t *testing.T) {
	s := MustStart(t, sim.Config{}, nil)
	auth := "Authorization: QQBot " + MustToken(t, s)
	c, _ := MustIdentify(t, s, 1<<25)
	m, err := s.Post(sim.Post{Scene: sim.SceneC2C, Content: "tell me"})
	if err != nil {
		t.Fatal(err)
	}
	c.readOp(0)
	openid := s.World().Users[0].OpenID
	url := s.APIURL() + "/v2/users/" + openid + "/messages"
	post := func(body string) response {
		return do(t, http.MethodPost, url, body, auth, "Content-Type: application/json")
	}
	first := post(`{"msg_type":0,"content":"Hel","msg_id":"` + m.ID + `","msg_seq":1,"stream":{"state":1,"index":1}}`)
	if first.status != http.StatusOK {
		t.Fatalf("first piece: %d %s", first.status, first.body)
	}
	id := decode[struct {
		ID string `json:"id"`
	}](t, first.body).ID
	piece := func(state, index int, content string) string {
		return `{"msg_type":0,"content":"` + content + `","msg_id":"` + m.ID + `","msg_seq":1,"stream":{"state":` +
			strconv.Itoa(state) + `,"index":` + strconv.Itoa(index) + `,"id":"` + id + `"}}`
	}
	if r := post(piece(1, 2, "lo")); r.status != http.StatusOK {
		t.Fatalf("second piece: %d %s", r.status, r.body)
	}
	checkError(t, post(piece(1, 2, "again")), http.StatusBadRequest, 12002) // index must grow
	checkError(t, post(piece(10, 3, "")), http.StatusBadRequest, 12002)     // a last piece ends with a newline
	if r := post(piece(10, 3, "\\n")); r.status != http.StatusOK {
		t.Fatalf("last piece: %d %s", r.status, r.body)
	}
	checkError(t, post(piece(1, 4, "late")), http.StatusBadRequest, 12002) // after the end
	sent := s.Sent()
	if len(sent) != 1 || sent[0].Content != "Hello" || sent[0].Stream == nil || sent[0].Stream.Pieces != 3 || !sent[0].Stream.Finished {
		t.Fatalf("sent %+v; want one message Hello in 3 pieces, finished", sent)
	}
	// One reply used: msg_seq 2..5 go through, a sixth does not.
	for seq := 2; seq <= 5; seq++ {
		if r := post(`{"msg_type":0,"content":"x","msg_id":"` + m.ID + `","msg_seq":` + strconv.Itoa(seq) + `}`); r.status != http.StatusOK {
			t.Fatalf("reply %d: %d %s", seq, r.status, r.body)
		}
	}
	checkError(t, post(`{"msg_type":0,"content":"x","msg_id":"`+m.ID+`","msg_seq":6}`), http.StatusBadRequest, 22009)

	checkError(t, post(`{"msg_type":0,"content":"x","msg_id":"`+m.ID+`","msg_seq":7,"stream":{"state":1,"index":2,"id":"nope"}}`),
		http.StatusBadRequest, 12002)
	g := s.World().Groups[0].OpenID
	r := do(t, http.MethodPost, s.APIURL()+"/v2/groups/"+g+"/messages", `{"msg_type":0,"content":"x","stream":{"state":1,"index":1}}`,
		auth, "Content-Type: application/json")
	checkError(t, r, http.StatusBadRequest, 12002)
}

// Bots in the field number pieces from 0; the simulator takes that too, and a
// one-piece stream (state 10 at once) is an ordinary reply whose closing newline
// is not part of the text.
func TestStream_FromIndexZero(t *testing.T) {
	s := MustStart(t, sim.Config{}, nil)
	auth := "Authorization: QQBot " + MustToken(t, s)
	c, _ := MustIdentify(t, s, 1<<25)
	m, err := s.Post(sim.Post{Scene: sim.SceneC2C, Content: "hi"})
	if err != nil {
		t.Fatal(err)
	}
	c.readOp(0)
	url := s.APIURL() + "/v2/users/" + s.World().Users[0].OpenID + "/messages"
	r := do(t, http.MethodPost, url, `{"msg_type":0,"content":"all at once\n","msg_id":"`+m.ID+`","msg_seq":1,"stream":{"state":10,"index":0}}`,
		auth, "Content-Type: application/json")
	if r.status != http.StatusOK {
		t.Fatalf("one-piece stream from index 0: %d %s", r.status, r.body)
	}
	sent := s.Sent()
	if len(sent) != 1 || sent[0].Content != "all at once" || sent[0].Stream == nil || !sent[0].Stream.Finished {
		t.Fatalf("sent %+v; want one finished message \"all at once\"", sent)
	}
}
