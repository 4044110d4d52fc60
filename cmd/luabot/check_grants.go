package main

import (
	"slices"

	"github.com/yuin/gopher-lua/ast"

	"github.com/luabot/luabot/bindings"
	"github.com/luabot/luabot/host"
	"github.com/luabot/luabot/openapi"
)

// grantCheck is what check knows of one script's grant: the grant (the
// operator's, narrowed by the script's caps= header) and how to say where it
// is set.
type grantCheck struct {
	grant host.Grant
	hint  func(capability string) string
}

// capCall reports a call the script's grant refuses, when that can be told
// from the source alone: qq.request, kv.open and the administration calls
// when their capability is missing; a qq.send* to a literal target outside
// send = [...]; a literal message that answers no event without active.
func (l *linter) capCall(e *ast.FuncCallExpr) {
	if l.grants == nil || e.Receiver != nil {
		return
	}
	get, ok := e.Func.(*ast.AttrGetExpr)
	if !ok {
		return
	}
	mod, ok := l.global(get.Object)
	if !ok {
		return
	}
	key, ok := get.Key.(*ast.StringExpr)
	if !ok {
		return
	}
	g := l.grants.grant
	fn := mod + "." + key.Value
	missing := func(capability string) {
		l.report(e.Line(), "%s needs the %q capability, which this script is not granted (%s)", fn, capability, l.grants.hint(capability))
	}
	switch {
	case fn == "kv.open":
		if !g.SharedKV {
			missing(bindings.CapSharedKV)
		}
	case mod != "qq":
	case key.Value == "request":
		if !g.Request {
			missing(bindings.CapRequest)
		}
	case slices.Contains(bindings.AdminFunctions(), key.Value):
		if !g.Admin {
			missing(bindings.CapAdmin)
		}
	case isSend(key.Value):
		if g.Send != nil && len(g.Send) == 0 {
			missing(bindings.CapSend)
			return
		}
		if len(e.Args) > 0 && g.Send != nil {
			if lit, ok := e.Args[0].(*ast.StringExpr); ok {
				scene, _ := bindings.SendScene(key.Value)
				target := bindings.TargetName(openapi.Target{Scene: scene, ID: lit.Value})
				if !slices.Contains(g.Send, target) {
					l.report(e.Line(), "%s to %s: the target is not in this script's send list (%s)", fn, target, l.grants.hint(bindings.CapSend))
					return
				}
			}
		}
		if len(e.Args) > 1 && !g.Active && activeLiteral(e.Args[1]) {
			l.report(e.Line(), "%s of a message that answers no event (no msg_id or event_id) needs the %q capability, which this script is not granted (%s)",
				fn, bindings.CapActive, l.grants.hint(bindings.CapActive))
		}
	}
}

// activeLiteral reports whether a message argument is written out in the
// source without msg_id or event_id: a string, or a table constructor
// without those keys.
func activeLiteral(e ast.Expr) bool {
	switch e := e.(type) {
	case *ast.StringExpr:
		return true
	case *ast.TableExpr:
		for _, f := range e.Fields {
			if k, ok := f.Key.(*ast.StringExpr); ok && (k.Value == "msg_id" || k.Value == "event_id") {
				return false
			}
		}
		return true
	}
	return false
}

// staticHint is the hint of a check finding: where the operator grants the
// capability when a config file names the grants, else that the script's
// own header left it out.
func staticHint(file, script string, g *host.Grants, eff host.Grant) func(string) string {
	op := g.For(script)
	return func(capability string) string {
		if op.Allows(capability) && !eff.Allows(capability) || g == nil {
			return host.HeaderHint(capability)
		}
		return grantHint(file, "grants", script, g, capability) // check takes a file with a single bot
	}
}

func isSend(name string) bool {
	_, ok := bindings.SendScene(name)
	return ok
}
