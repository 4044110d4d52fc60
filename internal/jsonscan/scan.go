package jsonscan

import (
	"errors"
	"fmt"
	"unicode/utf16"
	"unicode/utf8"
)

// MaxDepth is how deep Skip lets arrays and objects nest.
const MaxDepth = 1000

// ErrSyntax is wrapped by every error the scanner returns about malformed text.
var ErrSyntax = errors.New("invalid JSON")

// Scanner reads JSON text from Data, starting at Pos, which each method moves past what
// it read.
type Scanner struct {
	Data  []byte
	Pos   int
	depth int
}

// Errorf returns an error wrapping ErrSyntax that says what was wrong and where.
func (s *Scanner) Errorf(what string) error {
	return fmt.Errorf("%w: %s at offset %d", ErrSyntax, what, s.Pos)
}

// WS moves past whitespace.
func (s *Scanner) WS() {
	for s.Pos < len(s.Data) {
		switch s.Data[s.Pos] {
		case ' ', '\t', '\n', '\r':
			s.Pos++
		default:
			return
		}
	}
}

// Peek returns the byte at Pos, or 0 at the end.
func (s *Scanner) Peek() byte {
	if s.Pos < len(s.Data) {
		return s.Data[s.Pos]
	}
	return 0
}

// Eat moves past c if it is the byte at Pos.
func (s *Scanner) Eat(c byte) bool {
	if s.Pos < len(s.Data) && s.Data[s.Pos] == c {
		s.Pos++
		return true
	}
	return false
}

// Literal moves past word (true, false, null) if it is at Pos.
func (s *Scanner) Literal(word string) bool {
	if len(s.Data)-s.Pos >= len(word) && string(s.Data[s.Pos:s.Pos+len(word)]) == word {
		s.Pos += len(word)
		return true
	}
	return false
}

// Key reads the string at Pos (which must be a quote) like String, but returns it as
// bytes: a slice of Data when it is plain text, so that reading an object's keys
// allocates nothing. Anything else (escapes, and the errors) goes the way of String.
func (s *Scanner) Key() ([]byte, error) {
	at := s.Pos
	if s.Eat('"') {
		start := s.Pos
		for s.Pos < len(s.Data) {
			c := s.Data[s.Pos]
			if c == '"' {
				s.Pos++
				return s.Data[start : s.Pos-1], nil
			}
			if c == '\\' || c < 0x20 {
				break
			}
			s.Pos++
		}
	}
	s.Pos = at
	v, err := s.String()
	if err != nil {
		return nil, err
	}
	return []byte(v), nil
}

// String reads the string at Pos (which must be a quote) and returns it with its
// escapes decoded. A \u escape of half a surrogate pair that has no other half becomes
// U+FFFD, as in encoding/json.
func (s *Scanner) String() (string, error) {
	if !s.Eat('"') {
		return "", s.Errorf("string expected")
	}
	start := s.Pos
	// Fast path: no escapes, the string is a slice of the text.
	for s.Pos < len(s.Data) {
		c := s.Data[s.Pos]
		if c == '"' {
			v := string(s.Data[start:s.Pos])
			s.Pos++
			return v, nil
		}
		if c == '\\' {
			break
		}
		if c < 0x20 {
			return "", s.Errorf("control character in string")
		}
		s.Pos++
	}
	buf := append([]byte(nil), s.Data[start:s.Pos]...)
	for s.Pos < len(s.Data) {
		c := s.Data[s.Pos]
		switch {
		case c == '"':
			s.Pos++
			return string(buf), nil
		case c < 0x20:
			return "", s.Errorf("control character in string")
		case c != '\\':
			buf = append(buf, c)
			s.Pos++
			continue
		}
		s.Pos++
		if s.Pos >= len(s.Data) {
			break
		}
		e := s.Data[s.Pos]
		s.Pos++
		switch e {
		case '"', '\\', '/':
			buf = append(buf, e)
		case 'b':
			buf = append(buf, '\b')
		case 'f':
			buf = append(buf, '\f')
		case 'n':
			buf = append(buf, '\n')
		case 'r':
			buf = append(buf, '\r')
		case 't':
			buf = append(buf, '\t')
		case 'u':
			r, ok := s.hex4()
			if !ok {
				return "", s.Errorf(`bad \u escape`)
			}
			if utf16.IsSurrogate(r) {
				// Only a high half followed by a \u escape of a low half makes a pair;
				// anything else is read on its own.
				if lo, ok := s.lowSurrogate(r); ok {
					r = utf16.DecodeRune(r, lo)
				} else {
					r = utf8.RuneError
				}
			}
			buf = utf8.AppendRune(buf, r)
		default:
			return "", s.Errorf("bad escape")
		}
	}
	return "", s.Errorf("unterminated string")
}

