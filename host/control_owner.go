package host

import (
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
)

// Who may stand behind a control socket, checked from both ends.
//
// The socket carries Lua code to evaluate and paths to write backups to,
// so a client must not talk to a socket someone else created, and the bot
// must not create its socket where someone else can replace it:
//
//   - The client (repl --attach, backup, kv check) asks the kernel who runs
//     the process it connected to (SO_PEERCRED) and refuses a socket whose
//     server is another user, before sending a byte. Where the kernel cannot
//     say, the socket file's owner stands in.
//   - The bot refuses to create its socket in a folder that other users can
//     write to, unless the folder has the sticky bit and belongs to us or to
//     root (like /tmp): there nobody else can delete or rename our socket
//     once it exists. Someone who creates the name first (a squatter) makes
//     the bot run without a socket and say why, and the client check above
//     refuses to talk to the squatter.

// ControlOwnerError is a control socket served by another user.
type ControlOwnerError struct {
	Path string
	UID  int // the user serving it
	Want int // our user
}

func (e *ControlOwnerError) Error() string {
	return fmt.Sprintf("the control socket %s is served by user %d, not by you (user %d): refusing to use it; "+
		"another user may have created it before your bot started. Remove it, and keep the data file in a folder "+
		"only you can write to", e.Path, e.UID, e.Want)
}

// DialControl connects to the control socket at path and checks that the
// process serving it runs as the current user.
func DialControl(path string) (net.Conn, error) { return dialControlAs(path, os.Getuid()) }

func dialControlAs(path string, want int) (net.Conn, error) {
	conn, err := net.Dial("unix", path)
	if err != nil {
		return nil, err
	}
	uid, credErr := peerUID(conn)
	if errors.Is(credErr, errNoPeerCred) {
		uid, credErr = fileOwner(path)
	}
	if err := checkControlPeer(path, uid, credErr, want); err != nil {
		conn.Close()
		return nil, err
	}
	return conn, nil
}

// checkControlPeer is the client's decision: the server's user must be
// want; not knowing it is a refusal too.
func checkControlPeer(path string, uid int, credErr error, want int) error {
	if credErr != nil {
		return fmt.Errorf("control socket %s: cannot tell which user serves it (%v): refusing to use it", path, credErr)
	}
	if uid != want {
		return &ControlOwnerError{Path: path, UID: uid, Want: want}
	}
	return nil
}

// checkControlDir is the bot's decision about the folder of its socket:
// refused when others can write to it, unless it is sticky and owned by us
// or root.
func checkControlDir(dir string, mode fs.FileMode, owner, us int) error {
	if mode.Perm()&0o022 == 0 {
		return nil
	}
	if mode&fs.ModeSticky != 0 && (owner == us || owner == 0) {
		return nil
	}
	return fmt.Errorf("not opening the control socket in %s: other users can write to that folder (mode %04o), so "+
		"they could replace the socket and receive what `luabot repl --attach`, `backup` and `kv check` send; "+
		"keep the data file in a folder only you can write to (chmod go-w, or the sticky bit)", dir, mode.Perm()|stickyBits(mode))
}

func stickyBits(mode fs.FileMode) fs.FileMode {
	if mode&fs.ModeSticky != 0 {
		return 0o1000
	}
	return 0
}

// controlDirOK applies checkControlDir to the folder path lives in.
func controlDirOK(path string) error {
	dir := filepath.Dir(path)
	info, err := os.Stat(dir)
	if err != nil {
		return fmt.Errorf("control socket folder: %w", err)
	}
	owner, err := fileOwner(dir)
	if err != nil {
		return fmt.Errorf("control socket folder %s: %w", dir, err)
	}
	return checkControlDir(dir, info.Mode(), owner, os.Getuid())
}
