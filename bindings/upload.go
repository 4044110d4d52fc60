package bindings

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	lua "github.com/yuin/gopher-lua"

	"github.com/luabot/luabot/openapi"
)

// errOutsideDir is returned for a file = "path" that leaves the script's folder.
var errOutsideDir = errors.New("bindings: file is outside the script's folder")

// errPrivateFile is returned for a file = "path" naming luabot's own files.
var errPrivateFile = errors.New("bindings: file is luabot's data file or one beside it, which no script may send")

// errNotSendable is returned for a file = "path" whose name no script may
// send even inside its folder (see sendableName).
var errNotSendable = errors.New("bindings: file may not be a Lua source (.lua), a .db file or a dotfile " +
	"(or inside a dot-folder); scripts send media and documents, never code or stores")

// sendableName reports whether rel, a slash- or separator-separated path
// inside the script's folder, names a file a script may send. Refused:
//   - *.lua: the sources of every script in the folder (and their tests and
//     modules), which other authors may not have meant to publish;
//   - *.db: luabot's data file under any name, and copies made with
//     `luabot backup`, which hold every script's kv data;
//   - any component starting with ".": dotfiles (.env, .netrc) and
//     dot-folders (.git), where credentials and history live.
//
// The name is compared case-insensitively, for case-insensitive file
// systems. Both the name the script gave and the file it resolves to (after
// symlinks) must pass.
func sendableName(rel string) bool {
	rel = filepath.ToSlash(filepath.Clean(filepath.FromSlash(rel)))
	for _, part := range strings.Split(rel, "/") {
		if strings.HasPrefix(part, ".") && part != "." && part != ".." {
			return false
		}
	}
	lower := strings.ToLower(rel)
	return !strings.HasSuffix(lower, ".lua") && !strings.HasSuffix(lower, ".db")
}

// private reports whether the file at full (opened, with info) is one of
// Env.Private, the same file under another name (a hard link), or one whose
// name extends a private file's name with "." in the same folder.
func (b *binder) private(full string, info os.FileInfo) bool {
	for _, p := range b.env.Private {
		if pi, err := os.Stat(p); err == nil && os.SameFile(pi, info) {
			return true
		}
		dir, err := filepath.EvalSymlinks(filepath.Dir(p))
		if err != nil {
			dir = filepath.Dir(p)
		}
		if filepath.Dir(full) == dir && strings.HasPrefix(filepath.Base(full), filepath.Base(p)+".") {
			return true
		}
	}
	return false
}

// fileRef is a file named by a message table: file = "path", relative to the
// script's folder, plus the optional file_type for group/C2C media.
type fileRef struct {
	path     string
	fileType int
}

