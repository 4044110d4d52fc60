package openapi

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"path"
	"strings"
)

// MaxUploadSize is the largest file luabot uploads (10 MiB). The platform
// refuses large files with 304020 after the upload; checking first saves the
// transfer and gives a clear error.
const MaxUploadSize = 10 << 20

// Rich-media file types of POST /v2/{groups|users}/{id}/files (§7.1).
const (
	FileImage = 1
	FileVideo = 2
	FileVoice = 3 // silk
	FileFile  = 4 // not open to bots yet
)

var (
	RouteGroupFiles = Route{http.MethodPost, "/v2/groups/{group_openid}/files"}
	RouteC2CFiles   = Route{http.MethodPost, "/v2/users/{openid}/files"}
)

// MediaUpload is the body of POST /v2/{groups|users}/{id}/files: either URL
// (the platform downloads it) or FileData (base64 of the file, sent inline).
type MediaUpload struct {
	FileType   int    `json:"file_type"`
	URL        string `json:"url,omitempty"`
	FileData   string `json:"file_data,omitempty"`
	SrvSendMsg bool   `json:"srv_send_msg"`
}

// Media is the answer of a rich-media upload. FileInfo goes into a message's
// media.file_info (msg_type 7); TTL 0 means long-lived.
type Media struct {
	FileUUID string `json:"file_uuid"`
	FileInfo string `json:"file_info"`
	TTL      int    `json:"ttl"`
	ID       string `json:"id,omitempty"` // message id when SrvSendMsg was set
}

// UploadGroupMedia uploads a file for a group message (POST /v2/groups/{group_openid}/files).
func (c *Client) UploadGroupMedia(ctx context.Context, groupOpenID string, up MediaUpload) (*Media, error) {
	return uploadMedia(ctx, c, Target{Scene: SceneGroup, ID: groupOpenID}, up)
}

// UploadC2CMedia uploads a file for a C2C message (POST /v2/users/{openid}/files).
func (c *Client) UploadC2CMedia(ctx context.Context, openID string, up MediaUpload) (*Media, error) {
	return uploadMedia(ctx, c, Target{Scene: SceneC2C, ID: openID}, up)
}

func uploadMedia(ctx context.Context, d Doer, t Target, up MediaUpload) (*Media, error) {
	p, err := t.filesPath()
	if err != nil {
		return nil, err
	}
	if up.URL == "" && up.FileData == "" {
		return nil, fmt.Errorf("upload media: %w: url or file data required", ErrInvalidRequest)
	}
	if up.FileType == 0 {
		up.FileType = FileImage
	}
	var m Media
	if err := d.Do(ctx, http.MethodPost, p, nil, up, &m); err != nil {
		return nil, fmt.Errorf("upload media: %w", err)
	}
	if m.FileInfo == "" {
		return nil, fmt.Errorf("upload media: answer has no file_info")
	}
	return &m, nil
}

// File is a local file to send with a message.
type File struct {
	Name string // file name; its extension picks the media type for group/C2C
	Data []byte
	Type int // FileImage…; 0 means from the extension
}

// FileTypeOf guesses a rich-media file type from a file name.
func FileTypeOf(name string) int {
	switch strings.ToLower(path.Ext(name)) {
	case ".png", ".jpg", ".jpeg", ".gif", ".webp", ".bmp":
		return FileImage
	case ".mp4", ".mov":
		return FileVideo
	case ".silk", ".slk", ".amr":
		return FileVoice
	}
	return FileFile
}

// sniffType is the part Content-Type for an uploaded file.
func sniffType(name string, data []byte) string {
	switch strings.ToLower(path.Ext(name)) {
	case ".png":
		return "image/png"
	case ".jpg", ".jpeg":
		return "image/jpeg"
	case ".gif":
		return "image/gif"
	case ".webp":
		return "image/webp"
	}
	return http.DetectContentType(data[:min(len(data), 512)])
}

// SendMessage posts msg to t through d, choosing the route for t's scene, and
// decodes the answer into out. msg holds body fields as the platform names
// them (§7.2, §7.3); it is not modified.
//
// For group and C2C targets msg_type is filled in when absent (2 markdown,
// 3 ark, 4 embed, 7 media, else 0 text), and an image URL (msg["image"]) or
// file is first uploaded through /files and sent as media (msg_type 7). For
// guild channels and DMs a file is sent as multipart form-data field
// file_image, which cannot be combined with message_reference. Files larger
// than MaxUploadSize are refused with ErrTooLarge before anything is sent.
func SendMessage(ctx context.Context, d Doer, t Target, msg map[string]any, file *File, out any) error {
	p, err := t.messagesPath()
	if err != nil {
		return err
	}
	body := make(map[string]any, len(msg)+2)
	for k, v := range msg {
		body[k] = v
	}
	if file != nil && len(file.Data) > MaxUploadSize {
		return fmt.Errorf("send message: %w: %s is %d bytes, the limit is %d", ErrTooLarge, file.Name, len(file.Data), MaxUploadSize)
	}
	var in any = body
	switch t.Scene {
	case SceneGroup, SceneC2C:
		if err := attachMedia(ctx, d, t, body, file); err != nil {
			return fmt.Errorf("send message: %w", err)
		}
		if _, set := body["msg_type"]; !set {
			body["msg_type"] = msgTypeOf(body)
		}
	default:
		if file != nil {
			if body["message_reference"] != nil {
				return fmt.Errorf("send message: %w: a file cannot be sent with message_reference", ErrInvalidRequest)
			}
			in = &Form{Fields: body, FileField: "file_image", FileName: file.Name, File: file.Data}
		}
	}
	if err := d.Do(ctx, http.MethodPost, p, nil, in, out); err != nil {
		return fmt.Errorf("send message: %w", err)
	}
	return nil
}

// attachMedia uploads a group/C2C file or image URL and points body.media at it.
func attachMedia(ctx context.Context, d Doer, t Target, body map[string]any, file *File) error {
	var up MediaUpload
	switch url, _ := body["image"].(string); {
	case file != nil:
		up.FileType = file.Type
		if up.FileType == 0 {
			up.FileType = FileTypeOf(file.Name)
		}
		up.FileData = base64.StdEncoding.EncodeToString(file.Data)
	case url != "":
		up.FileType = FileImage
		if ft, ok := intOf(body["file_type"]); ok && ft > 0 {
			up.FileType = ft
		}
		up.URL = url
	default:
		return nil
	}
	delete(body, "image")
	delete(body, "file_type")
	m, err := uploadMedia(ctx, d, t, up)
	if err != nil {
		return err
	}
	body["media"] = map[string]any{"file_info": m.FileInfo}
	body["msg_type"] = 7
	if c, _ := body["content"].(string); c == "" {
		body["content"] = " " // the platform wants non-empty content with media
	}
	return nil
}

// msgTypeOf infers a group/C2C msg_type from the body's fields.
func msgTypeOf(body map[string]any) int {
	switch {
	case body["media"] != nil:
		return 7
	case body["markdown"] != nil:
		return 2
	case body["ark"] != nil:
		return 3
	case body["embed"] != nil:
		return 4
	}
	return 0
}

// intOf reads a number that may come from Go code, JSON or a Lua table.
func intOf(v any) (int, bool) {
	switch n := v.(type) {
	case int:
		return n, true
	case int64:
		return int(n), true
	case float64:
		return int(n), true
	case json.Number:
		i, err := n.Int64()
		return int(i), err == nil
	}
	return 0, false
}
