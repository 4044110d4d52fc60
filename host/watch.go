package host

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/fsnotify/fsnotify"
)

// debounce is how long a burst of file events must be quiet before the
// scripts reload: editors write a file in several steps (truncate, write,
// rename over), and one save should be one reload.
const debounce = 25 * time.Millisecond

// fileWatch is an open watch on the scripts' folders. It is opened before
// the host starts taking events (serve), so a file saved once the bot is
// connected is never missed: the watch is already in place.
type fileWatch struct {
	w       *fsnotify.Watcher
	folders map[string]bool // folders given as arguments: every *.lua in them is a script
	files   map[string]bool // files given as arguments
	dirs    int             // folders watched
}

// openWatch watches args, the command-line script files and folders: a
// folder's new *.lua files load, deleted ones unload. The folders are
// watched rather than the files so that editors that save by renaming a
// new file over the old are seen.
func openWatch(args []string) (*fileWatch, error) {
	w, err := fsnotify.NewWatcher()
	if err != nil {
		return nil, fmt.Errorf("watch scripts: %w", err)
	}
	fw := &fileWatch{w: w, folders: map[string]bool{}, files: map[string]bool{}}
	watched := map[string]bool{}
	for _, arg := range args {
		abs, err := filepath.Abs(arg)
		if err != nil {
			w.Close()
			return nil, err
		}
		dir := abs
		if info, err := os.Stat(abs); err == nil && info.IsDir() {
			fw.folders[abs] = true
		} else {
			fw.files[abs] = true
			dir = filepath.Dir(abs)
		}
		if !watched[dir] {
			if err := w.Add(dir); err != nil {
				w.Close()
				return nil, fmt.Errorf("watch %s: %w", dir, err)
			}
			watched[dir] = true
		}
	}
	fw.dirs = len(watched)
	return fw, nil
}

// watch reloads scripts when the files fw watches change, until ctx ends,
// and closes fw.
func (h *Host) watch(ctx context.Context, fw *fileWatch) {
	w, folders, files := fw.w, fw.folders, fw.files
	defer w.Close()
	pending := map[string]bool{}
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case err, ok := <-w.Errors:
			if !ok {
				return
			}
			h.log.Warn("file watcher", "err", err)
		case ev, ok := <-w.Events:
			if !ok {
				return
			}
			if !strings.HasSuffix(ev.Name, ".lua") || ev.Op == fsnotify.Chmod {
				continue
			}
			pending[ev.Name] = true
			timer.Reset(debounce)
		case <-timer.C:
			changed := make([]string, 0, len(pending))
			for p := range pending {
				changed = append(changed, p)
			}
			clear(pending)
			sort.Strings(changed)
			h.reloadChanged(changed, folders, files)
		}
	}
}

// reloadChanged reloads the scripts affected by changed .lua files: a
// script file itself, a new or deleted file in a script folder, or a
// module required by scripts in the same folder.
func (h *Host) reloadChanged(changed []string, folders, files map[string]bool) {
	todo := map[string]bool{}
	for _, path := range changed {
		isScript := files[path] || (folders[filepath.Dir(path)] && IsScript(path))
		if lib, err := IsLibrary(path); isScript && !files[path] && (lib || err != nil && !h.loaded(path)) {
			// A library in a script folder is a module; so is a deleted
			// file that was not running as a script.
			isScript = false
		}
		if isScript {
			todo[path] = true
			continue
		}
		// A module: reload every running script whose folder holds it.
		for _, s := range h.list() {
			dir, err := filepath.Abs(filepath.Dir(s.path))
			if err == nil && within(dir, path) {
				todo[s.path] = true
			}
		}
	}
	paths := make([]string, 0, len(todo))
	for p := range todo {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, p := range paths {
		_ = h.Reload(h.displayPath(p)) // errors are logged by Reload
	}
}

// displayPath maps an absolute path back to the form a loaded script was
// given in, so names and messages stay as the user typed them.
func (h *Host) displayPath(abs string) string {
	for _, s := range h.list() {
		if a, err := filepath.Abs(s.path); err == nil && a == abs {
			return s.path
		}
	}
	if wd, err := os.Getwd(); err == nil {
		if rel, err := filepath.Rel(wd, abs); err == nil && !strings.HasPrefix(rel, "..") {
			return rel
		}
	}
	return abs
}

// loaded reports whether a running script was loaded from abs.
func (h *Host) loaded(abs string) bool {
	for _, s := range h.list() {
		if a, err := filepath.Abs(s.path); err == nil && a == abs {
			return true
		}
	}
	return false
}
