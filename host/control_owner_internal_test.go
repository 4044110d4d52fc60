package host

import (
	"errors"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The client's decision: a server run by another user is refused, and so
// is one whose user cannot be told.
func TestControl_ClientChecksTheServersUser(t *testing.T) {
	var owner *ControlOwnerError
	if err := checkControlPeer("/d/f.sock", 1001, nil, 1000); !errors.As(err, &owner) || owner.UID != 1001 ||
		!strings.Contains(err.Error(), "served by user 1001, not by you (user 1000)") {
		t.Errorf("another user's socket: %v", err)
	}
	if err := checkControlPeer("/d/f.sock", 1000, nil, 1000); err != nil {
		t.Errorf("our own socket: %v", err)
	}
	if err := checkControlPeer("/d/f.sock", 0, errNoPeerCred, 1000); err == nil || !strings.Contains(err.Error(), "cannot tell") {
		t.Errorf("unknown user: %v", err)
	}
}

// The bot's decision about the folder of its socket.
func TestControl_FolderOthersCanWriteIsRefused(t *testing.T) {
	const us, other = 1000, 1234
	for _, tt := range []struct {
		mode  fs.FileMode
		owner int
		ok    bool
	}{
		{0o700, us, true},
		{0o755, us, true},
		{0o775, us, false},                    // the group can replace the socket
		{0o777, us, false},                    // anyone can
		{0o777 | fs.ModeSticky, 0, true},      // /tmp: nobody can remove our socket
		{0o777 | fs.ModeSticky, us, true},     // our own sticky folder
		{0o777 | fs.ModeSticky, other, false}, // its owner can remove what is in it
	} {
		err := checkControlDir("/d", tt.mode|fs.ModeDir, tt.owner, us)
		if (err == nil) != tt.ok {
			t.Errorf("mode %v owner %d: %v, want ok=%v", tt.mode, tt.owner, err, tt.ok)
		}
		if err != nil && !strings.Contains(err.Error(), "other users can write") {
			t.Errorf("mode %v: unclear error %v", tt.mode, err)
		}
	}
}

// A squatter's socket (simulated: we cannot change user in a test, so the
// client is told to expect another one) gets not a byte from the client;
// the check passes for a socket of our own.
func TestControl_ClientRefusesASquattersSocket(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bot.db.sock")
	squatter, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	defer squatter.Close()
	got := make(chan int, 1)
	go func() {
		c, err := squatter.Accept()
		if err != nil {
			got <- -1
			return
		}
		defer c.Close()
		c.SetReadDeadline(time.Now().Add(5 * time.Second))
		b, _ := io.ReadAll(c)
		got <- len(b)
	}()
	var owner *ControlOwnerError
	if _, err := dialControlAs(path, os.Getuid()+1); !errors.As(err, &owner) || owner.UID != os.Getuid() {
		t.Fatalf("dial a socket served by user %d while being user %d: %v", os.Getuid(), os.Getuid()+1, err)
	}
	if n := <-got; n != 0 {
		t.Fatalf("the squatter received %d bytes", n)
	}
	conn, err := DialControl(path)
	if err != nil {
		t.Fatalf("our own socket: %v", err)
	}
	conn.Close()
}

// The real check on a folder of the test's own: writable by others
// without the sticky bit refuses the socket with a clear line; with it,
// the socket opens.
func TestControl_ListenRefusesAWorldWritableFolder(t *testing.T) {
	h := &Host{log: slog.New(slog.DiscardHandler)}
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o777); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "bot.db.sock")
	if _, err := h.listenControl(path); err == nil || !strings.Contains(err.Error(), "other users can write to that folder (mode 0777)") {
		t.Fatalf("listen in a 0777 folder: %v", err)
	}
	if _, err := os.Stat(path); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("socket file created anyway: %v", err)
	}
	if err := os.Chmod(dir, 0o777|fs.ModeSticky); err != nil {
		t.Fatal(err)
	}
	ln, err := h.listenControl(path)
	if err != nil {
		t.Fatalf("listen in a sticky folder of ours: %v", err)
	}
	ln.Close()
}
