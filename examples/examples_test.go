// Package examples_test runs every example's *_test.lua through the same
// runner as `luabot test`, so CI keeps the examples working.
package examples_test

import (
	"context"
	"testing"

	"github.com/luabot/luabot/testkit"
)

func TestExamples(t *testing.T) {
	files, err := testkit.Find(".")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 7 {
		t.Fatalf("found %d example test files, want one per example: %q", len(files), files)
	}
	for _, f := range files {
		t.Run(f, func(t *testing.T) {
			sum := testkit.Run(context.Background(), testkit.Config{}, []string{f}, func(r testkit.Result) {
				if r.Err != nil {
					t.Error(r)
				}
			})
			if sum.Passed == 0 {
				t.Errorf("%s: no test passed", f)
			}
		})
	}
}
