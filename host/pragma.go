package host

import (
	"bufio"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// A script can set its own limits in a comment among its first lines:
//
//	-- luabot: cpu=2 memory=128 inbox=5000
//
// cpu is seconds of Lua per handler run, memory MiB, inbox events. Values
// override the host's defaults for that script only.
func scriptLimits(src string, base Limits) (Limits, error) {
	sc := bufio.NewScanner(strings.NewReader(src))
	for n := 0; n < 10 && sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		rest, ok := strings.CutPrefix(line, "--")
		if !ok {
			if line == "" {
				continue
			}
			break
		}
		rest, ok = strings.CutPrefix(strings.TrimSpace(rest), "luabot:")
		if !ok {
			continue
		}
		for _, field := range strings.Fields(rest) {
			key, value, _ := strings.Cut(field, "=")
			num, err := strconv.ParseFloat(value, 64)
			if err != nil || num <= 0 {
				return base, fmt.Errorf("line %d: %q: want a positive number", n+1, field)
			}
			switch key {
			case "cpu":
				base.CPU = time.Duration(num * float64(time.Second))
			case "memory":
				base.Memory = int64(num * (1 << 20))
			case "inbox":
				base.Inbox = int(num)
			default:
				return base, fmt.Errorf("line %d: unknown limit %q (cpu, memory or inbox)", n+1, key)
			}
		}
	}
	return base, nil
}
