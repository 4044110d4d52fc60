//go:build unix

package host

import (
	"os"
	"syscall"
)

// fileOwner returns the user id owning the file at path (not following a
// final symlink).
func fileOwner(path string) (int, error) {
	info, err := os.Lstat(path)
	if err != nil {
		return 0, err
	}
	st, ok := info.Sys().(*syscall.Stat_t)
	if !ok {
		return 0, errNoPeerCred
	}
	return int(st.Uid), nil
}
