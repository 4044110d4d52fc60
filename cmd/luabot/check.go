package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/urfave/cli/v2"
	lua "github.com/yuin/gopher-lua"
	"github.com/yuin/gopher-lua/ast"
	"github.com/yuin/gopher-lua/parse"

	"github.com/luabot/luabot/bindings"
	"github.com/luabot/luabot/dispatch"
	"github.com/luabot/luabot/host"
	"github.com/luabot/luabot/kv"
	"github.com/luabot/luabot/openapi"
	"github.com/luabot/luabot/transport"
)

func checkCommand() *cli.Command {
	return &cli.Command{
		Name:      "check",
		Usage:     "find mistakes in scripts without running them (for editors and pre-commit hooks); a folder is checked with its subfolders, as `luabot test` walks it",
		ArgsUsage: "SCRIPT|DIR...",
		Flags: []cli.Flag{&cli.StringFlag{Name: "data", Value: "luabot.db", EnvVars: []string{"LUABOT_DATA"},
			Usage: "the kv file of the bot; when its last run was not granted the guild DM intent, check warns that commands will not answer in DMs"},
			&cli.StringFlag{Name: "config", Aliases: []string{"c"}, EnvVars: []string{"LUABOT_CONFIG"},
				Usage: "the bot's config file: check reports calls its [grants.NAME] tables refuse"}},
		Action: checkAction,
	}
}

// checkAction prints one "path:line: message" line per problem on stdout
// and exits 1 if there is any; on success it prints only a summary on
// stderr.
func checkAction(c *cli.Context) error {
	if c.NArg() == 0 {
		return usagef("check: name at least one script file or folder")
	}
	files, err := checkFiles(c.Args().Slice())
	if err != nil {
		return usagef("%v", err)
	}
	var cfg host.Config
	if err := applyGrantsFlag(c, &cfg); err != nil {
		return err
	}
	problems, err := checkScripts(files, dmRefused(c.String("data")), cfg.Grants, c.String("config"))
	if err != nil {
		return err
	}
	bad := map[string]bool{}
	var errs []problem
	for _, p := range problems {
		fmt.Fprintln(c.App.Writer, p)
		if !p.warning {
			bad[p.path] = true
			errs = append(errs, p)
		}
	}
	problems = errs
	if len(problems) > 0 {
		return fmt.Errorf("check: %d %s in %d of %d %s", len(problems), plural(len(problems), "problem"),
			len(bad), len(files), plural(len(files), "script"))
	}
	fmt.Fprintf(c.App.ErrWriter, "luabot check: %d %s ok\n", len(files), plural(len(files), "script"))
	return nil
}

