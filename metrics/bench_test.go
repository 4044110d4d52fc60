package metrics_test

import (
	"testing"
	"time"

	"github.com/luabot/luabot/host"
	"github.com/luabot/luabot/metrics"
)

// BenchmarkPerEvent is what the metrics add to one event that one handler answers:
// the event counter by shard and type, and the handler's run counter and duration.
func BenchmarkPerEvent(b *testing.B) {
	m := metrics.New()
	s := m.Script("echo")
	b.ReportAllocs()
	for b.Loop() {
		m.Event(0, "AT_MESSAGE_CREATE")
		s.HandlerDone("AT_MESSAGE_CREATE", host.OutcomeOK, 3*time.Millisecond)
	}
}
