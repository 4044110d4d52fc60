package sim

import (
	"encoding/json"
	"fmt"
	"net/http"
	"unicode/utf8"
)

// Keyboards (§7.2): a message's keyboard is a template, {"id": "…"}, or
// custom buttons, {"content": {"rows": [{"buttons": [Button]}]}}, at most
// keyboardRows rows of keyboardButtons buttons. The simulator refuses a
// custom keyboard the platform would not show with 304040 (a keyboard
// content error; the protocol gives the code, the simulator the wording),
// naming what is wrong: too many rows or buttons, a button without a
// label, an action or permission type outside the protocol's, or a button
// id used twice.

const (
	keyboardRows    = 5
	keyboardButtons = 5
	// maxButtonActionType and maxPermissionType are the highest types the
	// protocol names: actions 0 link, 1 callback, 2 command, 3 mqqapi,
	// 4 subscribe; permissions 0 specified users, 1 managers, 2 everyone,
	// 3 specified roles.
	maxButtonActionType = 4
	maxPermissionType   = 3

	codeKeyboardInvalid = 304040
	codeNoMarkdown      = 304036 // no markdown permission (Config.NoMarkdown)
	codeNoKeyboard      = 304037 // no keyboard permission
)

// Button action types the simulator acts on when a user presses.
const (
	ButtonLink     = 0
	ButtonCallback = 1
	ButtonCommand  = 2
)

// Permission types of a button (who may press it).
const (
	PermissionUsers    = 0
	PermissionManagers = 1
	PermissionEveryone = 2
	PermissionRoles    = 3
)

type wireKeyboard struct {
	ID      string `json:"id"`
	Content *struct {
		Rows []struct {
			Buttons []wireButton `json:"buttons"`
		} `json:"rows"`
	} `json:"content"`
}

type wireButton struct {
	ID         string `json:"id"`
	RenderData struct {
		Label        string `json:"label"`
		VisitedLabel string `json:"visited_label"`
		Style        int    `json:"style"`
	} `json:"render_data"`
	Action struct {
		Type       *int `json:"type"`
		Permission *struct {
			Type           int      `json:"type"`
			SpecifyUserIDs []string `json:"specify_user_ids"`
			SpecifyRoleIDs []string `json:"specify_role_ids"`
		} `json:"permission"`
		Data string `json:"data"`
	} `json:"action"`
}

// checkKeyboard returns why the platform would refuse raw, or "".
func checkKeyboard(raw json.RawMessage) string {
	var kb wireKeyboard
	if err := json.Unmarshal(raw, &kb); err != nil {
		return "keyboard: " + err.Error()
	}
	if kb.Content == nil {
		if kb.ID == "" {
			return "keyboard needs id (a template) or content.rows"
		}
		return ""
	}
	rows := kb.Content.Rows
	if len(rows) == 0 {
		return "keyboard.content.rows is empty"
	}
	if len(rows) > keyboardRows {
		return fmt.Sprintf("keyboard.content.rows has %d rows; at most %d", len(rows), keyboardRows)
	}
	ids := map[string]bool{}
	for i, r := range rows {
		if len(r.Buttons) == 0 || len(r.Buttons) > keyboardButtons {
			return fmt.Sprintf("keyboard row %d has %d buttons; 1 to %d", i+1, len(r.Buttons), keyboardButtons)
		}
		for j, b := range r.Buttons {
			where := fmt.Sprintf("keyboard row %d button %d", i+1, j+1)
			switch {
			case b.RenderData.Label == "" || !utf8.ValidString(b.RenderData.Label):
				return where + ": render_data.label is required"
			case b.Action.Type == nil || *b.Action.Type < 0 || *b.Action.Type > maxButtonActionType:
				return fmt.Sprintf("%s: action.type must be 0 to %d", where, maxButtonActionType)
			case b.Action.Permission == nil || b.Action.Permission.Type < 0 || b.Action.Permission.Type > maxPermissionType:
				return fmt.Sprintf("%s: action.permission.type must be 0 to %d", where, maxPermissionType)
			case b.ID != "" && ids[b.ID]:
				return fmt.Sprintf("%s: id %q is used twice", where, b.ID)
			}
			ids[b.ID] = true
		}
	}
	return ""
}

// findButton finds the button id in a custom keyboard.
func findButton(raw json.RawMessage, id string) (wireButton, bool) {
	var kb wireKeyboard
	if json.Unmarshal(raw, &kb) != nil || kb.Content == nil {
		return wireButton{}, false
	}
	for _, r := range kb.Content.Rows {
		for _, b := range r.Buttons {
			if b.ID == id {
				return b, true
			}
		}
	}
	return wireButton{}, false
}

// permitted refuses markdown and keyboards for a bot without the
// permissions (Config.NoMarkdown), answering the request itself.
func (s *Server) permitted(c *call, req messageRequest) bool {
	switch {
	case !s.cfg.NoMarkdown:
		return true
	case present(req.Markdown):
		c.fail(http.StatusForbidden, codeNoMarkdown, "the bot has no markdown permission")
		return false
	case present(req.Keyboard):
		c.fail(http.StatusForbidden, codeNoKeyboard, "the bot has no keyboard permission")
		return false
	}
	return true
}
