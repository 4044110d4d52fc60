package sim_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image"
	"image/png"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"strings"
	"testing"

	"github.com/luabot/luabot/sim"
)

// file_image uploads: multipart/form-data sends to guild channels and DMs
// (§7.2).

// part is one form-data part; data makes it a file part.
type part struct {
	name, filename, ctype string
	value                 string
	data                  []byte
}

// form encodes parts and returns the body and its Content-Type.
func form(tb testing.TB, parts ...part) (string, string) {
	tb.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for _, p := range parts {
		if p.data == nil {
			if err := w.WriteField(p.name, p.value); err != nil {
				tb.Fatal(err)
			}
			continue
		}
		h := textproto.MIMEHeader{}
		disp := fmt.Sprintf(`form-data; name=%q`, p.name)
		if p.filename != "" {
			disp += fmt.Sprintf(`; filename=%q`, p.filename)
		}
		h.Set("Content-Disposition", disp)
		if p.ctype != "" {
			h.Set("Content-Type", p.ctype)
		}
		pw, err := w.CreatePart(h)
		if err != nil {
			tb.Fatal(err)
		}
		if _, err := pw.Write(p.data); err != nil {
			tb.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		tb.Fatal(err)
	}
	return buf.String(), w.FormDataContentType()
}

// pngImage is a real 3×2 PNG, so the simulator can read its size.
func pngImage(tb testing.TB) []byte {
	tb.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, image.NewRGBA(image.Rect(0, 0, 3, 2))); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

func TestUpload_Channel(t *testing.T) {
	s := MustStart(t, sim.Config{}, nil)
	a := newAPI(t, s)
	ch := s.World().Channels[0].ID
	in, err := s.Post(sim.Post{Content: "pic?", MentionBot: true})
	if err != nil {
		t.Fatal(err)
	}
	img := pngImage(t)
	body, ctype := form(t,
		part{name: "content", value: "here <@!" + in.Author.ID + ">"},
		part{name: "msg_id", value: in.ID},
		part{name: "msg_seq", value: "2"},
		part{name: "channel_id", value: ch}, // botpy adds path params; ignored
		part{name: "embed", value: `{"title":"cat"}`},
		part{name: "file_image", filename: "cat.png", ctype: "image/png", data: img},
	)
	r := do(t, http.MethodPost, s.APIURL()+"/channels/"+ch+"/messages", body, a.auth, "Content-Type: "+ctype)
	if r.status != http.StatusOK {
		t.Fatalf("upload: %d %s", r.status, r.body)
	}
	checkJSONHeaders(t, r)
	got := decode[sentMessage](t, r.body)
	if got.ID == "" || got.ChannelID != ch || got.Content != "here <@!"+in.Author.ID+">" || !got.Author.Bot || len(got.Attachments) != 1 {
		t.Fatalf("upload answered %s", r.body)
	}
	att := got.Attachments[0]
	if !strings.HasPrefix(att.URL, "https://") || att.Filename != "cat.png" || att.ContentType != "image/png" ||
		att.Size == nil || *att.Size != len(img) || att.Width == nil || *att.Width != 3 || att.Height == nil || *att.Height != 2 {
		t.Errorf("attachment = %+v", att)
	}

	sent := s.Sent()
	if len(sent) != 1 {
		t.Fatalf("%d sent", len(sent))
	}
	sm := sent[0]
	want := sim.Attachment{URL: att.URL, Filename: "cat.png", ContentType: "image/png", Width: 3, Height: 2, Size: len(img)}
	if sm.ID != got.ID || sm.MsgID != in.ID || sm.MsgSeq != 2 || len(sm.Attachments) != 1 || sm.Attachments[0] != want {
		t.Errorf("recorded %+v", sm)
	}
	var fields map[string]any
	if err := json.Unmarshal(sm.Body, &fields); err != nil {
		t.Fatalf("recorded body %s: %v", sm.Body, err)
	}
	if fields["msg_id"] != in.ID || fields["msg_seq"] != float64(2) || fields["channel_id"] != ch ||
		fields["embed"].(map[string]any)["title"] != "cat" || fields["file_image"] != nil {
		t.Errorf("recorded body %s: want the form fields as JSON, objects decoded, without the file", sm.Body)
	}
	if m, ok := s.Message(got.ID); !ok || len(m.Attachments) != 1 || m.Attachments[0] != want {
		t.Errorf("stored %+v, %v", m, ok)
	}
	r = a.call(http.MethodGet, "/channels/"+ch+"/messages/"+got.ID, "", http.StatusOK)
	if g := decode[struct {
		Message sentMessage `json:"message"`
	}](t, r.body); len(g.Message.Attachments) != 1 || g.Message.Attachments[0].URL != att.URL {
		t.Errorf("GET = %s", r.body)
	}

	// A file alone is a message (§7.2 counts file_image as content).
	body, ctype = form(t, part{name: "file_image", filename: "b.png", data: img})
	r = do(t, http.MethodPost, s.APIURL()+"/channels/"+ch+"/messages", body, a.auth, "Content-Type: "+ctype)
	if r.status != http.StatusOK {
		t.Fatalf("file only: %d %s", r.status, r.body)
	}
	// The delivery rules apply as to JSON sends: the bot's own message
	// cannot be replied to.
	body, ctype = form(t, part{name: "msg_id", value: got.ID}, part{name: "file_image", filename: "c.png", data: img})
	checkError(t, do(t, http.MethodPost, s.APIURL()+"/channels/"+ch+"/messages", body, a.auth, "Content-Type: "+ctype),
		http.StatusBadRequest, 50045)
}

// TestUpload_DMBotpyShape sends what botpy sends: raw bytes without a file
// name, as application/octet-stream, so the simulator sniffs the type.
func TestUpload_DMBotpyShape(t *testing.T) {
	s := MustStart(t, sim.Config{}, nil)
	a := newAPI(t, s)
	in, err := s.Post(sim.Post{Scene: sim.SceneDM, Content: "pic?"})
	if err != nil {
		t.Fatal(err)
	}
	img := pngImage(t)
	body, ctype := form(t,
		part{name: "content", value: "for you"},
		part{name: "msg_id", value: in.ID},
		part{name: "guild_id", value: in.GuildID},
		part{name: "file_image", ctype: "application/octet-stream", data: img},
	)
	r := do(t, http.MethodPost, s.APIURL()+"/dms/"+in.GuildID+"/messages", body, a.auth, "Content-Type: "+ctype)
	if r.status != http.StatusOK {
		t.Fatalf("dm upload: %d %s", r.status, r.body)
	}
	got := decode[sentMessage](t, r.body)
	if !got.DirectMessage || got.ChannelID != in.ChannelID || len(got.Attachments) != 1 ||
		got.Attachments[0].ContentType != "image/png" || got.Attachments[0].Filename == "" {
		t.Errorf("dm upload answered %s", r.body)
	}
	if sm := s.Sent(); len(sm) != 1 || sm[0].Scene != sim.SceneDM || len(sm[0].Attachments) != 1 {
		t.Errorf("recorded %+v", sm)
	}
}

func TestUpload_Refused(t *testing.T) {
	t.Parallel() // its own server
	s := MustStart(t, sim.Config{}, nil)
	a := newAPI(t, s)
	url := s.APIURL() + "/channels/" + s.World().Channels[0].ID + "/messages"
	img := pngImage(t)
	file := part{name: "file_image", filename: "cat.png", data: img}
	formOf := func(parts ...part) func() (string, string) {
		return func() (string, string) { return form(t, parts...) }
	}
	raw := func(body, ctype string) func() (string, string) {
		return func() (string, string) { return body, ctype }
	}
	tests := []struct {
		name   string
		body   func() (string, string)
		status int
		code   int
	}{
		{"file with message_reference", formOf(part{name: "message_reference", value: `{"message_id":"08ab"}`}, file), http.StatusBadRequest, 50035},
		{"object field not JSON", formOf(part{name: "embed", value: "cat"}, file), http.StatusBadRequest, 50035},
		{"object field a JSON string", formOf(part{name: "markdown", value: `"# x"`}, file), http.StatusBadRequest, 50035},
		{"msg_seq not a number", formOf(part{name: "msg_seq", value: "two"}, file), http.StatusBadRequest, 50035},
		{"two files", formOf(file, file), http.StatusBadRequest, 50035},
		{"empty file", formOf(part{name: "file_image", filename: "e.png", data: []byte{}}), http.StatusBadRequest, 50035},
		{"no boundary", raw("x", "multipart/form-data"), http.StatusBadRequest, 50035},
		{"part without a name", raw("--b\r\n\r\n--b--\r\n", "multipart/form-data; boundary=b"), http.StatusBadRequest, 50035},
		{"truncated", raw("--b\r\nContent-Disposition: form-data; name=\"content\"\r\n\r\nhi", "multipart/form-data; boundary=b"), http.StatusBadRequest, 50035},
		{"fields only, nothing to show", formOf(part{name: "msg_seq", value: "1"}), http.StatusBadRequest, 50006},
		{"unknown msg id", formOf(part{name: "msg_id", value: "08ff"}, file), http.StatusBadRequest, 304026},
		{"file over 10 MiB", formOf(part{name: "file_image", filename: "huge.png", data: make([]byte, 10<<20+1)}), http.StatusBadRequest, 304020},
		{"fields over 1 MiB", formOf(part{name: "content", value: strings.Repeat("x", 1<<20+1)}, file), http.StatusRequestEntityTooLarge, 413},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body, ctype := tt.body()
			checkError(t, do(t, http.MethodPost, url, body, a.auth, "Content-Type: "+ctype), tt.status, tt.code)
		})
	}
	if n := len(s.Sent()); n != 0 {
		t.Errorf("refused uploads were recorded: %d sent", n)
	}

	// Exactly 10 MiB passes; the JSON path keeps ignoring message_reference.
	body, ctype := form(t, part{name: "file_image", filename: "big.png", data: make([]byte, 10<<20)})
	if r := do(t, http.MethodPost, url, body, a.auth, "Content-Type: "+ctype); r.status != http.StatusOK {
		t.Errorf("10 MiB file: %d %s", r.status, r.body)
	}
	a.call(http.MethodPost, "/channels/"+s.World().Channels[0].ID+"/messages",
		`{"image":"https://example.com/a.png","message_reference":{"message_id":"08ab"}}`, http.StatusOK)
}
