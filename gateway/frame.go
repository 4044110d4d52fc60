package gateway

import (
	"encoding/json"
	"errors"
	"strconv"
	"unicode/utf8"
)

// Every event crosses the gateway as one frame, and most of a frame is its
// d payload, which the scripts decode lazily. DecodeEvent therefore reads
// only the envelope (op, s, t, id) and takes d as raw bytes, checking that
// it is well formed without building anything from it; encoding/json
// would validate the whole frame and then scan d a second time.

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
	s := scanner{data: data}
	s.ws()
	if !s.eat('{') {
		return f, errBadFrame
	}
	s.ws()
	if s.eat('}') {
		return f, nil
	}
	for {
		s.ws()
		key, ok := s.str()
		if !ok {
			return f, errBadFrame
		}
		s.ws()
		if !s.eat(':') {
			return f, errBadFrame
		}
		s.ws()
		start := s.pos
		if !s.skip() {
			return f, errBadFrame
		}
		raw := data[start:s.pos]
		switch key {
		case "op":
			n, err := strconv.Atoi(string(raw))
			if err != nil {
				return f, errBadFrame
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
				if err := unquote(raw, &v); err != nil {
					return f, errBadFrame
				}
			}
			if key == "t" {
				f.T = v
			} else {
				f.ID = v
			}
		case "d":
			if string(raw) != "null" {
				f.D = json.RawMessage(raw)
			}
		}
		s.ws()
		if s.eat('}') {
			return f, nil
		}
		if !s.eat(',') {
			return f, errBadFrame
		}
	}
}

// unquote decodes a JSON string, quickly when it has no escapes.
func unquote(raw []byte, v *string) error {
	if len(raw) >= 2 && raw[0] == '"' && raw[len(raw)-1] == '"' {
		inner := raw[1 : len(raw)-1]
		plain := true
		for _, c := range inner {
			if c == '\\' || c < 0x20 {
				plain = false
				break
			}
		}
		if plain && utf8.Valid(inner) {
			*v = string(inner)
			return nil
		}
	}
	return json.Unmarshal(raw, v)
}

// scanner walks JSON text, checking its structure as it skips values.
type scanner struct {
	data  []byte
	pos   int
	depth int
}

func (s *scanner) ws() {
	for s.pos < len(s.data) {
		switch s.data[s.pos] {
		case ' ', '\t', '\n', '\r':
			s.pos++
		default:
			return
		}
	}
}

func (s *scanner) eat(c byte) bool {
	if s.pos < len(s.data) && s.data[s.pos] == c {
		s.pos++
		return true
	}
	return false
}

// str reads a string and returns it when it has no escapes (keys).
func (s *scanner) str() (string, bool) {
	start := s.pos
	if !s.skipString() {
		return "", false
	}
	var v string
	if err := unquote(s.data[start:s.pos], &v); err != nil {
		return "", false
	}
	return v, true
}

func (s *scanner) skipString() bool {
	if !s.eat('"') {
		return false
	}
	for s.pos < len(s.data) {
		c := s.data[s.pos]
		switch {
		case c == '"':
			s.pos++
			return true
		case c == '\\':
			s.pos += 2
		case c < 0x20:
			return false
		default:
			s.pos++
		}
	}
	return false
}

// skip moves past one value, checking brackets, strings and literals.
func (s *scanner) skip() bool {
	if s.pos >= len(s.data) {
		return false
	}
	switch c := s.data[s.pos]; {
	case c == '"':
		return s.skipString()
	case c == '{' || c == '[':
		s.depth++
		if s.depth > 1000 {
			return false
		}
		defer func() { s.depth-- }()
		end := byte('}')
		if c == '[' {
			end = ']'
		}
		s.pos++
		s.ws()
		if s.eat(end) {
			return true
		}
		for {
			s.ws()
			if c == '{' {
				if !s.skipString() {
					return false
				}
				s.ws()
				if !s.eat(':') {
					return false
				}
				s.ws()
			}
			if !s.skip() {
				return false
			}
			s.ws()
			if s.eat(end) {
				return true
			}
			if !s.eat(',') {
				return false
			}
		}
	case c == 't':
		return s.literal("true")
	case c == 'f':
		return s.literal("false")
	case c == 'n':
		return s.literal("null")
	case c == '-' || (c >= '0' && c <= '9'):
		start := s.pos
		for s.pos < len(s.data) {
			c := s.data[s.pos]
			if (c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E' {
				s.pos++
				continue
			}
			break
		}
		_, err := strconv.ParseFloat(string(s.data[start:s.pos]), 64)
		return err == nil
	}
	return false
}

func (s *scanner) literal(word string) bool {
	if len(s.data)-s.pos >= len(word) && string(s.data[s.pos:s.pos+len(word)]) == word {
		s.pos += len(word)
		return true
	}
	return false
}
