package console

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/luabot/luabot/bindings"
)

// The kv view reads scripts' namespaces (a script's own and shared/…);
// the host's own ("/gateway", "/handled"), which hold sessions and
// bookkeeping, are not shown.

const (
	kvPage    = 100      // keys per answer unless ?limit= says fewer
	kvMaxView = 64 << 10 // bytes of one value shown
)

// KVEntry is one key and its value, pretty-printed JSON when the value is
// JSON, else text.
type KVEntry struct {
	Key     string     `json:"key"`
	JSON    bool       `json:"json"`
	Value   string     `json:"value"`
	Size    int        `json:"size"`
	Cut     bool       `json:"cut,omitempty"` // Value is the start of a longer value
	Expires *time.Time `json:"expires,omitempty"`
}

// KVPage is one page of a namespace.
type KVPage struct {
	Namespace string    `json:"namespace"`
	Prefix    string    `json:"prefix"`
	Entries   []KVEntry `json:"entries"`
	// Next is the after= of the next page; empty on the last.
	Next string `json:"next,omitempty"`
}

func (c *Console) namespaces() ([]string, error) {
	if c.cfg.Store == nil {
		return nil, nil
	}
	all, err := c.cfg.Store.Namespaces()
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(all, func(ns string) bool { return strings.HasPrefix(ns, "/") }), nil
}

func (c *Console) getNamespaces(w http.ResponseWriter, r *http.Request) {
	names, err := c.namespaces()
	if err != nil {
		writeError(w, http.StatusInternalServerError, err.Error())
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"namespaces": append([]string{}, names...)})
}

func (c *Console) getKV(w http.ResponseWriter, r *http.Request) {
	ns := r.PathValue("ns")
	names, err := c.namespaces()
	if err != nil {
		writeError(w, http.StatusInternalServerError, err.Error())
		return
	}
	if !slices.Contains(names, ns) {
		writeError(w, http.StatusNotFound, fmt.Sprintf("no kv namespace %q (a script's namespace exists once it has stored a key)", ns))
		return
	}
	q := r.URL.Query()
	limit := kvPage
	if n, err := strconv.Atoi(q.Get("limit")); err == nil && n > 0 && n < kvPage {
		limit = n
	}
	page := KVPage{Namespace: ns, Prefix: q.Get("prefix"), Entries: []KVEntry{}}
	err = c.cfg.Store.ScanAfter(ns, page.Prefix, q.Get("after"), func(key string, val []byte) bool {
		if len(page.Entries) == limit {
			page.Next = page.Entries[limit-1].Key
			return false
		}
		page.Entries = append(page.Entries, kvEntry(key, val))
		return true
	})
	if err != nil {
		writeError(w, http.StatusInternalServerError, err.Error())
		return
	}
	writeJSON(w, http.StatusOK, page)
}

// kvEntry shows a stored value: its JSON indented, or, when it is not
// JSON (written by something else than a script), as text.
func kvEntry(key string, raw []byte) KVEntry {
	body, exp := bindings.StoredValue(raw)
	e := KVEntry{Key: key, Size: len(body)}
	if !exp.IsZero() {
		e.Expires = &exp
	}
	var out bytes.Buffer
	if json.Valid(body) && json.Indent(&out, body, "", "  ") == nil {
		e.JSON = true
		body = out.Bytes()
	}
	if len(body) > kvMaxView {
		body, e.Cut = body[:kvMaxView], true
	}
	if utf8.Valid(body) {
		e.Value = string(body)
	} else {
		e.Value = strings.ToValidUTF8(string(body), "\uFFFD")
	}
	return e
}
