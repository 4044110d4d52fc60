package sim

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"
)

// A button press must be acknowledged within InteractionDeadline, or the
// user's client gives up waiting and shows a failure (§5). Over the
// gateway the bot acknowledges with PUT /interactions/{id} and a body
// {"code": N}; over webhooks with the answer to the INTERACTION_CREATE
// callback, {"op":12,"d":0,"code":N}, and the platform ignores a PUT for
// such an interaction. The simulator records each acknowledgement (code,
// way, latency on the platform clock), refuses a second one and a late one
// with an error the bot sees, and marks the interaction Late.

// InteractionDeadline is how long a press waits for its acknowledgement.
const InteractionDeadline = 3 * time.Second

// Codes the protocol reserves for interaction errors (630001–630007)
// without naming them; the simulator uses two.
const (
	codeInteractionExpired = 630001 // acknowledged after the deadline
	codeInteractionAcked   = 630002 // acknowledged a second time
)

// ackInteraction records an acknowledgement of the interaction id by way
// via ("rest" or "webhook"). The caller holds s.mu.
func (s *Server) ackInteraction(in *Interaction, code int, via, body string) error {
	in.Acks++
	if in.Acked {
		return errInteractionAcked
	}
	in.Acked, in.Code, in.Via, in.AckBody = true, code, via, body
	in.Latency = s.now().Sub(in.At)
	s.ackSignal.notify()
	if in.Latency > InteractionDeadline {
		in.Late = true
		return errInteractionExpired
	}
	return nil
}

var (
	errInteractionAcked   = errors.New("interaction already acknowledged")
	errInteractionExpired = fmt.Errorf("interaction acknowledged after the %s deadline", InteractionDeadline)
)

// putInteraction answers PUT /interactions/{interaction_id}: 204 for an
// acknowledgement in time. Any body is accepted, including botgo's
// text/plain raw string; a JSON {"code": N} gives the code. A late or a
// second acknowledgement is 400; a PUT for an interaction delivered by
// webhook is answered 204 and ignored, as the platform does.
func (s *Server) putInteraction(c *call) {
	b, err := io.ReadAll(http.MaxBytesReader(c.w, c.r.Body, maxRequestBody))
	if err != nil {
		c.fail(http.StatusRequestEntityTooLarge, codeBodyTooLarge, "request body too large")
		return
	}
	var body struct {
		Code int `json:"code"`
	}
	_ = json.Unmarshal(b, &body) // not JSON (botgo's raw strings): code 0
	s.mu.Lock()
	defer s.mu.Unlock()
	in, ok := s.interactions[c.r.PathValue("interaction_id")]
	if !ok {
		c.fail(http.StatusNotFound, codeNotFound, "unknown interaction")
		return
	}
	if in.Webhook {
		in.Ignored++
		c.noContent()
		return
	}
	switch err := s.ackInteraction(in, body.Code, "rest", string(b)); {
	case errors.Is(err, errInteractionAcked):
		c.fail(http.StatusBadRequest, codeInteractionAcked, err.Error())
	case errors.Is(err, errInteractionExpired):
		c.fail(http.StatusBadRequest, codeInteractionExpired, err.Error())
	default:
		c.noContent()
	}
}

// webhookAnswer records the acknowledgement an INTERACTION_CREATE callback's
// answer carried: {"op":12,"d":0,"code":N}; an answer without code
// acknowledges nothing.
func (s *Server) webhookAnswer(eventID string, reply []byte) {
	var ack struct {
		Code *int `json:"code"`
	}
	if json.Unmarshal(reply, &ack) != nil || ack.Code == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, in := range s.interactions {
		if in.EventID == eventID {
			if err := s.ackInteraction(in, *ack.Code, "webhook", string(reply)); err != nil {
				s.log.Warn("webhook interaction answer refused", "event_id", eventID, "err", err)
			}
			return
		}
	}
}

// WaitInteraction waits until the interaction id has been acknowledged
// and returns it.
func (s *Server) WaitInteraction(ctx context.Context, id string) (Interaction, error) {
	for {
		s.mu.Lock()
		in, ok := s.interactions[id]
		if !ok {
			s.mu.Unlock()
			return Interaction{}, fmt.Errorf("wait for interaction %q: %w", id, ErrUnknownInteraction)
		}
		if in.Acked {
			out := *in
			s.mu.Unlock()
			return out, nil
		}
		changed := s.ackSignal.wait()
		s.mu.Unlock()
		select {
		case <-changed:
		case <-s.done:
			return Interaction{}, fmt.Errorf("wait for interaction %q: %w", id, ErrServerClosed)
		case <-ctx.Done():
			return Interaction{}, fmt.Errorf("wait for interaction %q: %w", id, ctx.Err())
		}
	}
}

