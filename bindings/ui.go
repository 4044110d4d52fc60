package bindings

import (
	"fmt"
	"sort"
	"unicode/utf8"

	lua "github.com/yuin/gopher-lua"
)

// The ui module builds rich message bodies so that scripts never write the
// wire format (§7.2): markdown, keyboards of buttons, embeds and arks. Every
// builder returns plain Lua tables, which ev:reply and qq.send* accept as
// they are, or nil, err when a value breaks a rule; err.field names the
// value as the script wrote it (keyboard[2][1].label) and err.limit the
// bound, when there is one. Nothing is sent by a builder.
//
//	ui.markdown(text [, keyboard])           → {markdown = {content = text}, keyboard = …}
//	ui.markdown({template = id, params = {k = v | {v, …}}} [, keyboard])
//	ui.button(label, {data = s | url = s | command = s, id =, visited =, style =,
//	          permission = "everyone" | "managers" | {users = {…}} | {roles = {…}},
//	          enter =, reply =, click_limit =, unsupported =})
//	ui.keyboard({{button, …}, …})          → the keyboard field: {content = {rows = …}}
//	ui.keyboard("template id")              → {id = "template id"}
//	ui.embed({title =, prompt =, description =, thumbnail =, fields = {"text", …}})
//	ui.ark(template_id, {key = value | {{key = value, …}, …}})

// Limits of a custom keyboard (§7.2): rows and buttons per row are the
// platform's; the platform documents no bound for labels and data, so the
// two below are luabot's own, chosen so that a label fits a button on a
// phone and data stays a key rather than a payload.
const (
	uiMaxRows        = 5
	uiMaxButtons     = 5
	uiMaxLabel       = 32   // characters
	uiMaxData        = 1024 // bytes of action.data
	uiMaxEmbedFields = 25
)

// Button action and permission types (§7.2).
var (
	uiActions     = map[string]int{"link": 0, "callback": 1, "command": 2}
	uiPermissions = map[string]int{"users": 0, "managers": 1, "everyone": 2, "roles": 3}
	uiStyles      = map[string]int{"grey": 0, "blue": 1}
)

// FieldError is a value a ui builder refuses. Field names it as the script
// wrote it, Limit is the bound it broke (0 when the rule is not a bound).
type FieldError struct {
	Field  string
	Limit  int
	Reason string
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Reason }

func (b *binder) openUI() {
	L := b.L
	mod := L.CreateTable(0, 5)
	for name, fn := range map[string]lua.LGFunction{
		"markdown": b.uiMarkdown,
		"button":   b.uiButton,
		"keyboard": b.uiKeyboard,
		"embed":    b.uiEmbed,
		"ark":      b.uiArk,
	} {
		mod.RawSetString(name, L.NewFunction(fn))
	}
	L.SetGlobal("ui", mod)
}

func limitErr(field string, limit int, format string, args ...any) *FieldError {
	return &FieldError{Field: field, Limit: limit, Reason: fmt.Sprintf(format, args...)}
}

// uiMarkdown implements ui.markdown(text | {template=, params=} [, keyboard]).
func (b *binder) uiMarkdown(L *lua.LState) int {
	md := L.NewTable()
	switch v := L.Get(1).(type) {
	case lua.LString:
		if v == "" {
			return b.fail(L, limitErr("markdown", 0, "text is empty"))
		}
		md.RawSetString("content", v)
	case *lua.LTable:
		switch id := v.RawGetString("template").(type) {
		case lua.LString:
			md.RawSetString("custom_template_id", id)
		case lua.LNumber:
			md.RawSetString("template_id", id)
		default:
			return b.fail(L, limitErr("markdown.template", 0, "a template id (string or number) is required"))
		}
		if params, ok := v.RawGetString("params").(*lua.LTable); ok {
			list, err := uiParams(L, params)
			if err != nil {
				return b.fail(L, err)
			}
			md.RawSetString("params", list)
		}
	default:
		raise(L, "bad argument #1 to ui.markdown: text or {template=, params=} expected, got %s", v.Type())
	}
	msg := L.NewTable()
	msg.RawSetString("markdown", md)
	if kb := L.Get(2); kb != lua.LNil {
		t, ok := kb.(*lua.LTable)
		if !ok {
			raise(L, "bad argument #2 to ui.markdown: keyboard table expected, got %s", kb.Type())
		}
		if err := checkKeyboard(t); err != nil {
			return b.fail(L, err)
		}
		msg.RawSetString("keyboard", t)
	}
	L.Push(msg)
	return 1
}

