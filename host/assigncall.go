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
	if as, ok := s.(*ast.AssignStmt); ok && assignmentNeedsSplit(as) {
		return splitAssignment(as)
	}
	return s
}

// assignmentNeedsSplit reports whether gopher-lua v1.1.2 would compile as
// so that a variable is written before the statement has read everything
// it needs, or not written at all. Besides callIntoTarget's calls, two
// more shapes write straight into a local's register:
//
//   - A multiple assignment evaluates each right-hand expression into its
//     target's register in turn, so a later expression reads the new value:
//     `a, b = b, a` gave 2, 2 and `a, b = a + 1, a + b` 1, 1 (Lua 5.1: 2, 1
//     and 1, 0). Every multiple assignment with a named target is split.
//   - `x = A and B`, where A is not a plain local (a field, a call, `not
//     y`), tests A in a scratch register and, when A is false or nil, jumps
//     to the end without writing it to x: `y = t.missing and 1` left y as
//     it was instead of making it nil. An `and` anywhere in the chain of
//     and/or that is assigned to a name is split (`x = x or {}` is not).
//
// A multiple assignment of a global or an upvalue beside a field target
// whose value is a plain local (`g, t.k = 5, v`) stored the key in g; the
// split assigns its temporaries one target at a time, which avoids that.
func assignmentNeedsSplit(as *ast.AssignStmt) bool {
	if callIntoTarget(as) {
		return true
	}
	for i, target := range as.Lhs {
		if _, named := target.(*ast.IdentExpr); !named {
			continue
		}
		if len(as.Lhs) > 1 || (i < len(as.Rhs) && hasAnd(as.Rhs[i])) {
			return true
		}
	}
	return false
}

// hasAnd reports whether e is an and/or chain that holds an `and`.
func hasAnd(e ast.Expr) bool {
	l, ok := e.(*ast.LogicalOpExpr)
	return ok && (l.Operator == "and" || hasAnd(l.Lhs) || hasAnd(l.Rhs))
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
	// One assignment per target, last first as gopher-lua and Lua 5.1
	// assign them (in `a, a = 1, 2` the first wins): a multiple assignment
	// of a global or upvalue beside a field target whose value is a local,
	// such as `g, t[k] = t1, t2`, stores the key in g.
	for i := len(lhs) - 1; i >= 0; i-- {
		assign := &ast.AssignStmt{Lhs: lhs[i : i+1], Rhs: values[i : i+1]}
		assign.SetLine(line)
		assign.SetLastLine(last)
		stmts = append(stmts, assign)
	}
	block := &ast.DoBlockStmt{Stmts: stmts}
	block.SetLine(line)
	block.SetLastLine(last)
	return block
}
