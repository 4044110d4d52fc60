package luanum_test

import (
	"testing"

	"github.com/luabot/luabot/internal/testmain"
)

// TestMain exits without the race runtime's one-second pause (testmain).
func TestMain(m *testing.M) { testmain.Run(m) }
