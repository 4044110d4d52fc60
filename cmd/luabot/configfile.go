package main

import (
	"bytes"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/pelletier/go-toml/v2"
	"github.com/pelletier/go-toml/v2/unstable"

	"github.com/luabot/luabot/bindings"
)

// The --config file (TOML) describes one bot with top-level keys, or several
// with [bots.NAME] tables (top-level bot keys are then defaults for each).
// A bot's key is its `luabot run` flag with _ for -; a few keys are the
// file's own: load (the scripts), [scripts.NAME] (their settings), [bot]
// (lang, as before) and [grants.NAME] (capabilities). The process-wide
// keys are log_level and [admin].

// botKeys are the keys of one bot: the schema the strict decoder checks
// (unknown keys, types) and the known keys spelling suggestions come from.
type botKeys struct {
	AppID           string   `toml:"app_id"`
	Secret          string   `toml:"secret"`
	Token           string   `toml:"token"`
	API             string   `toml:"api"`
	TokenURL        string   `toml:"token_url"`
	Sandbox         bool     `toml:"sandbox"`
	Load            []string `toml:"load"`
	Data            string   `toml:"data"`
	Store           string   `toml:"store"`
	ShareShards     bool     `toml:"share_shards"`
	ShardLease      string   `toml:"shard_lease"`
	Transport       string   `toml:"transport"`
	Shards          int      `toml:"shards"`
	ShardRange      string   `toml:"shard_range"`
	Listen          string   `toml:"listen"`
	TLSCert         string   `toml:"tls_cert"`
	TLSKey          string   `toml:"tls_key"`
	MaxScriptCPU    string   `toml:"max_script_cpu"`
	MaxScriptMemory int      `toml:"max_script_memory"`
	KVQuota         int64    `toml:"kv_quota"`
	KVQuotaKeys     int64    `toml:"kv_quota_keys"`
	HTTPAllow       []string `toml:"http_allow"`
	HTTPLoopback    bool     `toml:"http_loopback"`
	HTTPTimeout     string   `toml:"http_timeout"`
	HTTPMaxBody     int      `toml:"http_max_body"`
	TZ              string   `toml:"tz"`
	Lang            string   `toml:"lang"`
	Bot             struct {
		Lang string `toml:"lang"`
	} `toml:"bot"`
	// Settings for config.get: string values, and a secret sub-table.
	Scripts map[string]map[string]any `toml:"scripts"`
	// Capabilities per script, read by applyGrants.
	Grants map[string]any `toml:"grants"`
}

// fileKeys is the whole file.
type fileKeys struct {
	botKeys
	LogLevel string `toml:"log_level"`
	Admin    struct {
		Addr    string `toml:"addr"`
		Token   string `toml:"token"`
		TLSCert string `toml:"tls_cert"`
		TLSKey  string `toml:"tls_key"`
	} `toml:"admin"`
	Bots map[string]botKeys `toml:"bots"`
}

// ownKeys are a bot's keys that are not flags.
var ownKeys = map[string]bool{"load": true, "bot": true, "scripts": true, "grants": true}

// durationKeys are read with time.ParseDuration.
var durationKeys = map[string]bool{"shard_lease": true, "max_script_cpu": true, "http_timeout": true}

// pathKeys are files, relative to the config file's folder.
var pathKeys = map[string]bool{"data": true, "tls_cert": true, "tls_key": true}

// secretKeys may (and should) name an environment variable: "${NAME}". The
// store URL may too, and is a secret when it holds a password.
var secretKeys = map[string]bool{"secret": true, "token": true}

// adminFlagOf maps the keys of [admin] to the flags they stand for.
var adminFlagOf = map[string]string{"addr": "admin", "token": "admin-token", "tls_cert": "admin-tls-cert", "tls_key": "admin-tls-key"}

// configFile is a decoded, checked --config file.
type configFile struct {
	path  string
	lines map[string]int // "bots.a.secret" → its line
	// bots in name order; one with name "" when the file describes a single bot.
	bots []*fileBot
	// process-wide flag values: log-level and the admin flags.
	process map[string]any
	// inline is set when a secret is written in the file itself.
	inline bool
	// noSecrets leaves ${NAME} references unread.
	noSecrets bool
}

