package bindings_test

import (
	"strings"
	"testing"
)

// The ui builders produce the platform's wire format (§7.2) as plain tables: compared
// through json.encode, whose keys come out sorted.
func TestUI_BuildsWireFormat(t *testing.T) {
	L := newState(t)
	tests := []struct{ name, src, want string }{
		{"markdown text", `return json.encode(ui.markdown("**hi**"))`, `{"markdown":{"content":"**hi**"}}`},
		{"markdown template", `return json.encode(ui.markdown({template = "t1", params = {b = "2", a = {"x", "y"}}}))`,
			`{"markdown":{"custom_template_id":"t1","params":[{"key":"a","values":["x","y"]},{"key":"b","values":["2"]}]}}`},
		{"callback button", `return json.encode(ui.button("Yes", {data = "yes"}))`,
			`{"action":{"data":"yes","permission":{"type":2},"type":1},"render_data":{"label":"Yes","style":1,"visited_label":"Yes"}}`},
		{"link button for managers", `return json.encode(ui.button("Docs", {url = "https://x.org", permission = "managers", style = "grey", id = "d"}))`,
			`{"action":{"data":"https://x.org","permission":{"type":1},"type":0},"id":"d","render_data":{"label":"Docs","style":0,"visited_label":"Docs"}}`},
		{"command button for users", `return json.encode(ui.button("Roll", {command = "/roll", enter = true, permission = {users = {"u1"}}}))`,
			`{"action":{"data":"/roll","enter":true,"permission":{"specify_user_ids":["u1"],"type":0},"type":2},"render_data":{"label":"Roll","style":1,"visited_label":"Roll"}}`},
		{"keyboard numbers missing ids", `local b = ui.button("A", {data = "a"})
			local kb = ui.keyboard{{b, ui.button("B", {data = "b", id = "bee"})}, {b}}
			local r = kb.content.rows
			return r[1].buttons[1].id .. " " .. r[1].buttons[2].id .. " " .. r[2].buttons[1].id .. " " .. tostring(b.id)`, `1.1 bee 2.1 nil`},
		{"keyboard template", `return json.encode(ui.keyboard("123"))`, `{"id":"123"}`},
		{"markdown with keyboard", `local m = ui.markdown("vote", ui.keyboard{{ui.button("Y", {data = "y"})}})
			return m.keyboard.content.rows[1].buttons[1].action.data .. " " .. m.markdown.content`, `y vote`},
		{"embed", `return json.encode(ui.embed{title = "T", fields = {"a", {name = "b"}}, thumbnail = "https://i"})`,
			`{"embed":{"fields":[{"name":"a"},{"name":"b"}],"prompt":"T","thumbnail":{"url":"https://i"},"title":"T"}}`},
		{"ark", `return json.encode(ui.ark(23, {["#DESC#"] = "d", ["#LIST#"] = {{desc = "x"}, {desc = "y", link = "l"}}}))`,
			`{"ark":{"kv":[{"key":"#DESC#","value":"d"},{"key":"#LIST#","obj":[{"obj_kv":[{"key":"desc","value":"x"}]},{"obj_kv":[{"key":"desc","value":"y"},{"key":"link","value":"l"}]}]}],"template_id":23}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := eval(t, L, tt.src); got != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
}

// A value that breaks a rule is nil, err with err.field naming it as the script wrote it and
// err.limit the bound; tostring(err) says both.
func TestUI_RefusesWhatThePlatformWould(t *testing.T) {
	L := newState(t)
	eval(t, L, `b = ui.button("ok", {data = "x"}) return ""`)
	tests := []struct{ name, call, field, limit, text string }{
		{"six rows", `ui.keyboard{{b},{b},{b},{b},{b},{b}}`, "keyboard", "5", "6 rows; at most 5"},
		{"six in a row", `ui.keyboard{{b, b, b, b, b, b}}`, "keyboard[1]", "5", "6 buttons"},
		{"unknown action type", `ui.keyboard{{b, {id = "h", render_data = {label = "x"}, action = {type = 7, permission = {type = 2}}}}}`,
			"keyboard[1][2].action.type", "4", "7 is not an action type"},
		{"unknown permission type", `ui.keyboard{{{render_data = {label = "x"}, action = {type = 1, permission = {type = 9}}}}}`,
			"keyboard[1][1].permission.type", "3", "not a permission type"},
		{"long label", `ui.button(string.rep("字", 33), {data = "x"})`, "button.label", "32", "33 characters"},
		{"empty label", `ui.button("", {data = "x"})`, "button.label", "32", "empty"},
		{"two actions", `ui.button("x", {data = "x", url = "https://a"})`, "button.action", "nil", "exactly one"},
		{"link without url", `ui.button("x", {url = "ftp://a"})`, "button.url", "nil", "http(s) URL"},
		{"duplicate ids", `ui.keyboard{{ui.button("a", {data = "1", id = "x"}), ui.button("b", {data = "2", id = "x"})}}`,
			"keyboard[1][2].id", "nil", "unique"},
		{"big data", `ui.button("x", {data = string.rep("d", 1025)})`, "button.data", "1024", "1025 bytes"},
		{"bad style", `ui.button("x", {data = "d", style = "pink"})`, "button.style", "nil", "not a style"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := eval(t, L, `local v, err = `+tt.call+`
				if v ~= nil then return "built" end
				return err.field .. "|" .. tostring(err.limit) .. "|" .. tostring(err)`)
			parts := strings.SplitN(got, "|", 3)
			if len(parts) != 3 || parts[0] != tt.field || parts[1] != tt.limit || !strings.Contains(parts[2], tt.text) {
				t.Errorf("got %q; want field %q, limit %s, text containing %q", got, tt.field, tt.limit, tt.text)
			}
		})
	}
}

// A keyboard written by hand that the platform would refuse is refused by ev:reply and
// qq.send* with nil, err before anything is sent.
func TestUI_SendsCheckHandWrittenKeyboards(t *testing.T) {
	L := newState(t)
	got := eval(t, L, `local kb = {content = {rows = {{buttons = {{render_data = {label = "x"}, action = {type = 5, permission = {type = 2}}}}}}}}
		local v, err = qq.send_user("u1", {markdown = {content = "m"}, keyboard = kb})
		return tostring(v) .. " " .. err.field`)
	if got != "nil keyboard[1][1].action.type" {
		t.Errorf("qq.send_user with a bad keyboard: %q", got)
	}
}
