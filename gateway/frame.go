package gateway

import (
	"encoding/json"
	"errors"
	"strconv"

	"github.com/luabot/luabot/internal/jsonscan"
)

// Every event crosses the gateway as one frame, and most of a frame is its
// d payload, which the scripts decode lazily. DecodeEvent therefore reads
// only the envelope (op, s, t, id) and takes d as raw bytes, checking that
// it is well formed without building anything from it (internal/jsonscan,
// the scanner the Lua bindings read events with); encoding/json would
// validate the whole frame and then scan d a second time.

var errBadFrame = errors.New("gateway: malformed frame")

// maxSeq bounds the sequence numbers taken from the platform: 2^53, beyond which JSON
// numbers stop being exact in most clients and which no session reaches by counting
// events. A larger "s" would be echoed in every heartbeat and resume and make the
// client skip every later dispatch of a resumed session as already delivered.
const maxSeq = 1 << 53

// DecodeEvent decodes a frame's envelope. For a dispatch (op 0) ev holds
// its type, sequence number, event id and raw d.
func DecodeEvent(data []byte) (ev Event, op int, err error) {
	f, err := decodeFrame(data)
	if err != nil {
		return Event{}, 0, err
	}
	return Event{Type: f.T, Seq: f.S, ID: f.ID, Data: f.D}, f.Op, nil
}

func decodeFrame(data []byte) (frame, error) {
	var f frame
	var bad bool
	err := jsonscan.Fields(data, func(key []byte, v jsonscan.Span) bool {
		raw := data[v.Start:v.End]
		switch string(key) {
		case "op":
			n, err := strconv.Atoi(string(raw))
			if err != nil {
				bad = true
				return false
			}
			f.Op = n
		case "s":
			if string(raw) != "null" {
				// A seq that cannot be one does not make the event undeliverable: it is
				// delivered unnumbered and the caller says so (readLoop).
				n, err := strconv.ParseUint(string(raw), 10, 64)
				if err != nil || n > maxSeq {
					f.badSeq = oneLineRaw(raw)
				} else {
					f.S = n
				}
			}
		case "t", "id":
			var v string
			if string(raw) != "null" {
				s := jsonscan.Scanner{Data: raw}
				var err error
				if v, err = s.String(); err != nil {
					bad = true
					return false
				}
			}
			if string(key) == "t" {
				f.T = v
			} else {
				f.ID = v
			}
		case "d":
			if string(raw) != "null" {
				f.D = json.RawMessage(raw)
			}
		}
		return true
	})
	if err != nil || bad {
		return frame{}, errBadFrame
	}
	return f, nil
}
