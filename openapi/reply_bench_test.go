package openapi_test

import (
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/luabot/luabot/openapi"
)

// BenchmarkReplierPrepare measures one reply while many sources are alive
// (a busy bot: 10 000 messages answered in the last five minutes), the case
// in which every Prepare used to sweep the whole record.
func BenchmarkReplierPrepare(b *testing.B) {
	for _, live := range []int{100, 10_000} {
		b.Run(strconv.Itoa(live)+"_live", func(b *testing.B) {
			now := time.Now()
			r := openapi.NewReplier(func() time.Time { return now })
			for i := range live {
				p, err := r.Prepare(openapi.Source{Scene: openapi.SceneGuild, ChannelID: "c", MsgID: "m" + strconv.Itoa(i)}, nil)
				if err != nil {
					b.Fatal(err)
				}
				p.Done(nil)
			}
			src := openapi.Source{Scene: openapi.SceneGuild, ChannelID: "c", MsgID: "m0"}
			msg := map[string]any{"content": "x"}
			for b.Loop() {
				p, err := r.Prepare(src, msg)
				if err != nil {
					b.Fatal(err)
				}
				p.Done(nil)
			}
		})
	}
}

// BenchmarkReplier_Record is the heap a Replier keeps per message it
// remembers (every message answered in the last five minutes), for ids of
// the platform's length: a guild message, and a group message answered by
// a script's ev:reply (PrepareAs, capped at 5 replies) in a bot with one
// script.
func BenchmarkReplier_Record(b *testing.B) {
	id := strings.Repeat("08e092eeb983afef9e0110f1c2d3e4f5a6b7c8d9", 2)
	b.Run("guild", func(b *testing.B) {
		benchRecords(b, func(r *openapi.Replier, i int) (*openapi.Reply, error) {
			return r.Prepare(openapi.Source{Scene: openapi.SceneGuild, ChannelID: "c", MsgID: id + strconv.Itoa(i)}, nil)
		})
	})
	b.Run("group-script", func(b *testing.B) {
		benchRecords(b, func(r *openapi.Replier, i int) (*openapi.Reply, error) {
			n := strconv.Itoa(i)
			return r.PrepareAs(openapi.Source{Scene: openapi.SceneGroup, GroupOpenID: "g", MsgID: id + n}, "GROUP_AT_MESSAGE_CREATE:"+n, "bot", nil)
		})
	})
}

func benchRecords(b *testing.B, prepare func(r *openapi.Replier, i int) (*openapi.Reply, error)) {
	const sources = 50_000
	now := time.Now()
	for b.Loop() {
		r := openapi.NewReplier(func() time.Time { return now })
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		for i := range sources {
			p, err := prepare(r, i)
			if err != nil {
				b.Fatal(err)
			}
			p.Done(nil)
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/sources, "heap-B/source")
		runtime.KeepAlive(r)
	}
}