// fileBot is one bot of the file.
type fileBot struct {
	path    string            // the file
	lines   map[string]int    // the file's, for messages
	where   map[string]string // key → where the bot got it: "bots.a.data" or (a default) "data"
	name    string
	table   string         // "" or "bots.NAME": where its keys are
	flags   map[string]any // flag name → value (string, bool, int64, []string)
	load    []string
	lang    string // [bot] lang
	scripts map[string]map[string]any
	grants  map[string]any
}

// line returns where key (a dotted path) is, or the nearest table above it.
func (f *configFile) line(key string) int {
	for {
		if n, ok := f.lines[key]; ok {
			return n
		}
		i := strings.LastIndexByte(key, '.')
		if i < 0 {
			return 1
		}
		key = key[:i]
	}
}

// at prefixes a message with file:line of key.
func (f *configFile) at(key, format string, args ...any) error {
	return usagef("%s:%d: %s", f.path, f.line(key), fmt.Sprintf(format, args...))
}

// readConfigFile reads and checks the file at path: every mistake is a usage
// error naming file:line and the fix, found before anything connects.
func readConfigFile(path string) (*configFile, error) { return readConfig(path, true) }

// readConfig is readConfigFile; without secrets (luabot status), the
// environment variables the file names need not be set.
func readConfig(path string, secrets bool) (*configFile, error) {
	doc, err := os.ReadFile(path)
	if err != nil {
		return nil, usagef("--config: %v", err)
	}
	f := &configFile{path: path, lines: map[string]int{}, noSecrets: !secrets}
	var keys fileKeys
	if err := toml.NewDecoder(bytes.NewReader(doc)).DisallowUnknownFields().Decode(&keys); err != nil {
		return nil, f.explain(doc, err)
	}
	f.index(doc)
	var raw map[string]any
	if err := toml.Unmarshal(doc, &raw); err != nil {
		return nil, f.explain(doc, err)
	}
	dir := filepath.Dir(path)
	f.process = map[string]any{}
	if v, ok := raw["log_level"].(string); ok {
		f.process["log-level"] = v
	}
	if admin, ok := raw["admin"].(map[string]any); ok {
		for k, v := range admin {
			s, _ := v.(string)
			key := "admin." + k
			if k == "token" {
				if s, err = f.expand(key, s); err != nil {
					return nil, err
				}
			}
			if strings.HasPrefix(k, "tls_") {
				s = inDir(dir, s)
			}
			f.process[adminFlagOf[k]] = s
		}
	}
	defaults := map[string]any{}
	for k, v := range raw {
		if k != "bots" && k != "log_level" && k != "admin" {
			defaults[k] = v
		}
	}
	bots, _ := raw["bots"].(map[string]any)
	if len(bots) == 0 {
		b, err := f.bot("", "", defaults, nil, dir)
		if err != nil {
			return nil, err
		}
		f.bots = []*fileBot{b}
	} else {
		names := make([]string, 0, len(bots))
		for name := range bots {
			names = append(names, name)
		}
		sort.Strings(names)
		for _, name := range names {
			own, _ := bots[name].(map[string]any)
			b, err := f.bot(name, "bots."+name, defaults, own, dir)
			if err != nil {
				return nil, err
			}
			f.bots = append(f.bots, b)
		}
	}
	if err := f.checkShared(); err != nil {
		return nil, err
	}
	return f, nil
}

