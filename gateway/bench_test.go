package gateway_test

import (
	"context"
	"testing"
	"time"

	"github.com/luabot/luabot/gateway"
	"github.com/luabot/luabot/sim"
)

// BenchmarkClient_DropToResume measures a TCP drop → RESUMED on loopback against the
// simulator with the production backoff (first step jittered into [0.5 s, 1 s]), so the
// figure includes the first backoff step. Run it with -benchtime=10x.
func BenchmarkClient_DropToResume(b *testing.B) {
	platform, err := sim.New(sim.Config{})
	if err != nil {
		b.Fatal(err)
	}
	if err := platform.Start(); err != nil {
		b.Fatal(err)
	}
	defer platform.Close()
	c, err := gateway.New(gateway.Config{
		URL: platform.GatewayURL(),
		Token: func(context.Context) (string, error) {
			return "Bot " + platform.AppID() + "." + platform.BotToken(), nil
		},
	})
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx, func(gateway.Event) {}) }()
	defer func() { cancel(); <-done }()
	wctx, wcancel := context.WithTimeout(ctx, time.Minute)
	defer wcancel()
	if err := platform.WaitSessions(wctx, 1); err != nil {
		b.Fatal(err)
	}
	var worst time.Duration
	b.ResetTimer()
	for range b.N {
		start := time.Now()
		platform.DropConnections()
		if err := platform.WaitSessions(wctx, 1); err != nil {
			b.Fatal(err)
		}
		worst = max(worst, time.Since(start))
	}
	b.StopTimer()
	if st := c.Status(); st.Identifies != 1 {
		b.Fatalf("status %+v: every reconnect must be a resume", st)
	}
	b.ReportMetric(float64(worst.Milliseconds()), "worst-ms")
}
