package openapi_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"

	"github.com/luabot/luabot/openapi"
)

func TestSendMessage_GuildFileIsMultipart(t *testing.T) {
	p := newPlatform(t)
	var form map[string]string
	var file []byte
	var fileName string
	p.api = func(w http.ResponseWriter, r *http.Request) {
		_, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
		if err != nil {
			t.Errorf("Content-Type: %v", err)
		}
		reqs := p.apiRequests() // serve has read the body already
		mr := multipart.NewReader(bytes.NewReader(reqs[len(reqs)-1].Body), params["boundary"])
		form = map[string]string{}
		for {
			part, err := mr.NextPart()
			if err != nil {
				break
			}
			b, _ := io.ReadAll(part)
			if part.FormName() == "file_image" {
				file, fileName = b, part.FileName()
				continue
			}
			form[part.FormName()] = string(b)
		}
		writeJSON(w, 200, map[string]any{"id": "m1"})
	}
	c := p.secretClient(t, nil)
	png := []byte("\x89PNG\r\n\x1a\nfake")
	sent, err := c.Send(context.Background(), openapi.Target{Scene: openapi.SceneGuild, ID: "c1"},
		map[string]any{"content": "look", "embed": map[string]any{"title": "t"}, "msg_id": "M"},
		&openapi.File{Name: "cat.png", Data: png})
	if err != nil || sent.ID != "m1" {
		t.Fatalf("Send = %+v, %v", sent, err)
	}
	if !bytes.Equal(file, png) || fileName != "cat.png" {
		t.Errorf("file part = %q %q", fileName, file)
	}
	if form["content"] != "look" || form["msg_id"] != "M" || form["embed"] != `{"title":"t"}` {
		t.Errorf("form fields = %v", form)
	}
	if r := p.apiRequests()[0]; r.Path != "/channels/c1/messages" {
		t.Errorf("path = %s", r.Path)
	}
}

func TestSendMessage_GroupMedia(t *testing.T) {
	tests := []struct {
		name    string
		msg     map[string]any
		file    *openapi.File
		wantURL string
		wantB64 string
	}{
		{"from url", map[string]any{"image": "https://img.example/a.png"}, nil, "https://img.example/a.png", ""},
		{"from file", map[string]any{"content": "here"}, &openapi.File{Name: "a.jpg", Data: []byte("JPEG")}, "", base64.StdEncoding.EncodeToString([]byte("JPEG"))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newPlatform(t)
			p.api = func(w http.ResponseWriter, r *http.Request) {
				if strings.HasSuffix(r.URL.Path, "/files") {
					writeJSON(w, 200, map[string]any{"file_uuid": "u", "file_info": "RklMRQ==", "ttl": 0})
					return
				}
				writeJSON(w, 200, map[string]any{"id": "G1", "timestamp": "2025-01-01T00:00:00+08:00"})
			}
			c := p.secretClient(t, nil)
			sent, err := c.Send(context.Background(), openapi.Target{Scene: openapi.SceneGroup, ID: "GRP"}, tt.msg, tt.file)
			if err != nil || sent.ID != "G1" {
				t.Fatalf("Send = %+v, %v", sent, err)
			}
			reqs := p.apiRequests()
			if len(reqs) != 2 || reqs[0].Path != "/v2/groups/GRP/files" || reqs[1].Path != "/v2/groups/GRP/messages" {
				t.Fatalf("requests = %v", reqs)
			}
			var up, msg map[string]any
			_ = json.Unmarshal(reqs[0].Body, &up)
			_ = json.Unmarshal(reqs[1].Body, &msg)
			if up["file_type"] != float64(1) || up["srv_send_msg"] != false || up["url"] != nilIfEmpty(tt.wantURL) || up["file_data"] != nilIfEmpty(tt.wantB64) {
				t.Errorf("upload body = %s", reqs[0].Body)
			}
			media, _ := msg["media"].(map[string]any)
			if msg["msg_type"] != float64(7) || media["file_info"] != "RklMRQ==" || msg["image"] != nil || msg["content"] == "" {
				t.Errorf("message body = %s", reqs[1].Body)
			}
		})
	}
}

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func TestSendMessage_Refusals(t *testing.T) {
	p := newPlatform(t)
	c := p.secretClient(t, nil)
	ctx := context.Background()
	big := &openapi.File{Name: "big.png", Data: make([]byte, openapi.MaxUploadSize+1)}
	if _, err := c.Send(ctx, openapi.Target{Scene: openapi.SceneC2C, ID: "U"}, nil, big); !errors.Is(err, openapi.ErrTooLarge) {
		t.Errorf("too large = %v", err)
	}
	small := &openapi.File{Name: "a.png", Data: []byte("x")}
	if _, err := c.Send(ctx, openapi.Target{Scene: openapi.SceneGuild, ID: "c"},
		map[string]any{"message_reference": map[string]any{"message_id": "m"}}, small); !errors.Is(err, openapi.ErrInvalidRequest) {
		t.Errorf("file with message_reference = %v", err)
	}
	if _, err := c.Send(ctx, openapi.Target{Scene: "x", ID: "c"}, nil, nil); !errors.Is(err, openapi.ErrInvalidRequest) {
		t.Errorf("unknown scene = %v", err)
	}
	if n := len(p.apiRequests()); n != 0 {
		t.Errorf("%d requests sent for refused messages", n)
	}
}