// bot builds one bot from the top-level keys (defaults) and its own table.
func (f *configFile) bot(name, table string, defaults, own map[string]any, dir string) (*fileBot, error) {
	b := &fileBot{path: f.path, lines: f.lines, name: name, table: table, flags: map[string]any{}, scripts: map[string]map[string]any{}, grants: map[string]any{}}
	where := map[string]string{}
	b.where = where
	merged := map[string]any{}
	for _, layer := range []struct {
		prefix string
		keys   map[string]any
	}{{"", defaults}, {table, own}} {
		for k, v := range layer.keys {
			path := k
			if layer.prefix != "" {
				path = layer.prefix + "." + k
			}
			switch k {
			case "scripts", "grants":
				// Merged per NAME: a bot's [bots.B.scripts.X] replaces the top-level [scripts.X].
				m, _ := v.(map[string]any)
				for n, s := range m {
					if k == "grants" {
						b.grants[n] = s
						continue
					}
					settings, _ := s.(map[string]any)
					b.scripts[n] = settings
					where["scripts."+n] = path + "." + n
				}
				continue
			}
			merged[k], where[k] = v, path
		}
	}
	for k, v := range merged {
		path := where[k]
		switch {
		case k == "load":
			for _, p := range v.([]any) {
				p := inDir(dir, p.(string))
				if _, err := os.Stat(p); err != nil {
					return nil, f.at(path, "load: script %s does not exist: fix the path (relative paths start at the config file's folder)", p)
				}
				b.load = append(b.load, p)
			}
		case k == "bot":
			if m, ok := v.(map[string]any); ok {
				b.lang, _ = m["lang"].(string)
			}
		case durationKeys[k]:
			if _, err := time.ParseDuration(v.(string)); err != nil {
				return nil, f.at(path, "%s = %q: not a duration: write e.g. \"2s\" or \"500ms\"", k, v)
			}
			b.flags[flagOf(k)] = v
		case secretKeys[k]:
			s, err := f.expand(path, v.(string))
			if err != nil {
				return nil, err
			}
			b.flags[flagOf(k)] = s
		case k == "store" && !f.noSecrets:
			// Its URL may hold the server's password: written in the file, it
			// makes the file a secret's, as an inline secret does.
			inline := f.inline
			s, err := f.expand(path, v.(string))
			if err != nil {
				return nil, err
			}
			f.inline = inline || inlinePassword(v.(string))
			b.flags["store"] = s
		case pathKeys[k]:
			b.flags[flagOf(k)] = inDir(dir, v.(string))
		default:
			if list, ok := v.([]any); ok {
				strs := make([]string, len(list))
				for i, s := range list {
					strs[i] = fmt.Sprint(s)
				}
				v = strs
			}
			b.flags[flagOf(k)] = v
		}
	}
	for script, settings := range b.scripts {
		table := where["scripts."+script]
		for k, v := range settings {
			if sec, ok := v.(map[string]any); ok && k == "secret" {
				for k, v := range sec {
					text, err := f.settingText(table+".secret."+k, k, v)
					if err != nil {
						return nil, err
					}
					if sec[k], err = f.expand(table+".secret."+k, text); err != nil {
						return nil, err
					}
				}
				continue
			}
			text, err := f.settingText(table+"."+k, k, v)
			if err != nil {
				return nil, err
			}
			settings[k] = text
		}
	}
	if name != "" {
		app, _ := b.flags["app-id"].(string)
		secret, _ := b.flags["secret"].(string)
		token, _ := b.flags["token"].(string)
		if app == "" || (secret == "" && token == "" && !f.noSecrets) {
			return nil, f.at(table, "bot %q needs app_id and secret (or token): add them to [%s], e.g. secret = \"${%s_SECRET}\"", name, table, envName(name))
		}
		if _, ok := b.flags["data"]; !ok {
			// Each bot keeps its own file by default, so two bots never share one.
			b.flags["data"] = inDir(dir, "luabot-"+name+".db")
		}
	}
	return b, nil
}

// checkShared refuses two bots on one data file or one store namespace.
func (f *configFile) checkShared() error {
	seen := map[string]*fileBot{}
	for _, b := range f.bots {
		key, field := "", "data"
		if store, _ := b.flags["store"].(string); store != "" {
			app, _ := b.flags["app-id"].(string)
			key, field = "store "+store+" app "+app, "store"
		} else {
			data, _ := b.flags["data"].(string)
			abs, err := filepath.Abs(data)
			if err != nil {
				abs = data
			}
			key = "data " + abs
		}
		if other, ok := seen[key]; ok {
			what := fmt.Sprintf("the data file %s", b.flags["data"])
			fix := "give each bot its own data = \"…\""
			if field == "store" {
				what = fmt.Sprintf("the store namespace of app %s", b.flags["app-id"])
				fix = "give each bot its own app_id or store"
			}
			return f.at(b.keyPath(field), "bots %q and %q share %s (line %d): %s", other.name, b.name, what, f.line(other.keyPath(field)), fix)
		}
		seen[key] = b
	}
	return nil
}