// lowSurrogate reads a \u escape of a low surrogate at Pos, if there is one and hi is
// a high surrogate.
func (s *Scanner) lowSurrogate(hi rune) (rune, bool) {
	if hi >= 0xDC00 || len(s.Data)-s.Pos < 6 || s.Data[s.Pos] != '\\' || s.Data[s.Pos+1] != 'u' {
		return 0, false
	}
	save := s.Pos
	s.Pos += 2
	lo, ok := s.hex4()
	if !ok || utf16.DecodeRune(0xD800, lo) == utf8.RuneError {
		s.Pos = save
		return 0, false
	}
	return lo, true
}

func (s *Scanner) hex4() (rune, bool) {
	if len(s.Data)-s.Pos < 4 {
		return 0, false
	}
	var r rune
	for _, c := range s.Data[s.Pos : s.Pos+4] {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			c = c - 'A' + 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	s.Pos += 4
	return r, true
}

// Number reads the number at Pos and returns its text; isInt reports that it has no
// fraction and no exponent.
func (s *Scanner) Number() (text []byte, isInt bool, err error) {
	start := s.Pos
	s.Eat('-')
	switch c := s.Peek(); {
	case c == '0':
		s.Pos++
	case '1' <= c && c <= '9':
		s.digits()
	default:
		return nil, false, s.Errorf("bad number")
	}
	isInt = true
	if s.Eat('.') {
		isInt = false
		if s.digits() == 0 {
			return nil, false, s.Errorf("bad number")
		}
	}
	if c := s.Peek(); c == 'e' || c == 'E' {
		isInt = false
		s.Pos++
		if c := s.Peek(); c == '+' || c == '-' {
			s.Pos++
		}
		if s.digits() == 0 {
			return nil, false, s.Errorf("bad number")
		}
	}
	return s.Data[start:s.Pos], isInt, nil
}

func (s *Scanner) digits() int {
	n := 0
	for s.Pos < len(s.Data) && '0' <= s.Data[s.Pos] && s.Data[s.Pos] <= '9' {
		s.Pos++
		n++
	}
	return n
}

// Skip moves past the value at Pos (after any whitespace), checking it as it goes, and
// builds nothing but the strings of object keys it has to read past.
func (s *Scanner) Skip() error {
	s.WS()
	switch c := s.Peek(); {
	case c == '"':
		return s.skipString()
	case c == '{' || c == '[':
		if s.depth++; s.depth > MaxDepth {
			return s.Errorf("nesting too deep")
		}
		defer func() { s.depth-- }()
		end := byte('}')
		if c == '[' {
			end = ']'
		}
		s.Pos++
		s.WS()
		if s.Eat(end) {
			return nil
		}
		for {
			s.WS()
			if c == '{' {
				if s.Peek() != '"' {
					return s.Errorf("object key expected")
				}
				if err := s.skipString(); err != nil {
					return err
				}
				s.WS()
				if !s.Eat(':') {
					return s.Errorf("':' expected")
				}
			}
			if err := s.Skip(); err != nil {
				return err
			}
			s.WS()
			if s.Eat(end) {
				return nil
			}
			if !s.Eat(',') {
				return s.Errorf("',' or closing bracket expected")
			}
		}
	case c == 't':
		return s.literal("true")
	case c == 'f':
		return s.literal("false")
	case c == 'n':
		return s.literal("null")
	case c == '-' || ('0' <= c && c <= '9'):
		_, _, err := s.Number()
		return err
	case s.Pos >= len(s.Data):
		return s.Errorf("unexpected end")
	}
	return s.Errorf("unexpected character")
}

func (s *Scanner) literal(word string) error {
	if !s.Literal(word) {
		return s.Errorf("invalid literal")
	}
	return nil
}

// skipString moves past the string at Pos, checking its escapes without decoding them.
func (s *Scanner) skipString() error {
	s.Pos++ // the quote
	for s.Pos < len(s.Data) {
		c := s.Data[s.Pos]
		switch {
		case c == '"':
			s.Pos++
			return nil
		case c < 0x20:
			return s.Errorf("control character in string")
		case c == '\\':
			s.Pos++
			switch s.Peek() {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				s.Pos++
			case 'u':
				s.Pos++
				if _, ok := s.hex4(); !ok {
					return s.Errorf(`bad \u escape`)
				}
			default:
				return s.Errorf("bad escape")
			}
		default:
			s.Pos++
		}
	}
	return s.Errorf("unterminated string")
}

// Valid reports whether data is one JSON value with nothing but whitespace around it.
func Valid(data []byte) bool { return Check(data) == nil }

// Check is Valid with an error that says what is wrong and where.
func Check(data []byte) error {
	s := Scanner{Data: data}
	if err := s.Skip(); err != nil {
		return err
	}
	s.WS()
	if s.Pos != len(data) {
		return s.Errorf("text after the value")
	}
	return nil
}
