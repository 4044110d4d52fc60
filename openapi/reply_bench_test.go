package openapi_test

import (
	"strconv"
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