// uiParams turns {key = value | {values}} into the template's
// [{key, values}] list, sorted by key so the body does not depend on
// table order.
func uiParams(L *lua.LState, params *lua.LTable) (*lua.LTable, error) {
	var keys []string
	vals := map[string]*lua.LTable{}
	var bad error
	params.ForEach(func(k, v lua.LValue) {
		ks, ok := k.(lua.LString)
		if !ok || bad != nil {
			bad = limitErr("markdown.params", 0, "keys must be strings")
			return
		}
		field := "markdown.params." + string(ks)
		values := L.NewTable()
		switch v := v.(type) {
		case lua.LString, lua.LNumber:
			values.Append(lua.LString(lua.LVAsString(v)))
		case *lua.LTable:
			for i := 1; i <= v.Len(); i++ {
				s, ok := v.RawGetInt(i).(lua.LString)
				if !ok {
					bad = limitErr(fmt.Sprintf("%s[%d]", field, i), 0, "values must be strings")
					return
				}
				values.Append(s)
			}
		default:
			bad = limitErr(field, 0, "a string or a list of strings expected")
			return
		}
		keys = append(keys, string(ks))
		vals[string(ks)] = values
	})
	if bad != nil {
		return nil, bad
	}
	sort.Strings(keys)
	list := L.NewTable()
	for _, k := range keys {
		p := L.NewTable()
		p.RawSetString("key", lua.LString(k))
		p.RawSetString("values", vals[k])
		list.Append(p)
	}
	return list, nil
}

// uiButton implements ui.button(label, opts).
func (b *binder) uiButton(L *lua.LState) int {
	label := checkString(L, 1, "label")
	opts := L.OptTable(2, L.NewTable())
	str := func(k string) (string, bool) {
		switch v := opts.RawGetString(k).(type) {
		case lua.LString:
			return string(v), true
		case lua.LNumber:
			return lua.LVAsString(v), true
		}
		return "", false
	}
	btn := L.NewTable()
	render := L.NewTable()
	action := L.NewTable()
	btn.RawSetString("render_data", render)
	btn.RawSetString("action", action)
	if id, ok := str("id"); ok {
		btn.RawSetString("id", lua.LString(id))
	}
	render.RawSetString("label", lua.LString(label))
	visited := label
	if v, ok := str("visited"); ok {
		visited = v
	}
	render.RawSetString("visited_label", lua.LString(visited))
	style := 1
	switch v := opts.RawGetString("style").(type) {
	case lua.LString:
		n, ok := uiStyles[string(v)]
		if !ok {
			return b.fail(L, limitErr("button.style", 0, "%q is not a style: grey or blue", string(v)))
		}
		style = n
	case lua.LNumber:
		style = int(v)
	}
	render.RawSetString("style", lua.LNumber(style))

	kind, data, n := "", "", 0
	for _, k := range []string{"data", "url", "command"} {
		if v, ok := str(k); ok {
			kind, data = k, v
			n++
		}
	}
	if n != 1 {
		return b.fail(L, limitErr("button.action", 0, "give exactly one of data (a callback), url (a link) or command"))
	}
	typ := map[string]int{"data": uiActions["callback"], "url": uiActions["link"], "command": uiActions["command"]}[kind]
	action.RawSetString("type", lua.LNumber(typ))
	action.RawSetString("data", lua.LString(data))
	if kind == "command" {
		for _, k := range []string{"enter", "reply"} {
			if v, ok := opts.RawGetString(k).(lua.LBool); ok {
				action.RawSetString(k, v)
			}
		}
	}
	if v, ok := opts.RawGetString("click_limit").(lua.LNumber); ok {
		action.RawSetString("click_limit", v)
	}
	if v, ok := str("unsupported"); ok {
		action.RawSetString("unsupport_tips", lua.LString(v))
	}
	perm := L.NewTable()
	switch p := opts.RawGetString("permission").(type) {
	case lua.LString:
		n, ok := uiPermissions[string(p)]
		if !ok || p == "users" || p == "roles" {
			return b.fail(L, limitErr("button.permission", 0, "%q: use \"everyone\", \"managers\", {users = {…}} or {roles = {…}}", string(p)))
		}
		perm.RawSetString("type", lua.LNumber(n))
	case *lua.LTable:
		users, _ := p.RawGetString("users").(*lua.LTable)
		roles, _ := p.RawGetString("roles").(*lua.LTable)
		switch {
		case users != nil && users.Len() > 0:
			perm.RawSetString("type", lua.LNumber(uiPermissions["users"]))
			perm.RawSetString("specify_user_ids", users)
		case roles != nil && roles.Len() > 0:
			perm.RawSetString("type", lua.LNumber(uiPermissions["roles"]))
			perm.RawSetString("specify_role_ids", roles)
		default:
			return b.fail(L, limitErr("button.permission", 0, "{users = {…}} or {roles = {…}} with at least one id"))
		}
	default:
		if p != lua.LNil {
			raise(L, "bad option permission to ui.button: string or table expected, got %s", p.Type())
		}
		perm.RawSetString("type", lua.LNumber(uiPermissions["everyone"]))
	}
	action.RawSetString("permission", perm)
	if err := checkButton(btn, "button"); err != nil {
		return b.fail(L, err)
	}
	L.Push(btn)
	return 1
}

