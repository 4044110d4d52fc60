package openapi

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"
)

// Retry-After is read as whole seconds or an HTTP date and kept within 0..maxRetryAfter;
// anything else is not waited for. Before, a huge number of seconds overflowed
// time.Duration and an HTTP date was ignored.
func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 1, 5, 8, 0, 0, 0, time.UTC)
	tests := []struct {
		header  string
		want    time.Duration
		problem bool
	}{
		{"", 0, false},
		{"3", 3 * time.Second, false},
		{" 3 ", 3 * time.Second, false},
		{"0", 0, false},
		{"600", 10 * time.Minute, false},
		{"601", maxRetryAfter, true},
		{"9223372037", maxRetryAfter, true},          // overflows time.Duration as seconds
		{"9223372036854775807", maxRetryAfter, true}, // max int64
		{"99999999999999999999", maxRetryAfter, true},
		{"-1", 0, true},
		{"-99999999999999999999", 0, true},
		{"1.5", 0, true},
		{"soon", 0, true},
		{now.Add(30 * time.Second).Format(http.TimeFormat), 30 * time.Second, false},
		{now.Add(-time.Hour).Format(http.TimeFormat), 0, false},
		{now.Add(48 * time.Hour).Format(http.TimeFormat), maxRetryAfter, true},
		{"Mon, 99 Jan 2026 00:00:00 GMT", 0, true},
	}
	for _, tt := range tests {
		got, problem := parseRetryAfter(tt.header, now)
		if got != tt.want || (problem != "") != tt.problem {
			t.Errorf("Retry-After %q = %v, %q; want %v (problem %v)", tt.header, got, problem, tt.want, tt.problem)
		}
	}
}

// expires_in in any form the token service might send: a lifetime from 1 s to a day, or
// 0 (the fetch fails) for what is not a positive number.
func TestTokenLifetime(t *testing.T) {
	tests := []struct {
		raw     string
		want    time.Duration
		problem bool
	}{
		{`"7200"`, 7200 * time.Second, false},
		{`7200`, 7200 * time.Second, false},
		{`1`, time.Second, false},
		{`"86400"`, 24 * time.Hour, false},
		{`"86401"`, maxTokenLifetime, true},
		{`"9223372036854775807"`, maxTokenLifetime, true}, // overflowed time.Duration
		{`1e30`, maxTokenLifetime, true},
		{`"99999999999999999999"`, maxTokenLifetime, true},
		{`0`, 0, true},
		{`"-5"`, 0, true},
		{`-1e30`, 0, true},
		{`"soon"`, 0, true},
		{`""`, 0, true},
		{`null`, 0, true},
	}
	for _, tt := range tests {
		var v struct {
			ExpiresIn lenientInt `json:"expires_in"`
		}
		if err := json.Unmarshal([]byte(`{"expires_in":`+tt.raw+`}`), &v); err != nil {
			t.Fatalf("%s: %v", tt.raw, err)
		}
		got, problem := tokenLifetime(v.ExpiresIn)
		if got != tt.want || (problem != "") != tt.problem {
			t.Errorf("expires_in %s = %v, %q; want %v (problem %v)", tt.raw, got, problem, tt.want, tt.problem)
		}
	}
}
