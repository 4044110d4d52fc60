package main

import (
	"regexp"
	"strings"
)

// secretPatterns are the shapes of keys and tokens that should come from
// config instead of a script's source: well-known prefixes, and long
// random-looking strings.
var secretPatterns = []*regexp.Regexp{
	regexp.MustCompile(`^(sk|pk|rk)-[A-Za-z0-9_-]{16,}$`),           // OpenAI-style and many others
	regexp.MustCompile(`^(sk|pk|rk)_(live|test)_[A-Za-z0-9]{16,}$`), // Stripe-style
	regexp.MustCompile(`^(ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{30,}$`),  // GitHub
	regexp.MustCompile(`^github_pat_[A-Za-z0-9_]{30,}$`),
	regexp.MustCompile(`^xox[abposr]-[A-Za-z0-9-]{10,}$`), // Slack
	regexp.MustCompile(`^AKIA[0-9A-Z]{16}$`),              // AWS access key id
	regexp.MustCompile(`^AIza[0-9A-Za-z_-]{35}$`),         // Google API key
	regexp.MustCompile(`^(?i:bearer) [A-Za-z0-9._~+/=-]{20,}$`),
	regexp.MustCompile(`^[0-9a-fA-F]{32,}$`), // hex keys (many weather and map APIs)
}

var randomLooking = regexp.MustCompile(`^[A-Za-z0-9_+/=-]{32,}$`)

// looksLikeSecret reports whether a string literal looks like an API key
// or a token.
func looksLikeSecret(s string) bool {
	for _, p := range secretPatterns {
		if p.MatchString(s) {
			return true
		}
	}
	if !randomLooking.MatchString(s) || strings.Trim(s, "=") == "" {
		return false
	}
	// Words and identifiers are letters with few digits; a key mixes upper
	// case, lower case and digits throughout.
	var upper, lower, digit int
	for _, r := range s {
		switch {
		case r >= 'A' && r <= 'Z':
			upper++
		case r >= 'a' && r <= 'z':
			lower++
		case r >= '0' && r <= '9':
			digit++
		}
	}
	return upper >= 4 && lower >= 4 && digit >= 4
}