// messageArg reads argument n as a message (see messageBody) and takes the
// file = "path" and file_type = n fields out of it.
func (b *binder) messageArg(L *lua.LState, n int) (map[string]any, *fileRef) {
	body := b.messageBody(L, n)
	v, ok := body["file"]
	if !ok {
		return body, nil
	}
	p, isStr := v.(string)
	if !isStr || p == "" {
		raise(L, "bad argument #%d: file must be a path string inside the script's folder", n)
	}
	if filepath.IsAbs(p) || strings.HasPrefix(p, "/") || strings.HasPrefix(p, `\`) {
		raise(L, "bad argument #%d: file %q must be relative to the script's folder", n, p)
	}
	ref := &fileRef{path: p}
	if ft, ok := body["file_type"].(json.Number); ok {
		i, _ := ft.Int64()
		ref.fileType = int(i)
	}
	delete(body, "file")
	delete(body, "file_type")
	return body, ref
}

// readFile loads ref from the script's folder, on the worker goroutine. The
// path is resolved with symlinks and must stay inside the folder; files over
// openapi.MaxUploadSize are refused before reading them.
func (b *binder) readFile(ref *fileRef) (*openapi.File, error) {
	if ref == nil {
		return nil, nil
	}
	if b.env.Dir == "" {
		return nil, fmt.Errorf("file %s: the script has no folder", ref.path)
	}
	root, err := filepath.EvalSymlinks(b.env.Dir)
	if err != nil {
		return nil, fmt.Errorf("file %s: %w", ref.path, err)
	}
	full, err := filepath.EvalSymlinks(filepath.Join(root, filepath.FromSlash(ref.path)))
	if err != nil {
		return nil, fmt.Errorf("file %s: %w", ref.path, errors.Unwrap(err))
	}
	rel, err := filepath.Rel(root, full)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) || filepath.IsAbs(rel) {
		return nil, fmt.Errorf("file %s: %w", ref.path, errOutsideDir)
	}
	if !sendableName(ref.path) || !sendableName(rel) {
		return nil, fmt.Errorf("file %s: %w", ref.path, errNotSendable)
	}
	// Only regular files: opening a FIFO for reading waits for a writer,
	// forever, and a device can be endless. The kind is checked before the
	// open, and the open does not wait (nonBlocking) in case the name was
	// swapped for a FIFO in between; the opened file is checked again.
	if info, err := os.Stat(full); err != nil {
		return nil, fmt.Errorf("file %s: %w", ref.path, errors.Unwrap(err))
	} else if !info.Mode().IsRegular() {
		return nil, fmt.Errorf("file %s: not a regular file", ref.path)
	}
	f, err := os.OpenFile(full, os.O_RDONLY|nonBlocking, 0)
	if err != nil {
		return nil, fmt.Errorf("file %s: %w", ref.path, errors.Unwrap(err))
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("file %s: %w", ref.path, err)
	}
	if !info.Mode().IsRegular() {
		return nil, fmt.Errorf("file %s: not a regular file", ref.path)
	}
	if b.private(full, info) {
		return nil, fmt.Errorf("file %s: %w", ref.path, errPrivateFile)
	}
	if info.Size() > openapi.MaxUploadSize {
		return nil, fmt.Errorf("file %s: %w: %d bytes, the limit is %d", ref.path, openapi.ErrTooLarge, info.Size(), openapi.MaxUploadSize)
	}
	data, err := io.ReadAll(io.LimitReader(f, openapi.MaxUploadSize+1))
	if err != nil {
		return nil, fmt.Errorf("file %s: %w", ref.path, err)
	}
	if len(data) > openapi.MaxUploadSize {
		return nil, fmt.Errorf("file %s: %w", ref.path, openapi.ErrTooLarge)
	}
	return &openapi.File{Name: filepath.Base(full), Data: data, Type: ref.fileType}, nil
}

// noResults is the Finish of a call whose results the script discards
// (resultsUnused): its answer is not decoded, nor its error built.
func noResults(*lua.LState) []lua.LValue { return nil }

// finishRaw turns a REST outcome into Lua values: nil, err on failure; true
// for an empty answer; else the decoded body. A send held for audit is not a
// failure: its table gets pending_audit = true and audit_id.
func (b *binder) finishRaw(raw json.RawMessage, err error) Finish {
	return func(L *lua.LState) []lua.LValue {
		if err != nil {
			return b.failValues(L, err)
		}
		if len(raw) == 0 {
			return []lua.LValue{lua.LTrue}
		}
		v, derr := b.codec.decode(L, raw, true)
		if derr != nil {
			return b.failValues(L, derr)
		}
		if a, ok := openapi.AuditOf(raw); ok {
			if t, isTable := v.(*lua.LTable); isTable {
				t.RawSetString("pending_audit", lua.LTrue)
				t.RawSetString("audit_id", lua.LString(a.ID))
			}
		}
		return []lua.LValue{v}
	}
}

// messageBody reads argument n as a message: a string is text content, a
// table holds message body fields as the platform names them.
func (b *binder) messageBody(L *lua.LState, n int) map[string]any {
	switch v := L.Get(n).(type) {
	case lua.LString:
		if v == "" {
			raise(L, "bad argument #%d: message is empty", n)
		}
		// The body is encoded later, outside the script's call; make sure
		// it fits the same limit as a table body.
		if quotedLen(string(v)) > maxEncoded {
			raise(L, "bad argument #%d: message content over the %d-byte limit", n, maxEncoded)
		}
		return map[string]any{"content": string(v)}
	case *lua.LTable:
		g, err := b.codec.toGo(v)
		if err != nil {
			raise(L, "bad argument #%d: %v", n, err)
		}
		m, ok := g.(map[string]any)
		if !ok {
			raise(L, "bad argument #%d: message table needs fields like content=, not a list", n)
		}
		return m
	default:
		raise(L, "bad argument #%d: message must be a string or a table, got %s", n, v.Type())
	}
	return nil
}
