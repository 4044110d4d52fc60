package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/luabot/luabot/sim"
)

// Buttons in `luabot dev`: a bot message with a keyboard prints its buttons
// as [label] after the text, and the line "!press label" (or a button id)
// presses the newest button so named, as the user of the chat.

type devButton struct {
	ID         string `json:"id"`
	RenderData struct {
		Label string `json:"label"`
	} `json:"render_data"`
}

type devKeyboard struct {
	Content *struct {
		Rows []struct {
			Buttons []devButton `json:"buttons"`
		} `json:"rows"`
	} `json:"content"`
}

func keyboardButtons(raw json.RawMessage) []devButton {
	var kb devKeyboard
	if len(raw) == 0 || json.Unmarshal(raw, &kb) != nil || kb.Content == nil {
		return nil
	}
	var out []devButton
	for _, r := range kb.Content.Rows {
		out = append(out, r.Buttons...)
	}
	return out
}

// buttonLabels renders a keyboard as "[Yes] [No]", or "" without one.
func buttonLabels(raw json.RawMessage) string {
	var parts []string
	for _, b := range keyboardButtons(raw) {
		parts = append(parts, "["+b.RenderData.Label+"]")
	}
	return strings.Join(parts, " ")
}

// press presses the newest button labelled (or with the id) name.
func press(platform *sim.Server, out io.Writer, log *slog.Logger, userID, name string) {
	sent := platform.Sent()
	for i := len(sent) - 1; i >= 0; i-- {
		var body struct {
			Keyboard json.RawMessage `json:"keyboard"`
		}
		_ = json.Unmarshal(sent[i].Body, &body)
		for _, b := range keyboardButtons(body.Keyboard) {
			if b.RenderData.Label != name && b.ID != name {
				continue
			}
			in, err := platform.Press(sim.Press{MessageID: sent[i].ID, ButtonID: b.ID, UserID: userID})
			if err != nil {
				fmt.Fprintf(out, "(cannot press [%s]: %v)\n", b.RenderData.Label, err)
				return
			}
			log.Debug("button pressed", "label", b.RenderData.Label, "message_id", sent[i].ID)
			if in.ID == "" {
				return // a command button: its text was posted
			}
			// Waiting for the acknowledgement shows what the user's client
			// would, and keeps presses in the order they were typed.
			ctx, cancel := context.WithTimeout(context.Background(), sim.InteractionDeadline+time.Second)
			defer cancel()
			in, err = platform.WaitInteraction(ctx, in.ID)
			switch {
			case err != nil:
				fmt.Fprintf(out, "(pressed [%s]: the bot did not acknowledge it; the client shows a failure)\n", b.RenderData.Label)
			case in.Late:
				fmt.Fprintf(out, "(pressed [%s]: acknowledged too late, after %s)\n", b.RenderData.Label, in.Latency.Round(time.Millisecond))
			default:
				fmt.Fprintf(out, "(pressed [%s]: acknowledged with code %d)\n", b.RenderData.Label, in.Code)
			}
			return
		}
	}
	fmt.Fprintf(out, "(no button %q in the bot's messages)\n", name)
}
