package openapi

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strings"
	"testing"
)

// TestKnownRoutes_ListsEveryDeclaredRoute keeps knownRoutes the one list of what the
// package declares: a Route variable added to a resource file and not to the list would
// be counted as "other" in the metrics.
func TestKnownRoutes_ListsEveryDeclaredRoute(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	listed := map[string]bool{}
	for _, r := range knownRoutes {
		listed[r.Method+" "+r.Path] = true
		listed[r.Path] = true
	}
	fset := token.NewFileSet()
	n := 0
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		file, err := parser.ParseFile(fset, f, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(file, func(node ast.Node) bool {
			vs, ok := node.(*ast.ValueSpec)
			if !ok {
				return true
			}
			for i, name := range vs.Names {
				if i >= len(vs.Values) {
					continue
				}
				lit, ok := vs.Values[i].(*ast.CompositeLit)
				if !ok {
					continue
				}
				if id, ok := lit.Type.(*ast.Ident); !ok || id.Name != "Route" {
					continue
				}
				n++
				if key := literalRoute(lit); !listed[key] {
					t.Errorf("%s: %s (%s) is not in knownRoutes (routeof.go)", fset.Position(name.Pos()), name.Name, key)
				}
			}
			return true
		})
	}
	if n < 50 {
		t.Fatalf("found only %d Route declarations; the parser missed them", n)
	}
}

// literalRoute reads a Route{method, "path"} literal as "METHOD path", or just its
// path when the method is not spelt http.MethodX.
func literalRoute(lit *ast.CompositeLit) string {
	if len(lit.Elts) != 2 {
		return "?"
	}
	path := ""
	if b, ok := lit.Elts[1].(*ast.BasicLit); ok {
		path = strings.Trim(b.Value, `"`)
	}
	if sel, ok := lit.Elts[0].(*ast.SelectorExpr); ok {
		if x, ok := sel.X.(*ast.Ident); ok && x.Name == "http" {
			return strings.ToUpper(strings.TrimPrefix(sel.Sel.Name, "Method")) + " " + path
		}
	}
	return path
}

func TestRouteOf(t *testing.T) {
	tests := []struct {
		name, method, path string
		want               Route
	}{
		{"channel message", "POST", "/channels/123/messages", RouteChannelMessages},
		{"one message", "GET", "/channels/123/messages/abc", RouteMessage},
		{"literal wins", "GET", "/users/@me", RouteMe},
		{"me guilds", "GET", "/users/@me/guilds", RouteMeGuilds},
		{"c2c", "POST", "/v2/users/OPENID/messages", RouteC2CMessages},
		{"reaction", "PUT", "/channels/1/messages/2/reactions/1/4", RouteAddReaction},
		{"unknown path", "GET", "/nowhere/123/secret-text", Route{"GET", OtherPath}},
		{"odd method", "BREW", "/channels/1", Route{"OTHER", RouteChannel.Path}},
		{"empty id", "GET", "/channels//messages", Route{"GET", OtherPath}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := RouteOf(tt.method, tt.path); got != tt.want {
				t.Errorf("RouteOf(%s, %s) = %v, want %v", tt.method, tt.path, got, tt.want)
			}
		})
	}
}
