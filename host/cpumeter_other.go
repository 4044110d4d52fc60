//go:build !linux

package host

// Without a per-thread CPU clock, runs are measured in wall time.
func startThreadMeter() (meter, bool) { return nil, false }
