package scripts_test

import (
	"bufio"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/luabot/luabot/scripts"
)

// The Lua API is described twice: for editors in luabot.d.lua and for people
// in docs/lua-api.md. These tests keep the two from drifting apart: every
// name the annotations declare must appear in the document, spelled the way a
// script writes it, and every API name a heading of the document announces
// must be declared.

// classVar is how the document spells a value of each annotated class:
// ev.type, ev:reply(…), err.code, kv.get(…). A class added to luabot.d.lua
// must be added here, which makes its members part of the check.
var classVar = map[string]string{
	"luabot.Error":          "err",
	"luabot.User":           "ev.author",
	"luabot.Event":          "ev",
	"luabot.Handle":         "h",
	"luabot.Timer":          "t",
	"luabot.Script":         "script",
	"luabot.KV":             "kv",
	"luabot.Response":       "res",
	"luabot.HTTPOptions":    "opts",
	"luabot.CommandOptions": "opts",
	"luabot.Stream":         "s",
}

// notInStubs are names a heading of the document may announce although
// luabot.d.lua does not declare them: the standard library luabot keeps
// (require and package are its own, print is log.info) and the test API, which exists only
// in *_test.lua files.
var notInStubs = map[string]bool{
	"print": true, "require": true, "package": true, "os": true, "string": true, "table": true, "math": true,
	"coroutine": true, "pcall": true, "xpcall": true,
	"test": true, "expect": true, "sim": true,
}

// stubAPI is what luabot.d.lua declares, as scripts spell it.
type stubAPI struct {
	// names holds each declared name as it must appear in the document: "on(",
	// "qq.send(", "ev:reply(", "ev.type", "json.null", "qq".
	names map[string]bool
	// roots holds the first identifier of every declared name ("qq", "ev",
	// "on"), to recognise API names in the document's headings.
	roots map[string]bool
}

var (
	reClass       = regexp.MustCompile(`^---@class\s+(\S+)`)
	reField       = regexp.MustCompile(`^---@field\s+([A-Za-z_]\w*)`)
	reType        = regexp.MustCompile(`^---@type\s+(\S+)`)
	reLocalTable  = regexp.MustCompile(`^local\s+([A-Za-z_]\w*)\s*=\s*\{\s*\}`)
	reGlobalTable = regexp.MustCompile(`^([A-Za-z_]\w*)\s*=\s*\{\s*\}`)
	reModuleField = regexp.MustCompile(`^([A-Za-z_]\w*)\.([A-Za-z_]\w*)\s*=`)
	reFunction    = regexp.MustCompile(`^function\s+([A-Za-z_]\w*)(?:([.:])([A-Za-z_]\w*))?\s*\(`)
)

