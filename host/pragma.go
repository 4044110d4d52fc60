package host

import (
	"bufio"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Ceilings that no configuration passes: beyond them a value is a mistake
// (or an attack) and would only make the process allocate or wait without
// bound. The inbox is allocated up front, so its ceiling is low.
const (
	ceilingCPU    = 10 * time.Minute
	ceilingMemory = 64 << 30
	ceilingInbox  = 100_000
	// A script's header may ask for up to this many times the default CPU
	// and memory unless the operator sets another maximum.
	defaultMaxFactor = 4
)

// ceilings returns the most a script's header may ask for: the operator's
// maximum (max), which defaults to defaultMaxFactor times the effective
// default limits and is never below them.
func ceilings(base, max Limits) Limits {
	base = base.withDefaults()
	if max.CPU <= 0 {
		max.CPU = defaultMaxFactor * base.CPU
	}
	if max.Memory <= 0 {
		max.Memory = defaultMaxFactor * base.Memory
	}
	max.CPU = min(ceilingCPU, maxOf(max.CPU, base.CPU))
	max.Memory = min(ceilingMemory, maxOf(max.Memory, base.Memory))
	max.Inbox = ceilingInbox
	return max
}

func maxOf[T int | int64 | time.Duration](a, b T) T {
	if a > b {
		return a
	}
	return b
}

// A script can set its own limits in a comment among its first lines:
//
//	-- luabot: cpu=2 memory=128 inbox=5000
//
// cpu is seconds of Lua per handler run, memory MiB, inbox events. Values
// override the host's defaults for that script only, up to top (the
// operator's maximum). A value over its maximum gets the maximum, and capped
// describes what was asked and what is given ("cpu=60 → 4s"); the caller
// logs it.
func scriptLimits(src string, base, top Limits) (limits Limits, capped []string, err error) {
	for _, hf := range headerFields(src) {
		field := hf.field
		key, value, _ := strings.Cut(field, "=")
		if key == "http" || key == "caps" || field == libraryHeader {
			continue // grants, read by scriptGrants and scriptCaps (grants.go); the library mark (library.go)
		}
		num, err := strconv.ParseFloat(value, 64)
		if err != nil || !(num > 0) {
			return base, nil, fmt.Errorf("line %d: %q: want a positive number", hf.line, field)
		}
		// Compare in the header's units before converting, so that a
		// huge number cannot overflow the conversion.
		switch key {
		case "cpu":
			if num > top.CPU.Seconds() {
				capped = append(capped, fmt.Sprintf("cpu=%s → %s", value, top.CPU))
				base.CPU = top.CPU
			} else {
				base.CPU = time.Duration(num * float64(time.Second))
			}
		case "memory":
			if num > float64(top.Memory>>20) {
				capped = append(capped, fmt.Sprintf("memory=%s → %d MiB", value, top.Memory>>20))
				base.Memory = top.Memory
			} else {
				base.Memory = int64(num * (1 << 20))
			}
		case "inbox":
			if num > float64(top.Inbox) {
				capped = append(capped, fmt.Sprintf("inbox=%s → %d", value, top.Inbox))
				base.Inbox = top.Inbox
			} else {
				// An inbox of 0 would be an unbuffered channel that
				// delivery spins on.
				base.Inbox = max(int(num), 1)
			}
		default:
			return base, nil, fmt.Errorf("line %d: unknown limit %q (cpu, memory or inbox; http= grants hosts, caps= narrows capabilities)", hf.line, key)
		}
	}
	return base, capped, nil
}

// scriptGrants reads the hosts a script's header asks to reach with the
// http module:
//
//	-- luabot: http=api.example.com,*.openai.com
//
// The field may appear more than once; the grants add up.
func scriptGrants(src string) []string {
	var hosts []string
	for _, hf := range headerFields(src) {
		if value, ok := strings.CutPrefix(hf.field, "http="); ok {
			for _, h := range strings.Split(value, ",") {
				if h = strings.TrimSpace(h); h != "" {
					hosts = append(hosts, h)
				}
			}
		}
	}
	return hosts
}

// headerField is one key=value of a "-- luabot:" comment and its line.
type headerField struct {
	line  int
	field string
}

// headerFields reads the "-- luabot:" comments among a script's first 10
// lines (blank lines and other comments may come between them; the first
// line of code ends the header), field by field.
func headerFields(src string) []headerField {
	var fields []headerField
	sc := bufio.NewScanner(strings.NewReader(src))
	for n := 1; n <= 10 && sc.Scan(); n++ {
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
		for _, f := range strings.Fields(rest) {
			fields = append(fields, headerField{n, f})
		}
	}
	return fields
}
