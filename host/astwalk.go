package host

import (
	"fmt"

	"github.com/yuin/gopher-lua/ast"
)

// astRewriter walks a chunk's syntax tree once, through every place
// gopher-lua's parser puts an expression or a statement list, and lets the
// two rewrites replace nodes on the way: expr (concat.go) sees each
// expression before its operands, so the operands of a replacement are
// walked too; stmt (assigncall.go) sees each statement of a list after its
// expressions were walked, so it sees them rewritten.
//
// It lists gopher-lua v1.1.2's node types instead of walking the tree by
// reflection: reflection cost as much as parsing and compiling together
// (every script load, require, load and loadstring goes through here). A
// node type it does not know, which only a gopher-lua upgrade can bring,
// is an error, so a rewrite is never skipped silently;
// TestASTRewriter_MatchesAReflectiveWalk compares it with a reflective walk
// over the Lua 5.1 suite's files.
type astRewriter struct {
	expr func(ast.Expr) ast.Expr
	stmt func(ast.Stmt) ast.Stmt
	err  error
}

func (r *astRewriter) run(stmts []ast.Stmt) error {
	r.stmts(stmts)
	return r.err
}

func (r *astRewriter) unknown(n any) {
	if r.err == nil {
		r.err = fmt.Errorf("luabot cannot compile a %T syntax node (an unsupported gopher-lua version?)", n)
	}
}

func (r *astRewriter) stmts(list []ast.Stmt) {
	for i, s := range list {
		r.walkStmt(s)
		if r.stmt != nil {
			list[i] = r.stmt(s)
		}
	}
}

func (r *astRewriter) exprs(list []ast.Expr) {
	for i, e := range list {
		list[i] = r.walkExpr(e)
	}
}

func (r *astRewriter) walkStmt(s ast.Stmt) {
	switch n := s.(type) {
	case *ast.AssignStmt:
		r.exprs(n.Lhs)
		r.exprs(n.Rhs)
	case *ast.LocalAssignStmt:
		r.exprs(n.Exprs)
	case *ast.FuncCallStmt:
		n.Expr = r.walkExpr(n.Expr)
	case *ast.DoBlockStmt:
		r.stmts(n.Stmts)
	case *ast.WhileStmt:
		n.Condition = r.walkExpr(n.Condition)
		r.stmts(n.Stmts)
	case *ast.RepeatStmt:
		n.Condition = r.walkExpr(n.Condition)
		r.stmts(n.Stmts)
	case *ast.IfStmt:
		n.Condition = r.walkExpr(n.Condition)
		r.stmts(n.Then)
		r.stmts(n.Else)
	case *ast.NumberForStmt:
		n.Init = r.walkExpr(n.Init)
		n.Limit = r.walkExpr(n.Limit)
		n.Step = r.walkExpr(n.Step)
		r.stmts(n.Stmts)
	case *ast.GenericForStmt:
		r.exprs(n.Exprs)
		r.stmts(n.Stmts)
	case *ast.FuncDefStmt:
		if n.Name != nil {
			n.Name.Func = r.walkExpr(n.Name.Func)
			n.Name.Receiver = r.walkExpr(n.Name.Receiver)
		}
		if n.Func != nil {
			r.stmts(n.Func.Stmts)
		}
	case *ast.ReturnStmt:
		r.exprs(n.Exprs)
	case *ast.BreakStmt, *ast.LabelStmt, *ast.GotoStmt, nil:
	default:
		r.unknown(s)
	}
}

func (r *astRewriter) walkExpr(e ast.Expr) ast.Expr {
	if e == nil {
		return nil
	}
	if r.expr != nil {
		e = r.expr(e)
	}
	switch n := e.(type) {
	case *ast.TrueExpr, *ast.FalseExpr, *ast.NilExpr, *ast.NumberExpr, *ast.StringExpr,
		*ast.Comma3Expr, *ast.IdentExpr:
	case *ast.AttrGetExpr:
		n.Object = r.walkExpr(n.Object)
		n.Key = r.walkExpr(n.Key)
	case *ast.TableExpr:
		for _, f := range n.Fields {
			if f != nil {
				f.Key = r.walkExpr(f.Key)
				f.Value = r.walkExpr(f.Value)
			}
		}
	case *ast.FuncCallExpr:
		n.Func = r.walkExpr(n.Func)
		n.Receiver = r.walkExpr(n.Receiver)
		r.exprs(n.Args)
	case *ast.LogicalOpExpr:
		n.Lhs = r.walkExpr(n.Lhs)
		n.Rhs = r.walkExpr(n.Rhs)
	case *ast.RelationalOpExpr:
		n.Lhs = r.walkExpr(n.Lhs)
		n.Rhs = r.walkExpr(n.Rhs)
	case *ast.StringConcatOpExpr:
		n.Lhs = r.walkExpr(n.Lhs)
		n.Rhs = r.walkExpr(n.Rhs)
	case *ast.ArithmeticOpExpr:
		n.Lhs = r.walkExpr(n.Lhs)
		n.Rhs = r.walkExpr(n.Rhs)
	case *ast.UnaryMinusOpExpr:
		n.Expr = r.walkExpr(n.Expr)
	case *ast.UnaryNotOpExpr:
		n.Expr = r.walkExpr(n.Expr)
	case *ast.UnaryLenOpExpr:
		n.Expr = r.walkExpr(n.Expr)
	case *ast.FunctionExpr:
		r.stmts(n.Stmts)
	default:
		r.unknown(e)
	}
	return e
}
