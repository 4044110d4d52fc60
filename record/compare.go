package record

import (
	"encoding/json"
	"regexp"
)

// textToken is the shape of a redacted word.
var textToken = regexp.MustCompile(`^t_[0-9a-f]{10}$`)

// Matcher compares what a replay sends with what was recorded. A word token in the
// recording (a redacted word) matches the same token, or a plain word when that token
// has stood for that word, and that word for that token, everywhere so far: a script
// that writes on its own a word some user also wrote is recorded with the token.
type Matcher struct {
	word  map[string]string // token → word
	token map[string]string // word → token
}

// NewMatcher returns a Matcher with nothing learnt.
func NewMatcher() *Matcher {
	return &Matcher{word: map[string]string{}, token: map[string]string{}}
}

// Equal reports whether actual is the send expected describes (script, method, path,
// body); what it learns about tokens stays only when they are equal.
func (m *Matcher) Equal(expected, actual Send) bool {
	trial := &Matcher{word: map[string]string{}, token: map[string]string{}}
	ok := expected.Script == actual.Script && expected.Method == actual.Method && expected.Form == actual.Form &&
		m.strings(trial, expected.Path, actual.Path) && m.bodies(trial, expected.Body, actual.Body)
	if ok {
		for t, w := range trial.word {
			m.word[t], m.token[w] = w, t
		}
	}
	return ok
}

func (m *Matcher) bodies(trial *Matcher, expected, actual json.RawMessage) bool {
	if len(expected) == 0 || len(actual) == 0 {
		return len(expected) == len(actual)
	}
	e, err1 := decode(expected)
	a, err2 := decode(actual)
	if err1 != nil || err2 != nil {
		return string(expected) == string(actual)
	}
	return m.values(trial, e, a)
}

func (m *Matcher) values(trial *Matcher, e, a any) bool {
	switch e := e.(type) {
	case string:
		as, ok := a.(string)
		return ok && m.strings(trial, e, as)
	case map[string]any:
		am, ok := a.(map[string]any)
		if !ok || len(am) != len(e) {
			return false
		}
		for k, ev := range e {
			av, ok := am[k]
			if !ok || !m.values(trial, ev, av) {
				return false
			}
		}
		return true
	case []any:
		aa, ok := a.([]any)
		if !ok || len(aa) != len(e) {
			return false
		}
		for i := range e {
			if !m.values(trial, e[i], aa[i]) {
				return false
			}
		}
		return true
	case json.Number:
		an, ok := a.(json.Number)
		return ok && an == e
	default:
		return e == a
	}
}

// strings compares two strings word by word.
func (m *Matcher) strings(trial *Matcher, e, a string) bool {
	if e == a {
		return true
	}
	var es, as []string
	var ew, aw []bool
	segments(e, func(s string, w bool) { es, ew = append(es, s), append(ew, w) })
	segments(a, func(s string, w bool) { as, aw = append(as, s), append(aw, w) })
	if len(es) != len(as) {
		return false
	}
	for i := range es {
		if es[i] == as[i] {
			continue
		}
		if !ew[i] || !aw[i] || !textToken.MatchString(es[i]) || textToken.MatchString(as[i]) {
			return false
		}
		if !m.pair(trial, es[i], as[i]) {
			return false
		}
	}
	return true
}

// pair accepts token t standing for word w if neither stands for anything else yet.
func (m *Matcher) pair(trial *Matcher, t, w string) bool {
	for _, mm := range []*Matcher{m, trial} {
		if x, ok := mm.word[t]; ok && x != w {
			return false
		}
		if x, ok := mm.token[w]; ok && x != t {
			return false
		}
	}
	trial.word[t], trial.token[w] = w, t
	return true
}