// checkButton applies the keyboard rules to one button, built by ui.button
// or written by hand; field prefixes the names in the error.
func checkButton(btn *lua.LTable, field string) error {
	render, _ := btn.RawGetString("render_data").(*lua.LTable)
	action, _ := btn.RawGetString("action").(*lua.LTable)
	if render == nil || action == nil {
		return limitErr(field, 0, "not a button: use ui.button(label, opts)")
	}
	label, _ := render.RawGetString("label").(lua.LString)
	switch n := utf8.RuneCountInString(string(label)); {
	case n == 0:
		return limitErr(field+".label", uiMaxLabel, "empty; a label has 1 to %d characters", uiMaxLabel)
	case n > uiMaxLabel:
		return limitErr(field+".label", uiMaxLabel, "%d characters; at most %d", n, uiMaxLabel)
	}
	if v, _ := render.RawGetString("visited_label").(lua.LString); utf8.RuneCountInString(string(v)) > uiMaxLabel {
		return limitErr(field+".visited", uiMaxLabel, "%d characters; at most %d", utf8.RuneCountInString(string(v)), uiMaxLabel)
	}
	if st, ok := render.RawGetString("style").(lua.LNumber); ok && (st < 0 || st > 4 || st != lua.LNumber(int(st))) {
		return limitErr(field+".style", 4, "%v is not a style (0 to 4)", st)
	}
	typ, ok := action.RawGetString("type").(lua.LNumber)
	if !ok || typ < 0 || int(typ) > maxButtonAction || typ != lua.LNumber(int(typ)) {
		return limitErr(field+".action.type", maxButtonAction, "%s is not an action type (0 link, 1 callback, 2 command, 3 mqqapi, 4 subscribe)",
			lua.LVAsString(action.RawGetString("type")))
	}
	data, _ := action.RawGetString("data").(lua.LString)
	if len(data) > uiMaxData {
		return limitErr(field+".data", uiMaxData, "%d bytes; at most %d", len(data), uiMaxData)
	}
	if int(typ) == uiActions["link"] && !(hasPrefix(string(data), "https://") || hasPrefix(string(data), "http://")) {
		return limitErr(field+".url", 0, "a link button needs an http(s) URL")
	}
	perm, _ := action.RawGetString("permission").(*lua.LTable)
	if perm == nil {
		return limitErr(field+".permission", 0, "missing")
	}
	if pt, ok := perm.RawGetString("type").(lua.LNumber); !ok || pt < 0 || int(pt) > maxPermission || pt != lua.LNumber(int(pt)) {
		return limitErr(field+".permission.type", maxPermission, "%s is not a permission type (0 users, 1 managers, 2 everyone, 3 roles)",
			lua.LVAsString(perm.RawGetString("type")))
	}
	return nil
}

// The highest action and permission types the protocol names.
const (
	maxButtonAction = 4
	maxPermission   = 3
)

func hasPrefix(s, p string) bool { return len(s) >= len(p) && s[:len(p)] == p }

