//go:build unix

package bindings

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// With luabot started in the bot's folder, the data file and its sidecars
// sit beside the scripts: none of them can be sent, under any name.
func TestReadFile_RefusesTheDataFileAndItsSidecars(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "luabot.db")
	for name, body := range map[string]string{"luabot.db": "bbolt", "luabot.db.status.json": "{}", "cat.png": "PNG"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Link(data, filepath.Join(dir, "innocent.png")); err != nil {
		t.Fatal(err)
	}
	b := &binder{env: Env{Dir: dir, Private: []string{data}}}
	for _, p := range []string{"luabot.db", "./luabot.db", "luabot.db.status.json", "innocent.png"} {
		// A .db name is refused by its name first (errNotSendable).
		if _, err := b.readFile(&fileRef{path: p}); !errors.Is(err, errPrivateFile) && !errors.Is(err, errNotSendable) {
			t.Errorf("readFile(%q) = %v, want errPrivateFile", p, err)
		}
	}
	if f, err := b.readFile(&fileRef{path: "cat.png"}); err != nil || string(f.Data) != "PNG" {
		t.Errorf("an ordinary file beside them: %v", err)
	}
}

// A FIFO is refused at once instead of blocking the worker (and shutdown)
// forever waiting for a writer.
func TestReadFile_FIFODoesNotBlock(t *testing.T) {
	dir := t.TempDir()
	if err := syscall.Mkfifo(filepath.Join(dir, "pipe.png"), 0o600); err != nil {
		t.Skip("no FIFOs here:", err)
	}
	b := &binder{env: Env{Dir: dir}}
	done := make(chan error, 1)
	go func() {
		_, err := b.readFile(&fileRef{path: "pipe.png"})
		done <- err
	}()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "not a regular file") {
			t.Fatalf("readFile(FIFO) = %v, want not a regular file", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("readFile of a FIFO blocked")
	}
}