// checkFiles expands check's arguments: a file is itself; a folder is the
// scripts of it and of its subfolders (host.ScriptsIn: no tests, no
// libraries), hidden folders and lib folders skipped, so check covers
// every script `luabot test` on the same folder loads (test walks
// subfolders for *_test.lua and loads the scripts beside each) and no
// library, whose unused lines are not the bot's problem.
func checkFiles(args []string) ([]string, error) {
	var files []string
	for _, arg := range args {
		info, err := os.Stat(arg)
		if err != nil {
			return nil, fmt.Errorf("script %s: %w", arg, errors.Unwrap(err))
		}
		if !info.IsDir() {
			if err := host.NotAScript(arg); err != nil {
				return nil, err
			}
			files = append(files, arg)
			continue
		}
		n := len(files)
		err = filepath.WalkDir(arg, func(path string, d fs.DirEntry, err error) error {
			switch {
			case err != nil:
				return err
			case d.IsDir() && path != arg && (strings.HasPrefix(d.Name(), ".") || d.Name() == host.LibraryFolder):
				return filepath.SkipDir
			case d.IsDir():
				scripts, err := host.ScriptsIn(path)
				files = append(files, scripts...)
				return err
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		if len(files) == n {
			return nil, fmt.Errorf("script folder %s has no scripts (.lua files that are not tests or libraries)", arg)
		}
	}
	return files, nil
}

func plural(n int, word string) string {
	if n == 1 {
		return word
	}
	return word + "s"
}

// problem is one mistake at a place in a script.
type problem struct {
	path string
	line int // 0: the file as a whole
	msg  string
	// warning: printed, but check still succeeds.
	warning bool
}

func (p problem) String() string {
	if p.warning {
		return fmt.Sprintf("%s:%d: warning: %s", p.path, p.line, p.msg)
	}
	if p.line > 0 {
		return fmt.Sprintf("%s:%d: %s", p.path, p.line, p.msg)
	}
	return fmt.Sprintf("%s: %s", p.path, p.msg)
}

// unreachableAPI is where the dry VM's REST client points: nothing is
// contacted while scripts load (calls that wait raise at top level), and
// if something ever were, a closed loopback port fails at once.
const unreachableAPI = "http://127.0.0.1:1"

// checkScripts finds what it can without the platform, in two passes: a
// static one over each file's syntax tree (syntax errors, sandbox-missing
// libraries, and literal event names and usage strings anywhere, handlers
// included), then a dry load that runs every top level in a normal host
// whose REST client points nowhere and whose kv file is temporary, so
// nothing reaches the network or ./luabot.db. A dry-load error on a line
// the static pass already reported is the same mistake and is dropped.
//
// grants (from the config file, nil for none) add findings for calls a
// script's grant refuses.
func checkScripts(files []string, noDM bool, grants *host.Grants, configFile string) ([]problem, error) {
	tmp, err := os.MkdirTemp("", "luabot-check-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	store, err := kv.Open(kv.Config{Path: filepath.Join(tmp, "check.db")})
	if err != nil {
		return nil, err
	}
	defer store.Close()
	api, err := openapi.New(openapi.Config{AppID: "1", Secret: "check", BaseURL: unreachableAPI, TokenURL: unreachableAPI})
	if err != nil {
		return nil, err
	}
	v, err := newValidator(api, store)
	if err != nil {
		return nil, err
	}
	defer v.L.Close()

	var problems []problem
	var parsed []string
	for _, f := range files {
		chunk := filepath.ToSlash(f)
		src, err := os.ReadFile(f)
		if err != nil {
			problems = append(problems, problem{path: chunk, msg: errors.Unwrap(err).Error()})
			continue
		}
		stmts, err := host.Parse(string(src), chunk) // goto as a name, as in 5.1
		if err != nil {
			problems = append(problems, syntaxProblem(chunk, string(src), err))
			continue
		}
		l := &linter{chunk: chunk, v: v}
		name := strings.TrimSuffix(filepath.Base(f), ".lua")
		if g, err := host.GrantOf(grants, name, string(src)); err == nil {
			l.grants = &grantCheck{grant: g, hint: staticHint(configFile, name, grants, g)}
		}
		l.block(stmts)
		problems = append(problems, l.problems...)
		if noDM && l.firstCommand > 0 {
			problems = append(problems, problem{path: chunk, line: l.firstCommand, warning: true,
				msg: "commands will not answer in guild DMs: the bot's last run was not granted the DM intent (DIRECT_MESSAGE_CREATE needs approval on the QQ open platform); luabot status shows the intents"})
		}
		parsed = append(parsed, f)
	}

	h, err := host.New(host.Config{API: api, Store: store, Clock: host.NewVirtualClock(time.Now()),
		Logger: slog.New(slog.DiscardHandler), Grants: grants})
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	for _, p := range problems {
		if !p.warning {
			seen[p.path+":"+strconv.Itoa(p.line)] = true
		}
	}
	for _, e := range flatten(h.Load(parsed...)) {
		var le *host.LoadError
		if !errors.As(e, &le) {
			return nil, e
		}
		p := located(filepath.ToSlash(le.Path), le.Error())
		if strings.Contains(p.msg, "config.require(") && strings.Contains(p.msg, " is not set;") {
			// Settings are the operator's, given when the bot runs; check
			// looks at the script alone.
			continue
		}
		if !seen[p.path+":"+strconv.Itoa(p.line)] {
			problems = append(problems, p)
		}
	}

	order := map[string]int{}
	for i, f := range files {
		order[filepath.ToSlash(f)] = i
	}
	sort.SliceStable(problems, func(i, j int) bool {
		a, b := problems[i], problems[j]
		if a.path != b.path {
			return order[a.path] < order[b.path]
		}
		return a.line < b.line
	})
	return problems, nil
}

var position = regexp.MustCompile(`^(.+?):(\d+): `)

// located splits a "path:line: message" error. A message about another
// file (a required module) keeps its own path.
func located(path, msg string) problem {
	msg = strings.TrimSpace(msg)
	if m := position.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[2])
		return problem{path: m[1], line: line, msg: msg[len(m[0]):]}
	}
	return problem{path: path, msg: strings.TrimPrefix(msg, path+": ")}
}

// syntaxProblem reports a parse error in the form the host uses.
func syntaxProblem(chunk, src string, err error) problem {
	var pe *parse.Error
	if errors.As(err, &pe) {
		if pe.Pos.Line == parse.EOF {
			line, msg := host.SyntaxAtEOF(src, chunk)
			return problem{path: chunk, line: line, msg: msg}
		}
		return problem{path: chunk, line: pe.Pos.Line, msg: fmt.Sprintf("%s near '%s'", pe.Message, pe.Token)}
	}
	return problem{path: chunk, msg: strings.TrimSpace(err.Error())}
}

// linter walks one file's syntax tree, tracking local scopes so that a
// local named like a missing global is not reported.
type linter struct {
	chunk    string
	v        *validator
	scopes   []map[string]bool
	problems []problem
	// firstCommand is the line of the first command(...) call, 0 if none.
	firstCommand int
	// grants is the script's grant, for capCall (check_grants.go); nil
	// when its header cannot be read (the dry load reports that).
	grants *grantCheck
}

func (l *linter) report(line int, format string, args ...any) {
	l.problems = append(l.problems, problem{path: l.chunk, line: line, msg: fmt.Sprintf(format, args...)})
}

func (l *linter) push() { l.scopes = append(l.scopes, map[string]bool{}) }
func (l *linter) pop()  { l.scopes = l.scopes[:len(l.scopes)-1] }
func (l *linter) declare(n ...string) {
	for _, name := range n {
		l.scopes[len(l.scopes)-1][name] = true
	}
}

func (l *linter) local(name string) bool {
	for i := len(l.scopes) - 1; i >= 0; i-- {
		if l.scopes[i][name] {
			return true
		}
	}
	return false
}

// global returns the name e refers to when it is a global variable.
func (l *linter) global(e ast.Expr) (string, bool) {
	id, ok := e.(*ast.IdentExpr)
	if !ok || l.local(id.Value) {
		return "", false
	}
	return id.Value, true
}

func (l *linter) block(stmts []ast.Stmt) {
	l.push()
	for _, s := range stmts {
		l.stmt(s)
	}
	l.pop()
}

func (l *linter) stmt(s ast.Stmt) {
	switch s := s.(type) {
	case *ast.AssignStmt:
		for _, e := range s.Lhs {
			if _, ok := e.(*ast.IdentExpr); !ok { // assigning a global is not using it
				l.expr(e)
			}
		}
		l.exprs(s.Rhs)
	case *ast.LocalAssignStmt:
		if len(s.Exprs) == 1 && len(s.Names) == 1 {
			if _, ok := s.Exprs[0].(*ast.FunctionExpr); ok {
				l.declare(s.Names[0]) // local function f: f is visible in its body
			}
		}
		l.exprs(s.Exprs)
		l.declare(s.Names...)
	case *ast.FuncCallStmt:
		l.expr(s.Expr)
	case *ast.DoBlockStmt:
		l.block(s.Stmts)
	case *ast.WhileStmt:
		l.expr(s.Condition)
		l.block(s.Stmts)
	case *ast.RepeatStmt:
		l.push() // the condition sees the body's locals
		for _, st := range s.Stmts {
			l.stmt(st)
		}
		l.expr(s.Condition)
		l.pop()
	case *ast.IfStmt:
		l.expr(s.Condition)
		l.block(s.Then)
		l.block(s.Else)
	case *ast.NumberForStmt:
		l.exprs([]ast.Expr{s.Init, s.Limit, s.Step})
		l.push()
		l.declare(s.Name)
		l.block(s.Stmts)
		l.pop()
	case *ast.GenericForStmt:
		l.exprs(s.Exprs)
		l.push()
		l.declare(s.Names...)
		l.block(s.Stmts)
		l.pop()
	case *ast.FuncDefStmt:
		if _, ok := s.Name.Func.(*ast.IdentExpr); !ok && s.Name.Func != nil {
			l.expr(s.Name.Func)
		}
		l.expr(s.Name.Receiver)
		l.function(s.Func, s.Name.Method != "")
	case *ast.ReturnStmt:
		l.exprs(s.Exprs)
	}
}

func (l *linter) exprs(es []ast.Expr) {
	for _, e := range es {
		l.expr(e)
	}
}

func (l *linter) function(f *ast.FunctionExpr, method bool) {
	l.push()
	if method {
		l.declare("self")
	}
	if f.ParList != nil {
		l.declare(f.ParList.Names...)
	}
	l.block(f.Stmts)
	l.pop()
}

func (l *linter) expr(e ast.Expr) {
	switch e := e.(type) {
	case nil:
	case *ast.IdentExpr:
		if name, ok := l.global(e); ok {
			if why, missing := host.MissingGlobals[name]; missing {
				l.report(e.Line(), "%s is not available in the sandbox: %s", name, why)
			}
		}
	case *ast.AttrGetExpr:
		if lib, ok := l.global(e.Object); ok {
			if key, ok := e.Key.(*ast.StringExpr); ok {
				if why, missing := host.MissingFields[lib][key.Value]; missing {
					l.report(e.Line(), "%s.%s is not available in the sandbox: %s", lib, key.Value, why)
					return
				}
			}
		}
		l.expr(e.Object)
		l.expr(e.Key)
	case *ast.TableExpr:
		for _, f := range e.Fields {
			l.expr(f.Key)
			l.expr(f.Value)
		}
	case *ast.FuncCallExpr:
		l.call(e)
		l.expr(e.Func)
		l.expr(e.Receiver)
		l.exprs(e.Args)
	case *ast.LogicalOpExpr:
		l.exprs([]ast.Expr{e.Lhs, e.Rhs})
	case *ast.RelationalOpExpr:
		l.exprs([]ast.Expr{e.Lhs, e.Rhs})
	case *ast.StringConcatOpExpr:
		l.exprs([]ast.Expr{e.Lhs, e.Rhs})
	case *ast.ArithmeticOpExpr:
		l.exprs([]ast.Expr{e.Lhs, e.Rhs})
	case *ast.UnaryMinusOpExpr:
		l.expr(e.Expr)
	case *ast.UnaryNotOpExpr:
		l.expr(e.Expr)
	case *ast.UnaryLenOpExpr:
		l.expr(e.Expr)
	case *ast.FunctionExpr:
		l.function(e, false)
	case *ast.StringExpr:
		if looksLikeSecret(e.Value) {
			l.problems = append(l.problems, problem{path: l.chunk, line: e.Line(), warning: true,
				msg: "this string looks like an API key or token: read it with config.require(\"api_key\") and let the operator set it, so it is not in the source (and is shown as *** in logs)"})
		}
	}
}

// call checks on/once/wait_for/command calls whose first argument is a
// string literal, wherever they are: a handler that subscribes later is
// checked too, which the dry load cannot do.
func (l *linter) call(e *ast.FuncCallExpr) {
	l.capCall(e)
	name, ok := l.global(e.Func)
	if !ok || len(e.Args) == 0 {
		return
	}
	lit, ok := e.Args[0].(*ast.StringExpr)
	if !ok {
		return
	}
	if name == "command" && l.firstCommand == 0 {
		l.firstCommand = e.Line()
	}
	switch name {
	case "command":
		// Judged alone: the validator's one VM would take the same name in
		// two scripts for a duplicate.
		if err := bindings.CheckUsage(lit.Value); err != nil {
			l.report(e.Line(), "%s", err)
		}
	case "on", "once":
		if msg := l.v.check(name, lit.Value); msg != "" {
			l.report(e.Line(), "%s", msg)
		}
	case "wait_for":
		if lit.Value == bindings.EventUnload {
			l.report(e.Line(), "wait_for cannot wait for %q; use on(%q, fn)", lit.Value, lit.Value)
		} else if msg := l.v.check("on", lit.Value); msg != "" {
			l.report(e.Line(), "%s", msg)
		}
	}
}

// validator holds a VM with the real bindings installed, so that event
// names and usage strings are judged by the same code that judges them at
// run time, with the same messages. It never runs script code.
type validator struct {
	L    *lua.LState
	noop *lua.LFunction
}

func newValidator(api bindings.API, store bindings.Store) (*validator, error) {
	L := lua.NewState()
	if _, err := bindings.Install(L, bindings.Env{Script: "check", API: api, Store: store, Async: noWaiting{}}); err != nil {
		L.Close()
		return nil, fmt.Errorf("check: %w", err)
	}
	return &validator{L: L, noop: L.NewFunction(func(*lua.LState) int { return 0 })}, nil
}

// check calls fn(arg, function() end) and returns the error it raised, or "".
func (v *validator) check(fn, arg string) string {
	err := v.L.CallByParam(lua.P{Fn: v.L.GetGlobal(fn), Protect: true}, lua.LString(arg), v.noop)
	if err == nil {
		return ""
	}
	msg := bindings.ErrorText(err)
	if m := position.FindStringSubmatch(msg); m != nil {
		msg = msg[len(m[0]):]
	}
	return strings.TrimSpace(msg)
}

// noWaiting is the validator's Async: nothing there may wait.
type noWaiting struct{}

func (noWaiting) Await(L *lua.LState, _ func(context.Context) bindings.Finish) int {
	L.RaiseError("check: nothing waits here")
	return 0
}

// dmRefused reports whether the last run on the kv file data recorded that
// the platform refused the guild DM intent (its status file says so); no
// status file, or one that cannot be read, says nothing.
func dmRefused(data string) bool {
	b, err := os.ReadFile(statusPath(data))
	if err != nil {
		return false
	}
	var r transport.StatusReport
	if json.Unmarshal(b, &r) != nil {
		return false
	}
	return r.IntentsNotGranted&dispatch.IntentDirectMessage != 0
}