// parseStubs reads the names declared by a LuaLS annotation file. It
// understands the subset luabot.d.lua uses: global functions and tables,
// module functions and fields, and classes (with ---@field lines) bound to
// a local table whose functions and methods become the class's members.
func parseStubs(src string) (stubAPI, error) {
	api := stubAPI{names: map[string]bool{}, roots: map[string]bool{}}
	alias := map[string]string{} // local table name -> class
	varOf := func(class string) (string, error) {
		v, ok := classVar[class]
		if !ok {
			return "", fmt.Errorf("class %s has no spelling in classVar: add how docs/lua-api.md writes its values", class)
		}
		return v, nil
	}
	add := func(name string) {
		api.names[name] = true
		root := name
		if i := strings.IndexAny(root, ".:("); i >= 0 {
			root = root[:i]
		}
		api.roots[root] = true
	}
	fieldsOf := ""     // the class whose ---@field lines are being read
	pendingClass := "" // the class the next local table binds to
	sc := bufio.NewScanner(strings.NewReader(src))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if m := reClass.FindStringSubmatch(line); m != nil {
			fieldsOf, pendingClass = m[1], m[1]
			continue
		}
		if m := reField.FindStringSubmatch(line); m != nil && fieldsOf != "" {
			v, err := varOf(fieldsOf)
			if err != nil {
				return api, fmt.Errorf("line %d: %w", n, err)
			}
			add(v + "." + m[1])
			continue
		}
		if strings.HasPrefix(line, "--") || line == "" {
			if m := reType.FindStringSubmatch(line); m != nil {
				pendingClass = ""
			}
			continue
		}
		fieldsOf = ""
		switch {
		case reLocalTable.MatchString(line):
			m := reLocalTable.FindStringSubmatch(line)
			if pendingClass == "" {
				return api, fmt.Errorf("line %d: local table %s is not bound to a ---@class", n, m[1])
			}
			alias[m[1]] = pendingClass
			pendingClass = ""
		case reGlobalTable.MatchString(line):
			add(reGlobalTable.FindStringSubmatch(line)[1])
			pendingClass = ""
		case reModuleField.MatchString(line):
			m := reModuleField.FindStringSubmatch(line)
			add(m[1] + "." + m[2])
		case reFunction.MatchString(line):
			m := reFunction.FindStringSubmatch(line)
			root, sep, member := m[1], m[2], m[3]
			if sep == "" {
				add(root + "(")
				break
			}
			if class, ok := alias[root]; ok {
				v, err := varOf(class)
				if err != nil {
					return api, fmt.Errorf("line %d: %w", n, err)
				}
				root = v
			}
			add(root + sep + member + "(")
		}
	}
	return api, sc.Err()
}

// mentions reports whether doc names name in running text: not glued to a
// longer identifier or member chain on its left, and, for a name without a
// call paren, not continuing into a longer identifier on its right. (A
// regular expression per name did the same, but its leading alternation
// defeats the literal-prefix scan: 1.4 s of the package's 2 s under -race.)
func mentions(doc, name string) bool {
	for from := 0; ; {
		i := strings.Index(doc[from:], name)
		if i < 0 {
			return false
		}
		i += from
		end := i + len(name)
		left := i == 0 || !isWordByte(doc[i-1]) && doc[i-1] != '.' && doc[i-1] != ':'
		right := strings.HasSuffix(name, "(") || end == len(doc) || !isWordByte(doc[end])
		if left && right {
			return true
		}
		from = i + 1
	}
}

// isWordByte is regexp's \w: an ASCII letter, digit or underscore.
func isWordByte(c byte) bool {
	return c == '_' || '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
}

var (
	reHeadingCode = regexp.MustCompile("`([^`]+)`")
	reCodeName    = regexp.MustCompile(`^([A-Za-z_]\w*)(?:([.:])([A-Za-z_]\w*))?(\()?`)
)

// checkDocs returns one problem per declared name doc does not mention and
// per API name a heading of doc announces that the stubs do not declare.
func checkDocs(stubs, doc string) ([]string, error) {
	api, err := parseStubs(stubs)
	if err != nil {
		return nil, err
	}
	var problems []string
	for name := range api.names {
		if !mentions(doc, name) {
			problems = append(problems, fmt.Sprintf("luabot.d.lua declares %s but docs/lua-api.md never mentions it", strings.TrimSuffix(name, "(")))
		}
	}
	for _, line := range strings.Split(doc, "\n") {
		if !strings.HasPrefix(line, "#") {
			continue
		}
		for _, span := range reHeadingCode.FindAllStringSubmatch(line, -1) {
			m := reCodeName.FindStringSubmatch(span[1])
			if m == nil {
				continue
			}
			root, sep, member, call := m[1], m[2], m[3], m[4]
			if notInStubs[root] {
				continue
			}
			name := root
			if sep != "" {
				name += sep + member
			}
			name += call
			if !api.roots[root] {
				problems = append(problems, fmt.Sprintf("heading %q names %s, which luabot.d.lua does not declare", line, span[1]))
				continue
			}
			if !api.names[name] {
				problems = append(problems, fmt.Sprintf("heading %q names %s, which luabot.d.lua does not declare", line, strings.TrimSuffix(name, "(")))
			}
		}
	}
	slices.Sort(problems)
	return problems, nil
}