// settingText is a script's setting as config.get gives it: text, or a
// number or true/false as written. A list, a table or a date is refused,
// naming the key at path and never the value, which may be a secret.
func (f *configFile) settingText(path, key string, v any) (string, error) {
	switch v := v.(type) {
	case string:
		return v, nil
	case int64:
		return strconv.FormatInt(v, 10), nil
	case float64:
		return strconv.FormatFloat(v, 'g', -1, 64), nil
	case bool:
		return strconv.FormatBool(v), nil
	}
	what := "a table"
	switch v.(type) {
	case []any:
		what = "a list"
	case time.Time, toml.LocalDate, toml.LocalDateTime, toml.LocalTime:
		what = "a date or time"
	}
	return "", f.at(path, "%s: a script's setting is text, not %s: write %s = \"…\"", path, what, key)
}

var envRef = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)\}`)

// expand replaces ${NAME} with the environment variable NAME. A value with no
// reference is a secret written inline: the file's permissions matter then.
func (f *configFile) expand(key, s string) (string, error) {
	refs := envRef.FindAllStringSubmatch(s, -1)
	if f.noSecrets {
		return "", nil
	}
	if len(refs) == 0 {
		if s != "" {
			f.inline = true
		}
		return s, nil
	}
	for _, r := range refs {
		if _, ok := os.LookupEnv(r[1]); !ok {
			return "", f.at(key, "%s: the environment variable %s is not set: export it before starting luabot", key, r[1])
		}
	}
	return envRef.ReplaceAllStringFunc(s, func(ref string) string { return os.Getenv(ref[2 : len(ref)-1]) }), nil
}

// inlinePassword reports whether the store URL raw, as the file writes it,
// holds a password itself rather than through a ${NAME} reference. A URL
// that does not parse may.
func inlinePassword(raw string) bool {
	raw = envRef.ReplaceAllString(raw, "")
	u, err := url.Parse(raw)
	if err != nil {
		return strings.Contains(raw, "@")
	}
	pw, _ := u.User.Password()
	return pw != ""
}

// warnPermissions warns when a file holding a secret inline can be read by
// others. The value itself is never named.
func (f *configFile) warnPermissions(log func(msg string, args ...any)) {
	if !f.inline {
		return
	}
	fi, err := os.Stat(f.path)
	if err != nil || fi.Mode().Perm()&0o077 == 0 {
		return
	}
	log("the config file holds a secret inline and other users may read it: chmod 600 it, or write the secret as \"${ENV_NAME}\"",
		"file", f.path, "mode", fmt.Sprintf("%04o", fi.Mode().Perm()))
}

// keyPath is where the bot's key is in the file (its own table, or the
// top-level default), or its table when the file does not say.
func (b *fileBot) keyPath(key string) string {
	if p, ok := b.where[key]; ok {
		return p
	}
	return b.table
}

// line is the line of the bot's key, or of its table.
func (b *fileBot) line(key string) int {
	f := configFile{lines: b.lines}
	return f.line(b.keyPath(key))
}

// flagOf is the flag a bot key stands for.
func flagOf(key string) string { return strings.ReplaceAll(key, "_", "-") }

// inDir resolves a path of the file relative to the file's folder.
func inDir(dir, p string) string {
	if p == "" || filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(dir, p)
}

// index records the line of every key and table of doc.
func (f *configFile) index(doc []byte) {
	p := unstable.Parser{}
	p.Reset(doc)
	table := ""
	for p.NextExpression() {
		e := p.Expression()
		switch e.Kind {
		case unstable.Table, unstable.ArrayTable:
			table = joinKey(e.Key())
			it := e.Key()
			it.Next()
			f.lines[table] = p.Shape(it.Node().Raw).Start.Line
		case unstable.KeyValue:
			it := e.Key()
			it.Next()
			start := it.Node().Raw
			k := joinKey(e.Key())
			if table != "" {
				k = table + "." + k
			}
			f.lines[k] = p.Shape(start).Start.Line
		}
	}
}

func joinKey(it unstable.Iterator) string {
	var parts []string
	for it.Next() {
		parts = append(parts, string(it.Node().Data))
	}
	return strings.Join(parts, ".")
}

// explain turns the parser's errors into file:line and the fix.
func (f *configFile) explain(doc []byte, err error) error {
	var strict *toml.StrictMissingError
	if errors.As(err, &strict) {
		var lines []string
		for i := range strict.Errors {
			e := &strict.Errors[i]
			row, _ := e.Position()
			key := []string(e.Key())
			name := key[len(key)-1]
			table := strings.Join(key[:len(key)-1], ".")
			where := "at the top level"
			if table != "" {
				where = "in [" + table + "]"
			}
			msg := fmt.Sprintf("%s:%d: unknown key %q %s", f.path, row, name, where)
			if s := closest(name, knownKeys(key[:len(key)-1])); s != "" {
				msg += fmt.Sprintf(": did you mean %q?", s)
			}
			lines = append(lines, msg)
		}
		return usagef("%s", strings.Join(lines, "\n"))
	}
	var de *toml.DecodeError
	if !errors.As(err, &de) {
		return usagef("%s: %v", f.path, err)
	}
	row, _ := de.Position()
	msg := strings.TrimPrefix(de.Error(), "toml: ")
	key := strings.Join(de.Key(), ".")
	text := lineOf(doc, row)
	switch {
	case strings.HasPrefix(msg, "table ") && strings.HasSuffix(msg, " already exists") && strings.HasPrefix(key, "bots."):
		return usagef("%s:%d: bot %q is described twice (a second [%s]): rename one, or merge the two tables", f.path, row, strings.TrimPrefix(key, "bots."), key)
	case strings.HasPrefix(msg, "table ") && strings.HasSuffix(msg, " already exists"):
		return usagef("%s:%d: [%s] appears twice: merge the two tables", f.path, row, key)
	case strings.HasSuffix(msg, "is already defined"):
		return usagef("%s:%d: %s: keep one of the two lines", f.path, row, msg)
	case strings.Contains(msg, "at start of value"):
		if k, v, ok := strings.Cut(text, "="); ok {
			v = strings.TrimSpace(v)
			if i := strings.Index(v, "#"); i >= 0 {
				v = strings.TrimSpace(v[:i])
			}
			k = strings.TrimSpace(k)
			if secretLine(doc, row, k) {
				// The error ends up in logs: name the key, never the value.
				return usagef("%s:%d: %s: text is quoted in TOML: write %s = \"…\"", f.path, row, k, k)
			}
			return usagef("%s:%d: %s = %s: text is quoted in TOML: write %s = %q", f.path, row, k, v, k, v)
		}
	case strings.HasPrefix(msg, "cannot decode"):
		if fix := typeFix(msg, de.Key(), text); fix != "" {
			return usagef("%s:%d: %s: %s", f.path, row, key, fix)
		}
		return usagef("%s:%d: %s: %s", f.path, row, key, msg)
	}
	return usagef("%s:%d: %s (the file is TOML: key = \"value\" lines under [table] headers)", f.path, row, msg)
}

// secretLine reports whether key, written on line row of doc, holds a
// secret: its name says so (secret, token, api_key, …) or it sits in a
// secret table ([scripts.NAME.secret], or a dotted key through one).
func secretLine(doc []byte, row int, key string) bool {
	path := key
	lines := strings.Split(string(doc), "\n")
	for i := min(row, len(lines)) - 2; i >= 0; i-- {
		l := strings.TrimSpace(lines[i])
		if strings.HasPrefix(l, "[") {
			if end := strings.LastIndexByte(l, ']'); end > 0 {
				path = strings.Trim(l[:end], "[] ") + "." + key
			}
			break
		}
	}
	parts := strings.Split(path, ".")
	for i, p := range parts {
		parts[i] = strings.Trim(strings.TrimSpace(p), `"'`)
	}
	return slices.Contains(parts, "secret") || bindings.IsSecretKey(parts[len(parts)-1])
}