// uiKeyboard implements ui.keyboard(rows | template_id).
func (b *binder) uiKeyboard(L *lua.LState) int {
	switch v := L.Get(1).(type) {
	case lua.LString:
		kb := L.NewTable()
		kb.RawSetString("id", v)
		L.Push(kb)
		return 1
	case *lua.LTable:
		rows := L.NewTable()
		for i := 1; i <= v.Len(); i++ {
			r, ok := v.RawGetInt(i).(*lua.LTable)
			if !ok {
				return b.fail(L, limitErr(fmt.Sprintf("keyboard[%d]", i), 0, "a row is a list of buttons"))
			}
			row := L.NewTable()
			buttons := L.NewTable()
			for j := 1; j <= r.Len(); j++ {
				btn, _ := r.RawGetInt(j).(*lua.LTable)
				if btn == nil {
					return b.fail(L, limitErr(fmt.Sprintf("keyboard[%d][%d]", i, j), 0, "not a button: use ui.button(label, opts)"))
				}
				// A copy, so one button table can sit in two keyboards with
				// its own id in each.
				c := L.NewTable()
				btn.ForEach(func(k, v lua.LValue) { c.RawSet(k, v) })
				if c.RawGetString("id") == lua.LNil {
					c.RawSetString("id", lua.LString(fmt.Sprintf("%d.%d", i, j)))
				}
				buttons.Append(c)
			}
			row.RawSetString("buttons", buttons)
			rows.Append(row)
		}
		content := L.NewTable()
		content.RawSetString("rows", rows)
		kb := L.NewTable()
		kb.RawSetString("content", content)
		if err := checkKeyboard(kb); err != nil {
			return b.fail(L, err)
		}
		L.Push(kb)
		return 1
	default:
		raise(L, "bad argument #1 to ui.keyboard: rows of buttons or a template id expected, got %s", v.Type())
		return 0
	}
}

// checkKeyboard applies the platform's keyboard rules (§7.2) to the value
// of a message's keyboard field: a template {id=} or {content={rows=}}
// with 1 to 5 rows of 1 to 5 buttons, each valid, ids unique.
func checkKeyboard(kb *lua.LTable) error {
	if id, ok := kb.RawGetString("id").(lua.LString); ok && id != "" {
		return nil
	}
	content, _ := kb.RawGetString("content").(*lua.LTable)
	if content == nil {
		return limitErr("keyboard", 0, "not a keyboard: use ui.keyboard{rows} or ui.keyboard(template_id)")
	}
	rows, _ := content.RawGetString("rows").(*lua.LTable)
	if rows == nil || rows.Len() == 0 {
		return limitErr("keyboard", uiMaxRows, "no rows; 1 to %d rows", uiMaxRows)
	}
	if n := rows.Len(); n > uiMaxRows {
		return limitErr("keyboard", uiMaxRows, "%d rows; at most %d", n, uiMaxRows)
	}
	ids := map[string]string{}
	for i := 1; i <= rows.Len(); i++ {
		row, _ := rows.RawGetInt(i).(*lua.LTable)
		var buttons *lua.LTable
		if row != nil {
			buttons, _ = row.RawGetString("buttons").(*lua.LTable)
		}
		field := fmt.Sprintf("keyboard[%d]", i)
		if buttons == nil || buttons.Len() == 0 {
			return limitErr(field, uiMaxButtons, "an empty row; 1 to %d buttons", uiMaxButtons)
		}
		if n := buttons.Len(); n > uiMaxButtons {
			return limitErr(field, uiMaxButtons, "%d buttons; at most %d in a row", n, uiMaxButtons)
		}
		for j := 1; j <= buttons.Len(); j++ {
			bf := fmt.Sprintf("%s[%d]", field, j)
			btn, _ := buttons.RawGetInt(j).(*lua.LTable)
			if btn == nil {
				return limitErr(bf, 0, "not a button: use ui.button(label, opts)")
			}
			if err := checkButton(btn, bf); err != nil {
				return err
			}
			id := lua.LVAsString(btn.RawGetString("id"))
			if prev, dup := ids[id]; dup && id != "" {
				return limitErr(bf+".id", 0, "%q is also the id of %s; ids are unique in a keyboard", id, prev)
			}
			ids[id] = bf
		}
	}
	return nil
}

