package host

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"
)

// The control socket lets `luabot repl --attach` evaluate Lua inside a
// running bot's scripts, and `luabot backup` and `luabot kv check` reach
// the kv file the running bot holds locked. It is a unix socket only the
// owner can open: the file is mode 0600 and each connection's peer must
// run as the same user (SO_PEERCRED where the system has it). The
// protocol is one JSON object per line each way.

// ControlRequest is one request on the control socket.
type ControlRequest struct {
	Op     string `json:"op"` // "eval", "complete", "scripts", "backup" or "check"
	Script string `json:"script,omitempty"`
	Code   string `json:"code,omitempty"`
	// Path is where "backup" writes the copy of the store: an absolute
	// path, written by this process (the client runs as the same user).
	Path string `json:"path,omitempty"`
}

// ControlResponse answers a ControlRequest.
type ControlResponse struct {
	Out        string `json:"out,omitempty"` // eval: the result; backup: the bytes written
	Err        string `json:"err,omitempty"`
	Incomplete bool   `json:"incomplete,omitempty"`
	// Names are completions, script names, or the problems "check" found.
	Names []string `json:"names,omitempty"`
}

// evalTimeout bounds one evaluation over the socket.
const evalTimeout = time.Minute

// listenControl opens the control socket at path. Run opens it before
// the bot connects, so that whoever sees the bot online can attach.
func (h *Host) listenControl(path string) (net.Listener, error) {
	if err := controlDirOK(path); err != nil {
		return nil, err
	}
	if c, err := DialControl(path); err == nil {
		c.Close()
		return nil, fmt.Errorf("control socket %s is in use: another luabot runs on the same data file", path)
	} else if owner := (*ControlOwnerError)(nil); errors.As(err, &owner) {
		return nil, fmt.Errorf("control socket %s is already served by user %d, not by us: remove it, and keep the data "+
			"file in a folder only you can write to", path, owner.UID)
	}
	_ = os.Remove(path) // a stale socket of a process that died
	ln, err := net.Listen("unix", path)
	if err != nil {
		return nil, fmt.Errorf("control socket: %w", err)
	}
	if err := os.Chmod(path, 0o600); err != nil {
		ln.Close()
		return nil, fmt.Errorf("control socket: %w", err)
	}
	h.log.Info("control socket open", "path", path)
	return ln, nil
}

// openControl opens Config.ControlSocket, or returns nil (none configured,
// or it could not be opened: that is logged).
func (h *Host) openControl() net.Listener {
	if h.cfg.ControlSocket == "" {
		return nil
	}
	ln, err := h.listenControl(h.cfg.ControlSocket)
	if err != nil {
		h.log.Error("control socket not opened", "err", err)
		return nil
	}
	return ln
}

// controlStarting answers on ln while the source starts, before any script
// runs: the kv file's requests (backup, check) are served, eval and
// complete are refused. The stop it returns ends the accepting without
// closing ln, so connections waiting on it go to serveControl; it lets the
// requests under way finish and closes the connections it took.
func (h *Host) controlStarting(ctx context.Context, ln net.Listener) (stop func()) {
	ul, ok := ln.(*net.UnixListener)
	if !ok {
		return func() {}
	}
	ctx, cancel := context.WithCancel(ctx)
	var conns sync.WaitGroup
	accepting := make(chan struct{})
	go func() {
		defer close(accepting)
		h.acceptControl(ctx, ul, os.Getuid(), true, &conns)
	}()
	return func() {
		ul.SetDeadline(time.Now())
		<-accepting
		cancel()
		conns.Wait()
		ul.SetDeadline(time.Time{})
	}
}

