//go:build !linux

package host

import "time"

// Where no per-thread CPU clock is read, the meter falls back to wall time:
// a script's CPU budget then counts time its neighbours held the processor.

func threadID() int { return 0 }

func threadSelf() time.Duration { return 0 }

func threadCPU(int) (time.Duration, bool) { return 0, false }