// uiEmbed implements ui.embed{title=, prompt=, description=, thumbnail=, fields=}.
func (b *binder) uiEmbed(L *lua.LState) int {
	in := L.CheckTable(1)
	embed := L.NewTable()
	title, _ := in.RawGetString("title").(lua.LString)
	if title == "" {
		return b.fail(L, limitErr("embed.title", 0, "required"))
	}
	embed.RawSetString("title", title)
	prompt, _ := in.RawGetString("prompt").(lua.LString)
	if prompt == "" {
		prompt = title // what the notification shows
	}
	embed.RawSetString("prompt", prompt)
	if d, ok := in.RawGetString("description").(lua.LString); ok {
		embed.RawSetString("description", d)
	}
	if u, ok := in.RawGetString("thumbnail").(lua.LString); ok {
		th := L.NewTable()
		th.RawSetString("url", u)
		embed.RawSetString("thumbnail", th)
	}
	if fs, ok := in.RawGetString("fields").(*lua.LTable); ok {
		if n := fs.Len(); n > uiMaxEmbedFields {
			return b.fail(L, limitErr("embed.fields", uiMaxEmbedFields, "%d fields; at most %d", n, uiMaxEmbedFields))
		}
		list := L.NewTable()
		for i := 1; i <= fs.Len(); i++ {
			f := L.NewTable()
			switch v := fs.RawGetInt(i).(type) {
			case lua.LString:
				f.RawSetString("name", v)
			case *lua.LTable:
				name, _ := v.RawGetString("name").(lua.LString)
				if name == "" {
					return b.fail(L, limitErr(fmt.Sprintf("embed.fields[%d].name", i), 0, "required"))
				}
				f.RawSetString("name", name)
			default:
				return b.fail(L, limitErr(fmt.Sprintf("embed.fields[%d]", i), 0, "a string or {name = }"))
			}
			list.Append(f)
		}
		embed.RawSetString("fields", list)
	}
	msg := L.NewTable()
	msg.RawSetString("embed", embed)
	L.Push(msg)
	return 1
}

// uiArk implements ui.ark(template_id, kv): each value is a string, or a
// list of tables of strings (an ark's obj list).
func (b *binder) uiArk(L *lua.LState) int {
	id, ok := L.Get(1).(lua.LNumber)
	if !ok {
		raise(L, "bad argument #1 to ui.ark: template id (number) expected, got %s", L.Get(1).Type())
	}
	in := L.OptTable(2, L.NewTable())
	var keys []string
	in.ForEach(func(k, _ lua.LValue) {
		if s, ok := k.(lua.LString); ok {
			keys = append(keys, string(s))
		}
	})
	sort.Strings(keys)
	kv := L.NewTable()
	for _, k := range keys {
		item := L.NewTable()
		item.RawSetString("key", lua.LString(k))
		switch v := in.RawGetString(k).(type) {
		case lua.LString, lua.LNumber:
			item.RawSetString("value", lua.LString(lua.LVAsString(v)))
		case *lua.LTable:
			objs := L.NewTable()
			for i := 1; i <= v.Len(); i++ {
				o, ok := v.RawGetInt(i).(*lua.LTable)
				if !ok {
					return b.fail(L, limitErr(fmt.Sprintf("ark.%s[%d]", k, i), 0, "a table of key = value strings"))
				}
				var okeys []string
				o.ForEach(func(k, _ lua.LValue) {
					if s, ok := k.(lua.LString); ok {
						okeys = append(okeys, string(s))
					}
				})
				sort.Strings(okeys)
				okv := L.NewTable()
				for _, ok := range okeys {
					p := L.NewTable()
					p.RawSetString("key", lua.LString(ok))
					p.RawSetString("value", lua.LString(lua.LVAsString(o.RawGetString(ok))))
					okv.Append(p)
				}
				obj := L.NewTable()
				obj.RawSetString("obj_kv", okv)
				objs.Append(obj)
			}
			item.RawSetString("obj", objs)
		default:
			return b.fail(L, limitErr("ark."+k, 0, "a string or a list of tables"))
		}
		kv.Append(item)
	}
	ark := L.NewTable()
	ark.RawSetString("template_id", id)
	ark.RawSetString("kv", kv)
	msg := L.NewTable()
	msg.RawSetString("ark", ark)
	L.Push(msg)
	return 1
}

// messageKeyboardErr checks the keyboard of a message table about to be
// sent, so that a keyboard written by hand that the platform would refuse
// is refused here, naming the field, before anything is sent.
func messageKeyboardErr(msg lua.LValue) error {
	t, ok := msg.(*lua.LTable)
	if !ok {
		return nil
	}
	kb, ok := t.RawGetString("keyboard").(*lua.LTable)
	if !ok {
		return nil
	}
	return checkKeyboard(kb)
}
