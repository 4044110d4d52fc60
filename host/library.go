package host

import (
	"io"
	"os"
	"path/filepath"
	"sort"
)

// Libraries are Lua files a script requires and that are never run as a
// bot of their own. A folder argument used to load every top-level .lua
// as a script, so inspect.lua placed beside bot.lua for require also ran
// as a bot. Two marks make a file a library, for run, dev, test and check
// alike:
//
//   - it lies in a folder named lib (LibraryFolder), which require also
//     searches, so require("inspect") finds lib/inspect.lua;
//   - its header says so: "-- luabot: library" among its first lines, for
//     a library that must sit beside the script (a vendored file under
//     another name, a module with submodules).
//
// A file named explicitly on the command line is a script whatever it says.
const LibraryFolder = "lib"

// libraryHeader is the header field that marks a library.
const libraryHeader = "library"

// isLibrarySource reports whether src's header marks it as a library.
func isLibrarySource(src string) bool {
	for _, hf := range headerFields(src) {
		if hf.field == libraryHeader {
			return true
		}
	}
	return false
}

// IsLibrary reports whether the file at path is a library: inside a
// folder named lib, or marked so in its header. Only the start of the
// file is read.
func IsLibrary(path string) (bool, error) {
	if filepath.Base(filepath.Dir(path)) == LibraryFolder {
		return true, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return false, err
	}
	defer f.Close()
	head := make([]byte, 4096)
	n, err := io.ReadFull(f, head)
	if err != nil && err != io.ErrUnexpectedEOF && err != io.EOF {
		return false, err
	}
	return isLibrarySource(string(head[:n])), nil
}

// ScriptsIn lists the scripts of a folder, sorted: its top-level .lua
// files but tests, editors' declaration files (IsScript) and libraries. A
// folder named lib has none.
func ScriptsIn(dir string) ([]string, error) {
	if filepath.Base(filepath.Clean(dir)) == LibraryFolder {
		return nil, nil
	}
	matches, err := filepath.Glob(filepath.Join(dir, "*.lua"))
	if err != nil {
		return nil, err
	}
	sort.Strings(matches)
	var out []string
	for _, m := range matches {
		if !IsScript(m) {
			continue
		}
		lib, err := IsLibrary(m)
		if err != nil {
			return nil, err
		}
		if !lib {
			out = append(out, m)
		}
	}
	return out, nil
}
