package jsonw

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"testing"
	"unicode/utf8"
)

// encodingJSON is what encoding/json writes for s, with or without HTML
// escaping (an Encoder's trailing newline cut).
func encodingJSON(t testing.TB, s string, escapeHTML bool) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(escapeHTML)
	if err := enc.Encode(s); err != nil {
		t.Fatal(err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
}

func checkString(t testing.TB, s string) {
	t.Helper()
	for _, html := range []bool{false, true} {
		if got, want := AppendString([]byte("x"), s, html), append([]byte("x"), encodingJSON(t, s, html)...); !bytes.Equal(got, want) {
			t.Fatalf("AppendString(%q, escapeHTML %v) = %q, encoding/json writes %q", s, html, got, want)
		}
	}
}

// randString mixes plain runs with the bytes and runes that are escaped.
func randString(r *rand.Rand) string {
	parts := []string{"a", "plain text ", "<", ">", "&", `"`, `\`, "\n", "\x00", "\x1f", "\x7f", "\xff",
		"\xc3", "é", "\u2028", "\u2029", "日", "\U0001F600", "0123456789abcdef"}
	var b []byte
	for range r.IntN(12) {
		b = append(b, parts[r.IntN(len(parts))]...)
	}
	return string(b)
}

func TestAppendStringMatchesEncodingJSON(t *testing.T) {
	for _, s := range TrickyStrings {
		checkString(t, s)
	}
	r := rand.New(rand.NewPCG(2026, 14))
	for range 3000 {
		checkString(t, randString(r))
	}
}

// TestSafeWordMatchesTable puts every byte value at every place of an
// otherwise plain word, and beside every other byte value: the word test
// must agree with the byte table (borrows between lanes must not hide or
// invent a byte that is not plain).
func TestSafeWordMatchesTable(t *testing.T) {
	plain := func(c byte) bool { return c < utf8.RuneSelf && plainASCII[1][c] }
	for pos := 0; pos < 8; pos++ {
		for c := 0; c < 256; c++ {
			for d := 0; d < 256; d++ {
				w := []byte("abcdefgh")
				w[pos] = byte(c)
				w[(pos+1)%8] = byte(d)
				want := 8
				for i, e := range w {
					if !plain(e) {
						want = i
						break
					}
				}
				if got := safePrefix(string(w)); got != want {
					t.Fatalf("safePrefix(%q) = %d, want %d", w, got, want)
				}
			}
		}
	}
}

// FuzzAppendString holds AppendString to encoding/json on any string,
// with HTML escaping on and off.
func FuzzAppendString(f *testing.F) {
	for _, s := range TrickyStrings {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) { checkString(t, s) })
}

func TestSpace(t *testing.T) {
	for _, c := range []struct {
		b    string
		want bool
	}{{"", true}, {" \t\r\n", true}, {" x ", false}, {"\v", false}, {"\u00a0", false}, {"\f", false}} {
		if got := Space([]byte(c.b)); got != c.want {
			t.Errorf("Space(%q) = %v, want %v", c.b, got, c.want)
		}
	}
}
