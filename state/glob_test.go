package state

import (
	"strings"
	"testing"
)

// globSlow is the obvious recursive matcher, kept as the reference the
// linear one must agree with.
func globSlow(pattern, s string) bool {
	if pattern == "" {
		return s == ""
	}
	switch pattern[0] {
	case '*':
		for i := 0; i <= len(s); i++ {
			if globSlow(pattern[1:], s[i:]) {
				return true
			}
		}
		return false
	case '?':
		return s != "" && globSlow(pattern[1:], s[1:])
	}
	return s != "" && s[0] == pattern[0] && globSlow(pattern[1:], s[1:])
}

// A pattern of many stars against a long path that almost matches took the
// recursive matcher hours (exponential in the stars), holding the world's
// lock all the while; this one answers in a few thousand steps.
func TestGlobManyStarsStaysLinear(t *testing.T) {
	path := strings.Repeat("a", 4096)
	pattern := strings.Repeat("*a", 64) + "*b"
	if Glob(pattern, path) {
		t.Fatal("matched a path without a b")
	}
	if !Glob(pattern, path+"b") {
		t.Fatal("did not match the path ending in b")
	}
}

func TestGlobAgreesWithRecursiveMatcher(t *testing.T) {
	patterns := []string{"", "*", "**", "?", "a*", "*a", "a*b", "*a*b*", "?*?", "a?c", "*?*", "/api/*/x?"}
	inputs := []string{"", "a", "b", "ab", "ba", "abc", "aXbYb", "/api/v3/x1", "/api//x", "aaa"}
	for _, p := range patterns {
		for _, s := range inputs {
			if got, want := Glob(p, s), globSlow(p, s); got != want {
				t.Errorf("Glob(%q, %q) = %v, want %v", p, s, got, want)
			}
		}
	}
}

func FuzzGlobAgainstRecursive(f *testing.F) {
	f.Add("*a*b?", "xaybz")
	f.Add("**?*", "")
	f.Fuzz(func(t *testing.T, p, s string) {
		// The reference is exponential: keep its inputs small.
		if len(p) > 12 || len(s) > 24 || strings.Count(p, "*") > 5 {
			return
		}
		if got, want := Glob(p, s), globSlow(p, s); got != want {
			t.Fatalf("Glob(%q, %q) = %v, reference says %v", p, s, got, want)
		}
	})
}
