//go:build !linux

package host

import "time"

var processStart = time.Now()

// threadNow falls back to wall time where no per-thread CPU clock is read:
// a script's CPU budget then counts time its neighbours held the processor.
func threadNow() (tid int, cpu time.Duration) { return 0, time.Since(processStart) }

func threadSelf() time.Duration { return time.Since(processStart) }

func threadCPU(int) (time.Duration, bool) { return 0, false }
