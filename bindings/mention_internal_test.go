package bindings

import (
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"
)

// stripMention agrees with the regular expression it replaced on every
// text made of the pieces that matter to it.
func TestStripMention_MatchesTheRegexp(t *testing.T) {
	want := func(s string) string { return strings.TrimSpace(leadingMention.ReplaceAllString(s, "")) }
	pieces := []string{"<@", "<@!", ">", "!", "12", "abc_9", " ", "\t", "\n", "\f", "\r", "\v", "\u00a0", "<", "@", "hi", "/cmd", "é", "<@!>", "<@1>", "<@!1>"}
	rng := rand.New(rand.NewPCG(7, 9))
	for range 20_000 {
		var b strings.Builder
		for range rng.IntN(8) {
			b.WriteString(pieces[rng.IntN(len(pieces))])
		}
		s := b.String()
		if got, w := stripMention(s), want(s); got != w {
			t.Fatalf("stripMention(%q) = %q, the regexp gives %q", s, got, w)
		}
	}
	for s, w := range map[string]string{
		"<@!123> hello":       "hello",
		" <@1><@!2>  /roll 6": "/roll 6",
		"hi <@1>":             "hi <@1>",
		"<@> x":               "<@> x",
		"<@1":                 "<@1",
	} {
		if got := stripMention(s); got != w {
			t.Errorf("stripMention(%q) = %q, want %q", s, got, w)
		}
	}
}

var leadingMention = regexp.MustCompile(`^\s*(<@!?\w+>\s*)+`)

// The scan beside the regexp it replaced, on a typical @-message.
func BenchmarkStripMention(b *testing.B) {
	const text = "<@!4917368925047136013> /roll 2d6 for the raid"
	b.Run("scan", func(b *testing.B) {
		for range b.N {
			stripMention(text)
		}
	})
	b.Run("regexp", func(b *testing.B) {
		for range b.N {
			strings.TrimSpace(leadingMention.ReplaceAllString(text, ""))
		}
	})
}
