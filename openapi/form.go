package openapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/textproto"
	"path"
	"sort"
	"strings"
)

// Form is a multipart/form-data body. [Client.Do] sends a *Form as is when it
// is given one as in, instead of JSON; it is how a local image reaches a guild
// channel or DM (field file_image, §7.2).
type Form struct {
	// Fields are the message body fields. Strings, numbers and booleans are sent
	// as their text; objects and arrays (embed, ark, markdown, keyboard…) as
	// JSON text, as the platform expects in form-data. Nil values are skipped.
	Fields map[string]any
	// FileField names the file part, e.g. "file_image". Empty means no file.
	FileField string
	// FileName is the file part's file name (its base name is used).
	FileName string
	// File is the file content.
	File []byte
}

// encodeBody renders in as a request body and returns its Content-Type; nil
// in means no body.
func encodeBody(in any) ([]byte, string, error) {
	switch v := in.(type) {
	case nil:
		return nil, "", nil
	case *Form:
		if v == nil {
			return nil, "", nil
		}
		return v.encode()
	case json.RawMessage:
		return v, jsonContentType, nil
	}
	// Contents carry "<@!id>" mentions; \u003c escapes are legal but
	// unreadable in logs, so HTML escaping is off (see appendJSON).
	body, err := appendJSON(make([]byte, 0, 256), in)
	if err != nil {
		return nil, "", fmt.Errorf("%w: encode request body: %v", ErrInvalidRequest, err)
	}
	return body, jsonContentType, nil
}

func (f *Form) encode() ([]byte, string, error) {
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	keys := make([]string, 0, len(f.Fields))
	for k := range f.Fields {
		keys = append(keys, k)
	}
	sort.Strings(keys) // stable bodies make retries and tests predictable
	for _, k := range keys {
		text, ok, err := formValue(f.Fields[k])
		if err != nil {
			return nil, "", fmt.Errorf("%w: form field %s: %v", ErrInvalidRequest, k, err)
		}
		if ok {
			if err := w.WriteField(k, text); err != nil {
				return nil, "", err
			}
		}
	}
	if f.FileField != "" {
		name := path.Base(strings.ReplaceAll(f.FileName, `\`, "/"))
		if name == "." || name == "/" || name == "" {
			name = "file"
		}
		h := textproto.MIMEHeader{}
		h.Set("Content-Disposition", fmt.Sprintf(`form-data; name=%q; filename=%q`, f.FileField, name))
		h.Set("Content-Type", sniffType(name, f.File))
		part, err := w.CreatePart(h)
		if err != nil {
			return nil, "", err
		}
		if _, err := part.Write(f.File); err != nil {
			return nil, "", err
		}
	}
	if err := w.Close(); err != nil {
		return nil, "", err
	}
	return buf.Bytes(), w.FormDataContentType(), nil
}

// formValue renders one field; ok is false for nil.
func formValue(v any) (string, bool, error) {
	switch v := v.(type) {
	case nil:
		return "", false, nil
	case string:
		return v, true, nil
	case json.Number:
		return v.String(), true, nil
	case bool, int, int64, uint32, uint64, float64:
		return fmt.Sprint(v), true, nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return "", false, err
	}
	return string(b), true, nil
}
