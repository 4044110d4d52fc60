package record

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// StopError says where and why a Reader stopped before the end of the recording.
type StopError struct {
	File string
	Line int
	Why  string
}

func (e *StopError) Error() string { return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Why) }

// Reader reads a recording line by line.
type Reader struct {
	r    *bufio.Reader
	name string
	line int
	seen bool // a header was read
}

// NewReader reads the recording r, named name in errors.
func NewReader(r io.Reader, name string) *Reader {
	return &Reader{r: bufio.NewReaderSize(r, 64<<10), name: name}
}

// Next returns the next line: io.EOF at the end, a *StopError at a line that cannot be
// read (the lines before it stay good).
func (r *Reader) Next() (Line, error) {
	for {
		raw, err := r.r.ReadBytes('\n')
		if len(raw) == 0 && err == io.EOF {
			return Line{}, io.EOF
		}
		if err != nil && err != io.EOF {
			return Line{}, err
		}
		r.line++
		text := bytes.TrimSpace(raw)
		if len(text) == 0 {
			continue
		}
		var l Line
		if jerr := json.Unmarshal(text, &l); jerr != nil {
			if err == io.EOF {
				return Line{}, r.stop("the last line is cut short (the recording was truncated, or luabot stopped while writing it)")
			}
			return Line{}, r.stop("not a recording line: " + describe(jerr))
		}
		switch {
		case l.Kind == KindHeader && l.Version > Version:
			return Line{}, r.stop(fmt.Sprintf("written by a newer luabot (%s, format %d); this one reads format %d and older: replay it with that version", l.Luabot, l.Version, Version))
		case l.Kind == KindHeader && l.Start == nil:
			return Line{}, r.stop("a header without a start time")
		case l.Kind == KindHeader:
			r.seen = true
		case !r.seen:
			return Line{}, r.stop("not a recording: it does not start with a header line (luabot run --record writes one)")
		case l.Kind != KindEvent && l.Kind != KindSend && l.Kind != KindEnd:
			return Line{}, r.stop(fmt.Sprintf("unknown line kind %q", l.Kind))
		case l.Kind == KindSend && l.Send == nil:
			return Line{}, r.stop("a send line without its send")
		}
		return l, nil
	}
}

func (r *Reader) stop(why string) *StopError { return &StopError{File: r.name, Line: r.line, Why: why} }

func describe(err error) string {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Sprintf("%v at byte %d", se, se.Offset)
	}
	return err.Error()
}