var reDecode = regexp.MustCompile(`^cannot decode TOML (\w+) into .*? of type (.+)$`)

// typeFix says in TOML's terms what a key of the wrong type wants, and how
// to write it: go-toml's message names Go types (struct field
// main.fileKeys.TZ of type string). "" when msg is not such a message.
func typeFix(msg string, key []string, text string) string {
	m := reDecode.FindStringSubmatch(msg)
	if m == nil || len(key) == 0 {
		return ""
	}
	got, want := m[1], m[2]
	name := key[len(key)-1]
	v := ""
	if _, after, ok := strings.Cut(text, "="); ok {
		v = strings.TrimSpace(after)
		if i := strings.Index(v, "#"); i >= 0 && !strings.Contains(v[:i], `"`) {
			v = strings.TrimSpace(v[:i])
		}
	}
	bare := strings.Trim(v, `"'`)
	if slices.Contains(key, "secret") || bindings.IsSecretKey(name) {
		bare = "…" // the error ends up in logs: never the value of a secret
	}
	var need, write string
	switch {
	case want == "string" && durationKeys[name]:
		need, write = "a duration in quotes", fmt.Sprintf("%s = %q", name, strings.TrimSuffix(bare, "s")+"s")
	case want == "string":
		need, write = "text in quotes", fmt.Sprintf("%s = %q", name, bare)
	case want == "bool":
		need, write = "true or false, without quotes", name+" = true"
	case strings.HasPrefix(want, "int") || strings.HasPrefix(want, "uint"):
		need, write = "a whole number, without quotes", name+" = 1"
		if _, err := strconv.ParseInt(bare, 10, 64); err == nil {
			write = name + " = " + bare
		}
	case strings.HasPrefix(want, "float"):
		need, write = "a number, without quotes", name+" = 1"
	case strings.HasPrefix(want, "[]"):
		need, write = "a list", fmt.Sprintf("%s = [%q]", name, bare)
	case strings.HasPrefix(want, "struct"):
		return fmt.Sprintf("want a table, got a TOML %s: write [%s] on a line of its own, its keys on the lines below", got, strings.Join(key, "."))
	case strings.HasPrefix(want, "map"):
		return fmt.Sprintf("want tables, got a TOML %s: write [%s.NAME] on a line of its own, its keys on the lines below", got, strings.Join(key, "."))
	default:
		return ""
	}
	return fmt.Sprintf("want %s, got a TOML %s: write %s", need, got, write)
}

