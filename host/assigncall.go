package host

import (
	"fmt"

	"github.com/yuin/gopher-lua/ast"
)

// gopher-lua v1.1.2 compiles a call whose single result is assigned to a
// function's last parameter straight into that parameter's register: the
// function value is loaded over the parameter before the arguments are
// read, so in
//
//	function trim(s) s = (s:gsub("^ +", "")) return s end
//	function wrap(s) s, n = "[" .. s .. "]", 1 end
//
// the call sees a function where s was, or the VM dereferences nil. Only
// calls compiled "into" their target do this: a call that is the last
// expression of an assignment and not in parentheses takes a fresh
// register and is moved afterwards, which is why `s = g(s)` works.
//
// SplitCallAssignments rewrites each assignment that has such a call
// (parenthesised, or followed by more expressions) so that every right-hand
// expression is first evaluated into a new local of an enclosing do block,
// in order, and then assigned:
//
//	do local <t1>, <t2> = (s:gsub(...)), 1; s, n = <t1>, <t2> end
//
// The values, their order and the adjustment to the number of targets are
// those of the original statement; the temporaries' names start with NUL,
// so no script can name them, and they end with the block. compile runs it
// in the same walk as the `..` rewrite (astwalk.go), after it, since the
// calls that replace `..` must be covered too. testkit applies it to
// `luabot test` files, which gopher-lua compiles as well.
func SplitCallAssignments(stmts []ast.Stmt) error {
	return (&astRewriter{stmt: splitCallAssignment}).run(stmts)
}

// splitCallAssignment is the astRewriter hook of SplitCallAssignments.
func splitCallAssignment(s ast.Stmt) ast.Stmt {
	if as, ok := s.(*ast.AssignStmt); ok && callIntoTarget(as) {
		return splitAssignment(as)
	}
	return s
}

// callIntoTarget reports whether gopher-lua would compile one of as's
// calls into a variable's register: a call assigned to a name, unless it
// is the last expression and not parenthesised (that one is compiled as a
// multiple-result call into fresh registers). Calls assigned to a table
// field are always compiled into fresh registers.
func callIntoTarget(as *ast.AssignStmt) bool {
	for i, e := range as.Rhs {
		call, ok := e.(*ast.FuncCallExpr)
		if !ok || i >= len(as.Lhs) {
			continue
		}
		if _, named := as.Lhs[i].(*ast.IdentExpr); !named {
			continue
		}
		if i < len(as.Rhs)-1 || call.AdjustRet {
			return true
		}
	}
	return false
}

// splitAssignment evaluates what gopher-lua evaluates, in its order: the
// table and key of each field target, left to right, then the right-hand
// expressions, then the assignment.
func splitAssignment(as *ast.AssignStmt) *ast.DoBlockStmt {
	line, last := as.Line(), as.LastLine()
	n := 0
	temp := func() (string, *ast.IdentExpr) {
		n++
		name := fmt.Sprintf("\x00t%d", n)
		id := &ast.IdentExpr{Value: name}
		id.SetLine(line)
		id.SetLastLine(last)
		return name, id
	}
	var fieldNames []string
	var fieldExprs []ast.Expr
	lhs := make([]ast.Expr, len(as.Lhs))
	for i, target := range as.Lhs {
		field, ok := target.(*ast.AttrGetExpr)
		if !ok {
			lhs[i] = target
			continue
		}
		objName, obj := temp()
		keyName, key := temp()
		fieldNames = append(fieldNames, objName, keyName)
		fieldExprs = append(fieldExprs, field.Object, field.Key)
		get := &ast.AttrGetExpr{Object: obj, Key: key}
		get.SetLine(field.Line())
		get.SetLastLine(field.LastLine())
		lhs[i] = get
	}
	var stmts []ast.Stmt
	local := func(names []string, exprs []ast.Expr) {
		st := &ast.LocalAssignStmt{Names: names, Exprs: exprs}
		st.SetLine(line)
		st.SetLastLine(last)
		stmts = append(stmts, st)
	}
	if len(fieldNames) > 0 {
		local(fieldNames, fieldExprs)
	}
	names := make([]string, len(as.Lhs))
	values := make([]ast.Expr, len(as.Lhs))
	for i := range as.Lhs {
		names[i], values[i] = temp()
	}
	local(names, as.Rhs)
	assign := &ast.AssignStmt{Lhs: lhs, Rhs: values}
	assign.SetLine(line)
	assign.SetLastLine(last)
	block := &ast.DoBlockStmt{Stmts: append(stmts, assign)}
	block.SetLine(line)
	block.SetLastLine(last)
	return block
}
