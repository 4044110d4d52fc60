package main

import (
	"fmt"
	"log/slog"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/luabot/luabot/bindings"
	"github.com/luabot/luabot/host"
)

// The fields of a grants table, in the order the README explains them.
var grantFields = []string{"header", "send", "active", "request", "shared_kv", "admin", "kv_bytes", "kv_keys", "sends_per_minute"}

// maxSendsPerMinute bounds sends_per_minute: the cap keeps that many send
// times per script.
const maxSendsPerMinute = 100_000

// applyGrants reads the operator's grants (the tables under grants: NAME
// is a script's name, "default" every script not named) into cfg. A named
// table starts from the default one, so it only says where the script
// differs. file names the config file in errors, which are usage errors
// (exit 2).
//
// table is where the tables are in the file, for messages: "grants", or
// "bots.NAME.grants" for a bot of a file with several.
func applyGrants(cfg *host.Config, grants map[string]any, file, table string) error {
	if grants == nil {
		return nil
	}
	g := &host.Grants{Scripts: map[string]host.Grant{}}
	base := host.FullGrant()
	if v, ok := grants["default"]; ok {
		d, err := parseGrant(base, table+".default", v, file)
		if err != nil {
			return err
		}
		g.Default, base = &d, d
	}
	names := make([]string, 0, len(grants))
	for name := range grants {
		if name != "default" {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	for _, name := range names {
		gr, err := parseGrant(base, table+"."+name, grants[name], file)
		if err != nil {
			return err
		}
		g.Scripts[name] = gr
	}
	cfg.Grants = g
	cfg.GrantHint = func(script, capability string) string { return grantHint(file, table, script, g, capability) }
	return nil
}

// parseGrant reads one grants table over base.
func parseGrant(base host.Grant, name string, v any, file string) (host.Grant, error) {
	where := fmt.Sprintf("%s: [%s]", file, name)
	t, ok := v.(map[string]any)
	if !ok {
		return base, usagef("%s: want a table of fields (%s), got %s", where, strings.Join(grantFields, ", "), tomlType(v))
	}
	g := base
	keys := make([]string, 0, len(t))
	for k := range t {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		val := t[k]
		bad := func(want string) error {
			return usagef("%s: %s: want %s, got %s %v", where, k, want, tomlType(val), val)
		}
		flag := func(dst *bool) error {
			b, ok := val.(bool)
			if !ok {
				return bad("true or false")
			}
			*dst = b
			return nil
		}
		var err error
		switch k {
		case "header":
			err = flag(&g.Header)
		case "active":
			err = flag(&g.Active)
		case "request":
			err = flag(&g.Request)
		case "shared_kv":
			err = flag(&g.SharedKV)
		case "admin":
			err = flag(&g.Admin)
		case "send":
			g.Send, err = sendTargets(val)
			if err != nil {
				return g, usagef("%s: send: %v", where, err)
			}
		case "kv_bytes":
			n, ok := byteSize(val)
			if !ok {
				return g, bad(`a size such as "1MiB", "512KiB" or a number of bytes (at least 1)`)
			}
			g.KVBytes = n
		case "kv_keys":
			n, ok := val.(int64)
			if !ok || n < 1 {
				return g, bad("a number of keys (at least 1)")
			}
			g.KVKeys = n
		case "sends_per_minute":
			n, ok := val.(int64)
			if !ok || n < 1 || n > maxSendsPerMinute {
				return g, bad(fmt.Sprintf("a number of messages between 1 and %d (leave it out for no cap)", maxSendsPerMinute))
			}
			g.SendsPerMinute = int(n)
		default:
			msg := fmt.Sprintf("%s: unknown field %q (the fields are %s)", where, k, strings.Join(grantFields, ", "))
			if near := host.Closest(k, grantFields); near != "" {
				msg = fmt.Sprintf("%s: unknown field %q; did you mean %q?", where, k, near)
			}
			return g, usagef("%s", msg)
		}
		if err != nil {
			return g, err
		}
	}
	return g, nil
}

// sendTargets reads send = ["channel:ID", "group:OPENID", …].
func sendTargets(v any) ([]string, error) {
	list, ok := v.([]any)
	if !ok {
		return nil, fmt.Errorf(`want a list such as ["channel:123", "group:OPENID"], got %s`, tomlType(v))
	}
	out := []string{} // empty, not nil: nowhere
	for _, item := range list {
		s, ok := item.(string)
		kind, id, _ := strings.Cut(s, ":")
		if !ok || id == "" || !slices.Contains(bindings.TargetKinds, kind) {
			return nil, fmt.Errorf("%v: want KIND:ID with KIND one of %s (e.g. \"group:OPENID\")", item, strings.Join(bindings.TargetKinds, ", "))
		}
		out = append(out, s)
	}
	return out, nil
}

// byteSize reads a size: a whole number of bytes, or a string with a unit
// (B, KiB, MiB, GiB; KB, MB and GB are read as the same binary units).
func byteSize(v any) (int64, bool) {
	switch v := v.(type) {
	case int64:
		return v, v >= 1
	case string:
		s := strings.TrimSpace(v)
		i := strings.IndexFunc(s, func(r rune) bool { return (r < '0' || r > '9') && r != '.' })
		if i <= 0 {
			n, err := strconv.ParseInt(s, 10, 64)
			return n, err == nil && n >= 1
		}
		num, err := strconv.ParseFloat(s[:i], 64)
		if err != nil {
			return 0, false
		}
		var unit float64
		switch strings.ToLower(strings.TrimSpace(s[i:])) {
		case "b":
			unit = 1
		case "kib", "kb", "k":
			unit = 1 << 10
		case "mib", "mb", "m":
			unit = 1 << 20
		case "gib", "gb", "g":
			unit = 1 << 30
		default:
			return 0, false
		}
		n := num * unit
		if !(n >= 1) || n > 1<<50 {
			return 0, false
		}
		return int64(n), true
	}
	return 0, false
}

// tomlType names what a TOML value decoded to, for errors.
func tomlType(v any) string {
	switch v.(type) {
	case bool:
		return "a boolean"
	case int64:
		return "a number"
	case float64:
		return "a decimal number"
	case string:
		return "a string"
	case []any:
		return "a list"
	case map[string]any:
		return "a table"
	}
	return fmt.Sprintf("%T", v)
}

// grantHint says how the operator grants capability to script: the error
// a refused call returns and its log line carry it.
func grantHint(file, tables, script string, g *host.Grants, capability string) string {
	table := tables + ".default"
	if _, ok := g.Scripts[script]; ok {
		table = tables + "." + script
	}
	var how string
	switch capability {
	case bindings.CapSend:
		how = `the operator adds the target ("channel:ID", "group:OPENID", "user:OPENID" or "dm:GUILD_ID") to send = [...]`
	case bindings.CapSendsPerMinute:
		how = "the operator raises sends_per_minute"
	default:
		how = "the operator grants it with " + capability + " = true"
	}
	if table == tables+".default" {
		return fmt.Sprintf("%s under [%s] in %s, or in a [%s.%s] table of its own", how, table, file, tables, script)
	}
	return fmt.Sprintf("%s under [%s] in %s", how, table, file)
}

// warnUnknownGrants warns, once per table, of grants for a script that is
// not among files: a misspelt name would leave the script the default grant.
func warnUnknownGrants(log *slog.Logger, g *host.Grants, files []string, file string) {
	if g == nil {
		return
	}
	var names []string
	for _, f := range files {
		names = append(names, strings.TrimSuffix(filepath.Base(f), ".lua"))
	}
	for name := range g.Scripts {
		if slices.Contains(names, name) {
			continue
		}
		attrs := []any{"file", file, "table", "grants." + name}
		if near := host.Closest(name, names); near != "" {
			attrs = append(attrs, "hint", fmt.Sprintf("did you mean [grants.%s]?", near))
		}
		log.Warn("the config file grants capabilities to a script that is not loaded", attrs...)
	}
}

// applyGrantsFlag reads the grants of the --config file's single bot, if
// there is a file, into cfg (for check, which runs no bot).
func applyGrantsFlag(o opts, cfg *host.Config) error {
	path := o.String("config")
	if path == "" {
		return nil
	}
	f, err := readConfig(path, false)
	if err != nil {
		return err
	}
	fb, err := f.single()
	if err != nil {
		return err
	}
	return applyGrants(cfg, fb.grants, path, grantsTable(fb))
}

// grantsTable is where fb's grants tables are in its file.
func grantsTable(fb *fileBot) string {
	if fb.table == "" {
		return "grants"
	}
	return fb.table + ".grants"
}
