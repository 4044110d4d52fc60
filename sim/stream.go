package sim

import (
	"fmt"
	"net/http"
	"strings"
)

// Streamed replies (§7.3 stream): a C2C reply may arrive in pieces, each a
// POST to /v2/users/{openid}/messages with stream {state, index, id}. The
// first piece has no id and is checked and counted like any reply; its
// answer's id names the stream, and later pieces carry it. state 1 means
// more follows, 10 that the body is complete (11 and 20, for the guide
// text after it, are accepted and end nothing). index counts from 1 (the
// official Go SDK's rule) or from 0 (what bots in the field send, and the
// platform takes) and must grow. A piece with state 10 ends with a newline:
// bots in the field report that the platform otherwise never closes the
// stream and the message falls back to its first piece; the simulator
// refuses it, and takes that newline as the terminator, not as text. The
// simulator appends each piece's content to the message, so Sent and
// Message show it assembled, with SentMessage.Stream telling how far it
// got. Pieces after the end, for an unknown stream, out of order, or in any
// scene but C2C are refused with 400/12002.

// Stream states a piece may carry.
const (
	StreamGenerating = 1
	StreamDone       = 10
	StreamGuide      = 11
	StreamGuideDone  = 20
)

// StreamInfo is how a streamed message was sent.
type StreamInfo struct {
	Pieces   int  // pieces received
	Finished bool // a piece with state 10 arrived
}

type wireStream struct {
	State int    `json:"state"`
	ID    string `json:"id"`
	Index int    `json:"index"`
	Reset bool   `json:"reset"`
}

// openStream is a streamed message still being assembled.
type openStream struct {
	sent      int // index into s.sent
	openID    string
	lastIndex int
	finished  bool
}

// checkStreamPiece validates a piece's stream field before anything is
// stored; it returns the open stream a continuation belongs to (nil for a
// first piece). The caller holds s.mu.
func (s *Server) checkStreamPiece(scene, openID string, st *wireStream) (*openStream, *replyError) {
	bad := func(msg string) (*openStream, *replyError) {
		return nil, &replyError{status: http.StatusBadRequest, code: codeRequestInvalid, message: msg}
	}
	if scene != SceneC2C {
		return bad("stream is only supported in C2C chats")
	}
	switch st.State {
	case StreamGenerating, StreamDone, StreamGuide, StreamGuideDone:
	default:
		return bad(fmt.Sprintf("stream.state %d: want 1, 10, 11 or 20", st.State))
	}
	if st.Index < 0 {
		return bad("stream.index counts from 1 (or 0)")
	}
	if st.ID == "" {
		if st.Index > 1 {
			return bad("the first piece of a stream has index 1 (or 0) and no id")
		}
		return nil, nil
	}
	os := s.streams[st.ID]
	switch {
	case os == nil || os.openID != openID:
		return bad(fmt.Sprintf("stream.id %q is not a stream of this chat", st.ID))
	case os.finished && st.State != StreamGuide && st.State != StreamGuideDone:
		return bad(fmt.Sprintf("stream %q has ended", st.ID))
	case st.Index <= os.lastIndex:
		return bad(fmt.Sprintf("stream.index %d after %d: pieces are numbered upwards", st.Index, os.lastIndex))
	}
	return os, nil
}

// streamTerminator checks that a last piece (state 10) ends with a newline
// and strips it from content: it closes the stream, it is not text.
func streamTerminator(st *wireStream, content *string) *replyError {
	if st.State != StreamDone {
		return nil
	}
	c := ""
	if content != nil {
		c = *content
	}
	if !strings.HasSuffix(c, "\n") {
		return &replyError{status: http.StatusBadRequest, code: codeRequestInvalid,
			message: "the last piece of a stream (state 10) must end with a newline"}
	}
	*content = strings.TrimSuffix(c, "\n")
	return nil
}

// appendPiece adds a continuation piece to its stream. The caller holds s.mu.
func (s *Server) appendPiece(os *openStream, st *wireStream, content string) SentMessage {
	m := &s.sent[os.sent]
	m.Content += content
	m.Stream.Pieces++
	os.lastIndex = st.Index
	if st.State == StreamDone {
		os.finished, m.Stream.Finished = true, true
	}
	if sm := s.messages[m.ID]; sm != nil {
		sm.msg.Content = m.Content
	}
	s.sentSignal.notify()
	return *m
}

// startStream records the first piece's message as a stream. The caller
// holds s.mu, and has just recorded sent as the last of s.sent.
func (s *Server) startStream(st *wireStream, openID string) {
	i := len(s.sent) - 1
	s.sent[i].Stream = &StreamInfo{Pieces: 1, Finished: st.State == StreamDone}
	s.streams[s.sent[i].ID] = &openStream{sent: i, openID: openID, lastIndex: st.Index, finished: st.State == StreamDone}
}
