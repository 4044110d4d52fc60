package host

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	lua "github.com/yuin/gopher-lua"
	"github.com/yuin/gopher-lua/ast"
	"github.com/yuin/gopher-lua/parse"
)

// The rewriter lists gopher-lua's node types; a walk by reflection reaches
// every exported field without a list. Over the Lua 5.1 suite's files (all
// of Lua 5.1's syntax: 30 node types), the examples and concatSource, both
// rewrites by the rewriter give the same tree as the reflective walk, and
// the reflective walk meets no node type the rewriter does not know.
func TestASTRewriter_MatchesAReflectiveWalk(t *testing.T) {
	sources := map[string]string{"concat.lua": concatSource}
	for _, glob := range []string{"testdata/lua51-tests/*.lua", "../examples/*.lua", "../examples/*/*.lua"} {
		files, err := filepath.Glob(glob)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range files {
			src, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			sources[f] = string(src)
		}
	}
	if len(sources) < 25 {
		t.Fatalf("found %d Lua files", len(sources))
	}
	seen := map[reflect.Type]bool{}
	parsed := 0
	for name, src := range sources {
		want, err := parse.Parse(strings.NewReader(src), name)
		if err != nil {
			continue // files that test syntax errors
		}
		parsed++
		got, _ := parse.Parse(strings.NewReader(src), name)
		reflectRewrite(reflect.ValueOf(want), seen)
		rw := astRewriter{expr: concatRewrite, stmt: splitCallAssignment}
		if err := rw.run(got); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: the rewriter's tree differs from the reflective walk's", name)
		}
	}
	if parsed < 25 {
		t.Fatalf("parsed %d Lua files", parsed)
	}
	// Every node type the reflective walk met is one the rewriter knows.
	rw := astRewriter{}
	for typ := range seen {
		node := reflect.New(typ.Elem()).Interface()
		switch n := node.(type) {
		case ast.Stmt:
			rw.walkStmt(n)
		case ast.Expr:
			rw.walkExpr(n)
		}
		if rw.err != nil {
			t.Fatal(rw.err)
		}
	}
	if len(seen) < 30 {
		t.Fatalf("the sources hold only %d node types", len(seen))
	}
}

// A node type the rewriter does not know (a newer gopher-lua's) stops the
// compile instead of leaving a `..` unchecked.
func TestASTRewriter_UnknownNodeIsAnError(t *testing.T) {
	stmts := []ast.Stmt{&ast.ReturnStmt{Exprs: []ast.Expr{&futureExpr{}}}}
	err := (&astRewriter{expr: concatRewrite}).run(stmts)
	if err == nil || !strings.Contains(err.Error(), "futureExpr") {
		t.Fatalf("err = %v", err)
	}
}

type futureExpr struct{ ast.ExprBase }

// reflectRewrite is what compile did before the rewriter: the `..`
// rewrite and then the assignment split, each a walk by reflection (as
// they were), after recording the node types the tree holds.
func reflectRewrite(v reflect.Value, seen map[reflect.Type]bool) {
	reflectTypes(v, seen)
	reflectConcat(v)
	reflectSplit(v)
}

func reflectConcat(v reflect.Value) {
	switch v.Kind() {
	case reflect.Interface:
		if v.IsNil() {
			return
		}
		if v.Type() == reflect.TypeFor[ast.Expr]() && v.Elem().Type() == reflect.TypeFor[*ast.StringConcatOpExpr]() {
			call := concatCall(v.Elem().Interface().(*ast.StringConcatOpExpr))
			if v.CanSet() {
				v.Set(reflect.ValueOf(ast.Expr(call)))
				reflectConcat(reflect.ValueOf(call))
				return
			}
		}
		reflectConcat(v.Elem())
	case reflect.Pointer:
		if !v.IsNil() {
			reflectConcat(v.Elem())
		}
	case reflect.Slice:
		for i := 0; i < v.Len(); i++ {
			reflectConcat(v.Index(i))
		}
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			if f := v.Field(i); f.CanSet() {
				reflectConcat(f)
			}
		}
	}
}

func reflectSplit(v reflect.Value) {
	switch v.Kind() {
	case reflect.Interface, reflect.Pointer:
		if !v.IsNil() {
			reflectSplit(v.Elem())
		}
	case reflect.Slice:
		for i := 0; i < v.Len(); i++ {
			e := v.Index(i)
			if v.Type() == reflect.TypeFor[[]ast.Stmt]() {
				if as, ok := e.Interface().(*ast.AssignStmt); ok && assignmentNeedsSplit(as) {
					e.Set(reflect.ValueOf(ast.Stmt(splitAssignment(as))))
				}
			}
			reflectSplit(e)
		}
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			if f := v.Field(i); f.CanSet() {
				reflectSplit(f)
			}
		}
	}
}

func reflectTypes(v reflect.Value, seen map[reflect.Type]bool) {
	switch v.Kind() {
	case reflect.Interface, reflect.Pointer:
		if v.IsNil() {
			return
		}
		if v.Kind() == reflect.Pointer {
			_, stmt := v.Interface().(ast.Stmt)
			_, expr := v.Interface().(ast.Expr)
			if stmt || expr {
				seen[v.Type()] = true
			}
		}
		reflectTypes(v.Elem(), seen)
	case reflect.Slice:
		for i := 0; i < v.Len(); i++ {
			reflectTypes(v.Index(i), seen)
		}
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			if f := v.Field(i); f.CanSet() {
				reflectTypes(f, seen)
			}
		}
	}
}

// BenchmarkRewrite compares, side by side in one run, the rewriter with
// the reflective walk it replaced, on penlight's largest module; parse and
// compile are the yardstick for what a script load costs anyway.
//
//	go test -run '^$' -bench Rewrite ./host
func BenchmarkRewrite(b *testing.B) {
	src, err := os.ReadFile(filepath.Join("testdata", "libs", "penlight", "lib", "pl", "utils.lua"))
	if err != nil {
		b.Fatal(err)
	}
	parsed := func(b *testing.B) []ast.Stmt {
		b.StopTimer()
		defer b.StartTimer()
		stmts, err := parse.Parse(strings.NewReader(string(src)), "utils.lua")
		if err != nil {
			b.Fatal(err)
		}
		return stmts
	}
	b.Run("rewriter", func(b *testing.B) {
		for b.Loop() {
			rw := astRewriter{expr: concatRewrite, stmt: splitCallAssignment}
			if err := rw.run(parsed(b)); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("reflection", func(b *testing.B) {
		for b.Loop() {
			stmts := parsed(b)
			reflectConcat(reflect.ValueOf(stmts))
			reflectSplit(reflect.ValueOf(stmts))
		}
	})
	b.Run("parse+compile", func(b *testing.B) {
		for b.Loop() {
			stmts, err := parse.Parse(strings.NewReader(string(src)), "utils.lua")
			if err != nil {
				b.Fatal(err)
			}
			if _, err := lua.Compile(stmts, "utils.lua"); err != nil {
				b.Fatal(err)
			}
		}
	})
}
