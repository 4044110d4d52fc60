//go:build race

package testmain

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

func TestMain(m *testing.M) { Run(m) }

// This binary was started again with every option in GORACE.
func TestRaceOptionsSet(t *testing.T) {
	gorace := os.Getenv("GORACE")
	for _, o := range raceOptions {
		if !strings.Contains(gorace, o.name+"=") {
			t.Errorf("GORACE = %q, without %s", gorace, o.name)
		}
	}
}

// A user's own GORACE is kept, and an option it names is not overridden.
func TestRaceOptionsKeepTheUsers(t *testing.T) {
	cmd := exec.Command(os.Args[0], "-test.run=^TestRaceOptionsPrint$")
	cmd.Env = append(os.Environ(), "TESTMAIN_CHILD=1", "GORACE=history_size=3 atexit_sleep_ms=5")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if got := string(out); !strings.Contains(got, "GORACE=history_size=3 atexit_sleep_ms=5 clear_shadow_mmap_threshold=") {
		t.Fatalf("child saw %q", got)
	}
}

func TestRaceOptionsPrint(t *testing.T) {
	if os.Getenv("TESTMAIN_CHILD") != "1" {
		t.Skip("run by TestRaceOptionsKeepTheUsers")
	}
	os.Stdout.WriteString("GORACE=" + os.Getenv("GORACE") + "\n")
}
