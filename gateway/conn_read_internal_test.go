package gateway

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gorilla/websocket"
)

// Frames read through the kept buffer arrive whole and each in a slice of
// its own (an event keeps its frame's bytes while the next is read); a
// buffer a large frame grew is not kept.
func TestConn_ReadKeepsEachFrameApart(t *testing.T) {
	frames := [][]byte{[]byte(`{"op":11}`), bytes.Repeat([]byte("x"), 3*keptReadBuffer), []byte(`{"op":0,"t":"A"}`), {}}
	dial := frameServer(t, func(ws *websocket.Conn) {
		for _, f := range frames {
			if err := ws.WriteMessage(websocket.TextMessage, f); err != nil {
				return
			}
		}
		ws.ReadMessage() // until the client closes
	})
	conn := &wsConn{ws: dial(t)}
	var got [][]byte
	for range frames {
		data, err := conn.read()
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, data)
		if conn.rbuf.Cap() > keptReadBuffer {
			t.Errorf("a %d-byte read buffer kept after a %d-byte frame", conn.rbuf.Cap(), len(data))
		}
	}
	for i, f := range frames {
		if !bytes.Equal(got[i], f) {
			t.Errorf("frame %d: %d bytes %.20q, want %d bytes %.20q", i, len(got[i]), got[i], len(f), f)
		}
	}
}

// BenchmarkConn_Read reads 1 KB frames through the kept buffer and through
// websocket's ReadMessage, side by side.
func BenchmarkConn_Read(b *testing.B) {
	frame := bytes.Repeat([]byte("x"), 1024)
	dial := frameServer(b, func(ws *websocket.Conn) {
		for ws.WriteMessage(websocket.TextMessage, frame) == nil {
		}
	})
	for _, c := range []struct {
		name string
		read func(*wsConn) ([]byte, error)
	}{
		{"kept-buffer", (*wsConn).read},
		{"ReadMessage", func(w *wsConn) ([]byte, error) { _, p, err := w.ws.ReadMessage(); return p, err }},
	} {
		b.Run(c.name, func(b *testing.B) {
			conn := &wsConn{ws: dial(b)}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := c.read(conn); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// frameServer serves a WebSocket that serve writes to, for the test's
// length, and returns how to connect to it (a connection closes with the
// test or benchmark that dialled).
func frameServer(tb testing.TB, serve func(*websocket.Conn)) (dial func(testing.TB) *websocket.Conn) {
	up := websocket.Upgrader{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ws, err := up.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer ws.Close()
		serve(ws)
	}))
	tb.Cleanup(srv.Close)
	return func(tb testing.TB) *websocket.Conn {
		ws, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(srv.URL, "http"), nil)
		if err != nil {
			tb.Fatal(err)
		}
		tb.Cleanup(func() { ws.Close() })
		return ws
	}
}
