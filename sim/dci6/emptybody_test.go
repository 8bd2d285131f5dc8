package dci6

import (
	"math/rand/v2"
	"testing"
)

var emptyBodySeeds = []string{
	"", " ", "{}", " {} ", "{ }", "{\t\r\n}", "\n{}\n", "\v{}\f", "\u00a0{}\u0085", "{\v}", "{\u00a0}",
	"{}{}", "{} {}", "{}]", "{}}", "{{}", "{", "}", "{]", "[]", "null", `{"a":1}`, `{"a":1e400}`,
	`{"a":}`, "\x00{}", "{\x00}", "{}\x00", "\xef\xbb\xbf{}", `"{}"`, "{ } x",
}

// checkEmptyObject fails if emptyObject takes a body for empty that the
// old path (decoding into a map) would answer with an error.
func checkEmptyObject(t *testing.T, data []byte) {
	t.Helper()
	if !emptyObject(data) {
		return
	}
	var req map[string]any
	if err := parseJSONBody(data, &req); err != nil || len(req) != 0 {
		t.Fatalf("emptyObject(%q) is true, but decoding it into a map gives %v, %v", data, req, err)
	}
}

func TestEmptyObjectOnlyWhereTheMapDecodingAccepts(t *testing.T) {
	for _, s := range []string{"", "{}", " {}\n", "{ }", "\r\n{\n}\r\n"} {
		if !emptyObject([]byte(s)) {
			t.Errorf("emptyObject(%q) = false, the common bodies skip decoding", s)
		}
	}
	for _, s := range emptyBodySeeds {
		checkEmptyObject(t, []byte(s))
	}
	const alphabet = "{}[] \t\r\n\v\f\"a:1,\x00\xc2\xa0\x85"
	r := rand.New(rand.NewPCG(5, 14))
	for range 50000 {
		b := make([]byte, r.IntN(8))
		for i := range b {
			b[i] = alphabet[r.IntN(len(alphabet))]
		}
		checkEmptyObject(t, b)
	}
}

func FuzzEmptyObject(f *testing.F) {
	for _, s := range emptyBodySeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(checkEmptyObject)
}