func TestLuaAPIDoc_CoversTypes(t *testing.T) {
	doc, err := os.ReadFile("../docs/lua-api.md")
	if err != nil {
		t.Fatal(err)
	}
	api, err := parseStubs(scripts.Types)
	if err != nil {
		t.Fatal(err)
	}
	// A parser that silently read nothing would pass every check.
	for _, want := range []string{"on(", "qq.send(", "kv.update(", "ev:reply(", "ev.text", "err.hint", "json.null", "utf8.charpattern", "t:cancel(", "script.dir"} {
		if !api.names[want] {
			t.Errorf("parsed luabot.d.lua lacks %s; the parser is out of step with the file", want)
		}
	}
	problems, err := checkDocs(scripts.Types, string(doc))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Error(p)
	}
}

func TestLuaAPIDoc_CheckerCatchesDrift(t *testing.T) {
	stubs := `
---@class luabot.Timer
local Timer = {}
function Timer:cancel() end
qq = {}
function qq.send(channel_id, msg) end
function qq.fresh(id) end
json = {}
json.null = nil
function on(event, fn) end
`
	doc := "# API\n\n### `on(event, fn)`\n\n### `qq.send(channel_id, msg)`\n\n" +
		"### `qq.gone(id)`\n\n### `t:cancel()`\n\n### `require(name)`\n\n### `mystery()`\n\n" +
		"Use `json.nullable`, not the sentinel.\n"
	problems, err := checkDocs(stubs, doc)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"heading \"### `mystery()`\" names mystery(), which luabot.d.lua does not declare",
		"heading \"### `qq.gone(id)`\" names qq.gone, which luabot.d.lua does not declare",
		"luabot.d.lua declares json.null but docs/lua-api.md never mentions it",
		"luabot.d.lua declares qq.fresh but docs/lua-api.md never mentions it",
	}
	if !slices.Equal(problems, want) {
		t.Errorf("problems:\n%s\nwant:\n%s", strings.Join(problems, "\n"), strings.Join(want, "\n"))
	}

	if _, err := checkDocs("---@class luabot.Mystery\n---@field x string\nlocal M = {}\n", ""); err == nil {
		t.Error("a class without a spelling in classVar was accepted")
	}
}

// Code comments cite docs/protocol.md by section ("§7.4", "§14.9"). Every
// cited section must exist there: headings "## §7" and "### §7.4", and for
// §14 the numbered items of its list.
func TestProtocolDoc_CitedSectionsExist(t *testing.T) {
	doc, err := os.ReadFile("../docs/protocol.md")
	if err != nil {
		t.Fatal(err)
	}
	have := map[string]bool{}
	inList := ""
	section, item := regexp.MustCompile(`^#{2,3} §(\d+(?:\.\d+)?)\s`), regexp.MustCompile(`^(\d+)\. `)
	for _, line := range strings.Split(string(doc), "\n") {
		if m := section.FindStringSubmatch(line); m != nil {
			have[m[1]] = true
			inList = m[1]
			continue
		}
		if m := item.FindStringSubmatch(line); m != nil && !strings.Contains(inList, ".") {
			have[inList+"."+m[1]] = true
		}
	}
	cite := regexp.MustCompile(`§(\d+(?:\.\d+)?)`)
	cited := 0
	err = filepath.WalkDir("..", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && strings.HasPrefix(d.Name(), ".") && path != ".." {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") {
			return nil
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if !strings.Contains(string(src), "§") {
			return nil
		}
		for i, line := range strings.Split(string(src), "\n") {
			for _, m := range cite.FindAllStringSubmatch(line, -1) {
				cited++
				if !have[m[1]] {
					t.Errorf("%s:%d cites §%s, which docs/protocol.md does not have", path, i+1, m[1])
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if cited == 0 || !have["7.4"] || !have["14.9"] {
		t.Fatalf("found %d citations, sections %v: the scan is broken", cited, len(have))
	}
}
