package bindings

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestReadFile_StaysInsideScriptFolder(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "bot")
	if err := os.MkdirAll(filepath.Join(dir, "img"), 0o755); err != nil {
		t.Fatal(err)
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.WriteFile(filepath.Join(dir, "img", "cat.png"), []byte("PNG"), 0o644))
	must(os.WriteFile(filepath.Join(root, "secret.txt"), []byte("no"), 0o644))
	must(os.Symlink(filepath.Join(root, "secret.txt"), filepath.Join(dir, "link.txt")))
	b := &binder{env: Env{Dir: dir}}

	f, err := b.readFile(&fileRef{path: "img/cat.png", fileType: 1})
	if err != nil || string(f.Data) != "PNG" || f.Name != "cat.png" || f.Type != 1 {
		t.Fatalf("readFile = %+v, %v", f, err)
	}
	for _, p := range []string{"../secret.txt", "img/../../secret.txt", "link.txt"} {
		if _, err := b.readFile(&fileRef{path: p}); !errors.Is(err, errOutsideDir) {
			t.Errorf("readFile(%q) = %v, want errOutsideDir", p, err)
		}
	}
	if _, err := b.readFile(&fileRef{path: "missing.png"}); err == nil {
		t.Error("missing file read")
	}
	if f, err := b.readFile(nil); f != nil || err != nil {
		t.Errorf("readFile(nil) = %v, %v", f, err)
	}
}
