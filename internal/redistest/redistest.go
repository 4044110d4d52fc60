// Package redistest starts a real redis-server for tests: on a free
// loopback port, with its own temporary folder, stopped when the test ends.
// Tests that need Redis call Start; when the binary is missing they are
// skipped with the reason printed, never silently passed.
package redistest

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Binary is where Debian's redis-server package installs the server.
const Binary = "/usr/bin/redis-server"

// startWait bounds how long Start waits for the server to answer.
const startWait = 10 * time.Second

// Server is one redis-server process owned by a test.
type Server struct {
	t    testing.TB
	dir  string
	port int
	cmd  *exec.Cmd
	done chan struct{}
}

// binary returns the redis-server to run, or "" when there is none.
func binary() string {
	if p, err := exec.LookPath("redis-server"); err == nil {
		return p
	}
	if _, err := os.Stat(Binary); err == nil {
		return Binary
	}
	return ""
}

// Start runs a redis-server for t and stops it when t ends; t is skipped
// when redis-server is not installed.
func Start(t testing.TB) *Server {
	t.Helper()
	if binary() == "" {
		t.Skip("redis-server is not installed (apt-get install redis-server): skipping the Redis test")
	}
	s := &Server{t: t, dir: t.TempDir()}
	s.port = freePort(t)
	s.Restart()
	t.Cleanup(s.Stop)
	return s
}

// freePort asks the kernel for a loopback port nobody listens on.
func freePort(t testing.TB) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("redistest: no free port: %v", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// Addr is the server's host:port.
func (s *Server) Addr() string { return "127.0.0.1:" + strconv.Itoa(s.port) }

// URL is the server's redis:// URL with database db.
func (s *Server) URL(db int) string { return fmt.Sprintf("redis://%s/%d", s.Addr(), db) }

// Restart starts the server again on the same port after Stop (or the
// first time) and waits until it answers PING. Nothing is persisted: a
// restarted server is empty.
func (s *Server) Restart() {
	s.t.Helper()
	if s.cmd != nil {
		s.t.Fatalf("redistest: Restart while the server runs")
	}
	cmd := exec.Command(binary(),
		"--port", strconv.Itoa(s.port), "--bind", "127.0.0.1",
		"--dir", s.dir, "--save", "", "--appendonly", "no",
		"--daemonize", "no", "--logfile", filepath.Join(s.dir, "redis.log"))
	if err := cmd.Start(); err != nil {
		s.t.Fatalf("redistest: start redis-server: %v", err)
	}
	s.cmd, s.done = cmd, make(chan struct{})
	go func(done chan struct{}) { _ = cmd.Wait(); close(done) }(s.done)
	deadline := time.Now().Add(startWait)
	for {
		if s.ping() == nil {
			return
		}
		select {
		case <-s.done:
			log, _ := os.ReadFile(filepath.Join(s.dir, "redis.log"))
			s.cmd = nil
			s.t.Fatalf("redistest: redis-server exited at start:\n%s", log)
		case <-time.After(20 * time.Millisecond): // polling the port: the server gives no other signal
		}
		if time.Now().After(deadline) {
			s.Stop()
			s.t.Fatalf("redistest: redis-server did not answer within %s", startWait)
		}
	}
}

// Stop ends the server (SIGKILL: an outage, not a shutdown) and waits for it.
func (s *Server) Stop() {
	if s.cmd == nil {
		return
	}
	_ = s.cmd.Process.Kill()
	<-s.done
	s.cmd = nil
}

// ping sends one PING in the inline protocol.
func (s *Server) ping() error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	var d net.Dialer
	c, err := d.DialContext(ctx, "tcp", s.Addr())
	if err != nil {
		return err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(time.Second))
	if _, err := c.Write([]byte("PING\r\n")); err != nil {
		return err
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return err
	}
	if !strings.HasPrefix(line, "+PONG") {
		return fmt.Errorf("redistest: PING answered %q", strings.TrimSpace(line))
	}
	return nil
}