// serveControl answers control requests on ln until ctx ends, then closes
// ln and removes its socket file. allowUID is the only user id allowed to
// connect.
func (h *Host) serveControl(ctx context.Context, ln net.Listener, path string, allowUID int) error {
	var wg sync.WaitGroup
	defer wg.Wait()
	stop := context.AfterFunc(ctx, func() { ln.Close() })
	defer stop()
	defer os.Remove(path)
	if err := h.acceptControl(ctx, ln, allowUID, false, &wg); err != nil && ctx.Err() == nil {
		return fmt.Errorf("control socket: %w", err)
	}
	return nil
}

// acceptControl serves each connection to ln in a goroutine of wg until
// Accept fails; starting limits them to controlStarting's requests.
func (h *Host) acceptControl(ctx context.Context, ln net.Listener, allowUID int, starting bool, wg *sync.WaitGroup) error {
	for {
		conn, err := ln.Accept()
		if err != nil {
			return err
		}
		uid, err := peerUID(conn)
		if err == nil && uid != allowUID {
			err = fmt.Errorf("user %d is not the owner", uid)
		}
		if err != nil && !errors.Is(err, errNoPeerCred) {
			h.log.Warn("control connection refused", "err", err)
			conn.Close()
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			h.controlConn(ctx, conn, starting)
		}()
	}
}

// controlConn serves one client until it disconnects or ctx ends.
func (h *Host) controlConn(ctx context.Context, conn net.Conn, starting bool) {
	defer conn.Close()
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	sc := bufio.NewScanner(conn)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	enc := json.NewEncoder(conn)
	for sc.Scan() {
		var req ControlRequest
		var resp ControlResponse
		if err := json.Unmarshal(sc.Bytes(), &req); err != nil {
			resp.Err = "bad request: " + err.Error()
		} else if starting && (req.Op == "eval" || req.Op == "complete") {
			resp.Err = "the bot is still starting: its scripts run once it has reached the platform; attach again then"
		} else {
			resp = h.control(ctx, req)
		}
		if err := enc.Encode(resp); err != nil {
			return
		}
	}
}

func (h *Host) control(ctx context.Context, req ControlRequest) ControlResponse {
	switch req.Op {
	case "scripts":
		return ControlResponse{Names: h.Scripts()}
	case "complete":
		names, err := h.Complete(req.Script, req.Code)
		if err != nil {
			return ControlResponse{Err: err.Error()}
		}
		return ControlResponse{Names: names}
	case "eval":
		ctx, cancel := context.WithTimeout(ctx, evalTimeout)
		defer cancel()
		out, err := h.Eval(ctx, req.Script, req.Code)
		switch {
		case errors.Is(err, ErrIncomplete):
			return ControlResponse{Incomplete: true}
		case err != nil:
			return ControlResponse{Out: out, Err: err.Error()}
		}
		return ControlResponse{Out: out}
	}
	return h.storeControl(req)
}

// storeControl answers the requests about the kv file. They go through
// the running process because it holds the file's lock exclusively
// (bbolt's flock): no other process may even read it meanwhile.
func (h *Host) storeControl(req ControlRequest) ControlResponse {
	switch req.Op {
	case "backup":
		if !filepath.IsAbs(req.Path) {
			return ControlResponse{Err: fmt.Sprintf("backup: %q is not an absolute path", req.Path)}
		}
		fs, ok := h.cfg.Store.(fileStore)
		if !ok {
			return ControlResponse{Err: "backup: the kv store is not a local file"}
		}
		n, err := fs.WriteBackup(req.Path)
		if err != nil {
			return ControlResponse{Err: err.Error()}
		}
		h.log.Info("kv backup written", "path", req.Path, "bytes", n)
		return ControlResponse{Out: strconv.FormatInt(n, 10)}
	case "check":
		fs, ok := h.cfg.Store.(fileStore)
		if !ok {
			return ControlResponse{Err: "check: the kv store is not a local file"}
		}
		problems, err := fs.Check()
		if err != nil {
			return ControlResponse{Err: err.Error()}
		}
		return ControlResponse{Names: problems}
	}
	return ControlResponse{Err: fmt.Sprintf("unknown op %q", req.Op)}
}