func lineOf(doc []byte, row int) string {
	lines := strings.Split(string(doc), "\n")
	if row < 1 || row > len(lines) {
		return ""
	}
	return strings.TrimSpace(lines[row-1])
}

// knownKeys lists the keys of the table at path in the file's schema.
func knownKeys(path []string) []string {
	t := reflect.TypeOf(fileKeys{})
	for i := 0; i < len(path); i++ {
		f, ok := fieldByTag(t, path[i])
		if !ok {
			return nil
		}
		t = f.Type
		if t.Kind() == reflect.Map {
			i++ // the map's own key: a bot's name
			t = t.Elem()
		}
		if t.Kind() != reflect.Struct {
			return nil
		}
	}
	var keys []string
	var walk func(reflect.Type)
	walk = func(t reflect.Type) {
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			if f.Anonymous {
				walk(f.Type)
				continue
			}
			keys = append(keys, strings.Split(f.Tag.Get("toml"), ",")[0])
		}
	}
	walk(t)
	return keys
}

func fieldByTag(t reflect.Type, tag string) (reflect.StructField, bool) {
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if f.Anonymous {
			if g, ok := fieldByTag(f.Type, tag); ok {
				return g, true
			}
			continue
		}
		if strings.Split(f.Tag.Get("toml"), ",")[0] == tag {
			return f, true
		}
	}
	return reflect.StructField{}, false
}

// closest is the known key nearest to name, if it is near enough to be a typo.
func closest(name string, known []string) string {
	best, bestD := "", len(name)/2+2
	for _, k := range known {
		if d := levenshtein(name, k); d < bestD {
			best, bestD = k, d
		}
	}
	return best
}

func levenshtein(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}

// single is the file's one bot, for the commands that run one (dev, test,
// repl, and run with flags naming the bot).
func (f *configFile) single() (*fileBot, error) {
	if len(f.bots) != 1 || f.bots[0].name != "" {
		return nil, usagef("%s describes several bots (%s): this command takes a file with a single bot (top-level keys)", f.path, strings.Join(f.names(), ", "))
	}
	return f.bots[0], nil
}

func (f *configFile) names() []string {
	names := make([]string, len(f.bots))
	for i, b := range f.bots {
		names[i] = b.name
	}
	return names
}
