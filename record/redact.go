package record

import (
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strings"
	"unicode"
)

// Redactor replaces user ids, names and message text in event payloads, and the same
// values wherever the scripts' sends carry them. It is used by one goroutine (the
// writer's owner).
type Redactor struct {
	key []byte
	// known maps each word seen in a redacted field to its replacement, so that a
	// send carrying it is redacted the same way.
	known map[string]string
	// command reports whether a word names a registered command (nil: none).
	command func(word string) bool
}

// NewRedactor returns a Redactor with a fresh random key, which never leaves it.
func NewRedactor() *Redactor {
	key := make([]byte, 32)
	_, _ = rand.Read(key) // crypto/rand.Read never fails
	return &Redactor{key: key, known: map[string]string{}}
}

// userParents are the keys of objects that describe a user: their "id", "username"
// and "name" are the user's.
var userParents = map[string]bool{"author": true, "user": true, "member": true, "mentions": true, "users": true, "op_user": true}

// idKeys hold user ids wherever they are.
var idKeys = map[string]bool{
	"user_openid": true, "member_openid": true, "union_openid": true, "openid": true, "user_id": true,
	"author_id": true, "group_member_openid": true, "op_member_openid": true,
}

// nameKeys hold names wherever they are.
var nameKeys = map[string]bool{"username": true, "nick": true, "nickname": true, "card": true}

// Event returns payload with user ids hashed and names and text tokenised; what is
// not JSON comes back as a token.
func (r *Redactor) Event(payload json.RawMessage) json.RawMessage {
	if len(payload) == 0 {
		return payload
	}
	v, err := decode(payload)
	if err != nil {
		return mustJSON(r.word(string(payload)))
	}
	return mustJSON(r.walkEvent(v, ""))
}

func (r *Redactor) walkEvent(v any, parent string) any {
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			s, ok := x.(string)
			if !ok {
				v[k] = r.walkEvent(x, k)
				continue
			}
			switch {
			case idKeys[k] || (k == "id" && userParents[parent]):
				v[k] = r.id(s)
			case nameKeys[k] || (k == "name" && userParents[parent]):
				v[k] = r.text(s, false)
			case k == "content":
				v[k] = r.text(s, true)
			case k == "avatar" || (k == "url" && parent == "attachments"):
				v[k] = r.word(s)
			}
		}
		return v
	case []any:
		for i, x := range v {
			v[i] = r.walkEvent(x, parent)
		}
	}
	return v
}

// id returns the hash standing for user id s: 32 upper-case hex digits, the shape of
// an openid.
func (r *Redactor) id(s string) string {
	if s == "" {
		return s
	}
	if h, ok := r.known[s]; ok {
		return h
	}
	h := strings.ToUpper(r.mac("id", s)[:32])
	r.known[s] = h
	return h
}

// word returns the token standing for one word (or a whole value such as a URL).
func (r *Redactor) word(s string) string {
	if h, ok := r.known[s]; ok {
		return h
	}
	t := "t_" + r.mac("w", s)[:10]
	r.known[s] = t
	return t
}

func (r *Redactor) mac(kind, s string) string {
	m := hmac.New(sha256.New, r.key)
	m.Write([]byte(kind))
	m.Write([]byte{0})
	m.Write([]byte(s))
	return hex.EncodeToString(m.Sum(nil))
}

// text tokenises each word of s, keeping spaces and punctuation. In message content
// (isContent) the ids in mentions (<@!id>) are hashed as ids, and a command's name is
// kept, so command handlers still match: the first word right after a "/" (or the
// full-width "／"), or a first word that names a registered command.
func (r *Redactor) text(s string, isContent bool) string {
	var b strings.Builder
	first, sep := true, ""
	segments(s, func(seg string, isWord bool) {
		if !isWord {
			b.WriteString(seg)
			sep = seg
			return
		}
		switch {
		case isContent && (strings.HasSuffix(sep, "<@") || strings.HasSuffix(sep, "<@!")):
			b.WriteString(r.id(seg))
			return
		case isContent && first && commandStart(b.String()) && (slashed(sep) || r.isCommand(seg)):
			b.WriteString(seg)
		default:
			b.WriteString(r.word(seg))
		}
		first = false
	})
	return b.String()
}

func (r *Redactor) isCommand(word string) bool { return r.command != nil && r.command(word) }

// slashed reports whether sep, the text before a word, ends in a command's slash.
func slashed(sep string) bool { return strings.HasSuffix(sep, "/") || strings.HasSuffix(sep, "／") }

// commandStart reports whether prefix (what precedes a word) is only mentions, spaces
// and, optionally, the command's slash.
func commandStart(prefix string) bool {
	rest := strings.TrimSuffix(strings.TrimSuffix(prefix, "/"), "／")
	for {
		rest = strings.TrimLeftFunc(rest, unicode.IsSpace)
		if !strings.HasPrefix(rest, "<@") {
			return rest == ""
		}
		end := strings.IndexByte(rest, '>')
		if end < 0 {
			return false
		}
		rest = rest[end+1:]
	}
}

// Send returns a send's path and body with every word this Redactor replaced in an
// event replaced the same way. A body that is not JSON is dropped.
func (r *Redactor) Send(path string, body []byte) (string, json.RawMessage) {
	path = r.replaceKnown(path)
	if len(body) == 0 {
		return path, nil
	}
	v, err := decode(body)
	if err != nil {
		return path, nil
	}
	return path, mustJSON(r.walkSend(v))
}

func (r *Redactor) walkSend(v any) any {
	switch v := v.(type) {
	case string:
		return r.replaceKnown(v)
	case map[string]any:
		for k, x := range v {
			v[k] = r.walkSend(x)
		}
	case []any:
		for i, x := range v {
			v[i] = r.walkSend(x)
		}
	}
	return v
}

func (r *Redactor) replaceKnown(s string) string {
	if len(r.known) == 0 {
		return s
	}
	var b strings.Builder
	segments(s, func(seg string, isWord bool) {
		if h, ok := r.known[seg]; ok && isWord {
			seg = h
		}
		b.WriteString(seg)
	})
	return b.String()
}

// isWordRune: words are runs of letters, digits and underscores.
func isWordRune(c rune) bool { return c == '_' || unicode.IsLetter(c) || unicode.IsDigit(c) }

// segments splits s into maximal runs of word runes and of other runes, in order.
func segments(s string, fn func(seg string, isWord bool)) {
	start, inWord := 0, false
	for i, c := range s {
		w := isWordRune(c)
		if i == 0 {
			inWord = w
			continue
		}
		if w != inWord {
			fn(s[start:i], inWord)
			start, inWord = i, w
		}
	}
	if start < len(s) {
		fn(s[start:], inWord)
	}
}

func decode(raw []byte) (any, error) {
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, err
	}
	return v, nil
}

// mustJSON encodes v, leaving <, > and & as they are (mentions stay readable).
func mustJSON(v any) json.RawMessage {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n"))
}