// Interactions lists every interaction, in no particular order.
func (s *Server) Interactions() []Interaction {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Interaction, 0, len(s.interactions))
	for _, in := range s.interactions {
		out = append(out, *in)
	}
	return out
}

// Press is a simulated user pressing a button of a keyboard the bot sent.
type Press struct {
	MessageID string // the bot's message carrying the keyboard
	ButtonID  string // the button's id
	UserID    string // who presses, by id, openid or name; default the first user
}

// Errors of Press.
var (
	// ErrNoButton is returned by Press for a message without a custom
	// keyboard, or without a button of that id.
	ErrNoButton = errors.New("sim: no such button")
	// ErrButtonNotAllowed is returned by Press when the button's permission
	// does not include the user; the client does not let them press.
	ErrButtonNotAllowed = errors.New("sim: the user may not press this button")
	// ErrUnknownInteraction is returned by WaitInteraction for an id no
	// press produced.
	ErrUnknownInteraction = errors.New("sim: unknown interaction")
	// ErrLinkButton is returned by Press for a link button, which opens its
	// URL in the client: nothing reaches the bot.
	ErrLinkButton = errors.New("sim: a link button opens its URL; nothing reaches the bot")
)

// Press presses a button as the user would: a callback button dispatches
// INTERACTION_CREATE (with button_data the button's action.data) in the
// message's scene, a command button posts its action.data to the bot as
// the user's message. The button's permission is checked first:
// specified users by id or openid, managers being the guild's owner (the
// first user in groups and C2C), specified roles by the member's roles.
// The Interaction is zero for a command button.
func (s *Server) Press(p Press) (Interaction, error) {
	s.mu.Lock()
	sm := s.messages[p.MessageID]
	if sm == nil || !sm.fromBot {
		s.mu.Unlock()
		return Interaction{}, fmt.Errorf("press on message %q: %w", p.MessageID, ErrUnknownMessage)
	}
	msg := sm.msg
	b, ok := findButton(msg.Keyboard, p.ButtonID)
	if !ok {
		s.mu.Unlock()
		return Interaction{}, fmt.Errorf("press %q on message %q: %w", p.ButtonID, p.MessageID, ErrNoButton)
	}
	u := s.w.users[0]
	if p.UserID != "" {
		u = s.w.userByAny(p.UserID)
	}
	if u == nil {
		s.mu.Unlock()
		return Interaction{}, fmt.Errorf("press as %q: %w", p.UserID, ErrUnknownAuthor)
	}
	allowed := s.mayPress(b, msg, u)
	s.mu.Unlock()
	if !allowed {
		return Interaction{}, fmt.Errorf("press %q as %s: %w", p.ButtonID, u.Username, ErrButtonNotAllowed)
	}
	typ := ButtonCallback
	if b.Action.Type != nil {
		typ = *b.Action.Type
	}
	switch typ {
	case ButtonCallback:
		c := Click{Scene: msg.Scene, ChannelID: msg.ChannelID, GroupOpenID: msg.GroupOpenID, UserID: u.ID,
			ButtonID: b.ID, ButtonData: b.Action.Data, MessageID: msg.ID}
		if c.Scene == SceneDM {
			return Interaction{}, fmt.Errorf("press in a DM: %w", ErrUnknownScene)
		}
		return s.Click(c)
	case ButtonCommand:
		_, err := s.Post(Post{Scene: msg.Scene, ChannelID: msg.ChannelID, GroupOpenID: msg.GroupOpenID, AuthorID: u.ID,
			Content: b.Action.Data, MentionBot: true})
		return Interaction{}, err
	default:
		return Interaction{}, fmt.Errorf("press %q: %w", p.ButtonID, ErrLinkButton)
	}
}

// mayPress applies a button's permission to u. The caller holds s.mu.
func (s *Server) mayPress(b wireButton, msg Message, u *User) bool {
	perm := b.Action.Permission
	if perm == nil {
		return true
	}
	switch perm.Type {
	case PermissionEveryone:
		return true
	case PermissionUsers:
		for _, id := range perm.SpecifyUserIDs {
			if id == u.ID || id == u.OpenID {
				return true
			}
		}
		return false
	case PermissionManagers:
		if g := s.w.guild(msg.GuildID); g != nil {
			return g.OwnerID == u.ID
		}
		return u == s.w.users[0]
	case PermissionRoles:
		g := s.w.guild(msg.GuildID)
		if g == nil {
			return false
		}
		m := g.member(u.ID)
		if m == nil {
			return false
		}
		for _, want := range perm.SpecifyRoleIDs {
			for _, have := range m.roles {
				if want == have {
					return true
				}
			}
		}
	}
	return false
}
