package sim

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/panelsim/panelsim/internal/jsonw"
)

// freshDecode is decodeJSON's decoding as it was: a new Decoder per body.
func freshDecode(body []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return errTrailingData
	}
	return nil
}

type (
	advanceIn struct {
		By string `json:"by"`
	}
	setClockIn struct {
		To string `json:"to"`
	}
	worldIn struct {
		Name string `json:"name"`
		From string `json:"from"`
	}
	// richIn reaches the decoder's other errors: numbers, nested objects
	// and arrays, a field of the wrong type deep down.
	richIn struct {
		N    int            `json:"n"`
		F    float64        `json:"f"`
		B    bool           `json:"b"`
		L    []string       `json:"l"`
		M    map[string]int `json:"m"`
		In   *advanceIn     `json:"in"`
		Rest []worldIn      `json:"rest"`
	}
)

// decodeTargets makes a fresh value of each type decodeJSON is used with,
// and one that reaches the decoder's other errors.
var decodeTargets = []func() any{
	func() any { return &advanceIn{} }, func() any { return &setClockIn{} },
	func() any { return &worldIn{} }, func() any { return &richIn{} },
}

var decodeSeeds = []string{
	`{"by":"1m"}`, `{"by":"1h30m"}`, `{"to":"2025-01-01T12:00:00Z"}`, `{"name":"w2","from":"default"}`,
	`{}`, ` {} `, "\t{\"by\":\"1m\"}\r\n", `{"by":1}`, `{"bx":"1m"}`, `{"By":"1m"}`, `{"BY":"1m","by":"2m"}`,
	`{"by":"1m"} {}`, `{"by":"1m"}x`, `{"by":"1m"`, `{"by":`, `{"by"`, `{`, `[1]`, `null`, `"s"`, `123`,
	`123abc`, `1 2`, `{"by":"\ud800"}`, `{"by":"a\u00e9\"b"}`, `{"by":"1m",}`, `{"by":"1m" "to":"x"}`,
	`{"n":1e400}`, `{"n":1.5}`, `{"n":"1"}`, `{"l":[1]}`, `{"m":{"a":"b"}}`, `{"in":{"by":2}}`,
	`{"in":{"x":1}}`, `{"rest":[{"name":1},{"q":2}]}`, `{"f":-0,"b":true,"l":null}`, "\xef\xbb\xbf{}",
	"\f{}", "{}\v", `{"by":"1m"}]`, `{"by":"` + string(make([]byte, 600)) + `"}`,
}

const decodeAlphabet = `{}[]":,. 0123456789-+eEtrufalsn\ byBtoNamefrom` + "\t\r\n\x00\xff"

func mutateBody(r *rand.Rand, b []byte) []byte {
	b = append([]byte(nil), b...)
	for range 1 + r.IntN(3) {
		switch k := r.IntN(6); {
		case k == 0 && len(b) > 0:
			i := r.IntN(len(b))
			b = append(b[:i], b[i+1:]...)
		case k == 1 && len(b) > 0:
			b[r.IntN(len(b))] = decodeAlphabet[r.IntN(len(decodeAlphabet))]
		case k == 2:
			i := r.IntN(len(b) + 1)
			b = append(b[:i], append([]byte{decodeAlphabet[r.IntN(len(decodeAlphabet))]}, b[i:]...)...)
		case k == 3:
			b = append(b, decodeSeeds[r.IntN(len(decodeSeeds))]...)
		case k == 4:
			s, _ := json.Marshal(jsonw.TrickyStrings[r.IntN(len(jsonw.TrickyStrings))])
			b = []byte(`{"by":` + string(s) + `}`)
		case k == 5 && len(b) > 0:
			b = b[:r.IntN(len(b))]
		}
	}
	return b
}

// sameAsFresh decodes body with d and with a fresh decoder into a value of
// each target and fails unless the two agree on the value, the error's
// message and its field; it returns the decoder to use next.
func sameAsFresh(t testing.TB, d *strictDecoder, body []byte, target func() any) *strictDecoder {
	t.Helper()
	got, want := target(), target()
	reusable, err := d.decode(body, got)
	ref := freshDecode(body, want)
	if (err == nil) != (ref == nil) || err != nil && (err.Error() != ref.Error() || jsonField(err) != jsonField(ref)) {
		t.Fatalf("body %q into %T: the reused decoder says %v, a fresh one %v", body, got, err, ref)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("body %q: the reused decoder gave %+v, a fresh one %+v", body, got, want)
	}
	if reusable && err != nil {
		t.Fatalf("body %q: a decoder that failed (%v) was kept", body, err)
	}
	if !reusable {
		return newStrictDecoder()
	}
	return d
}

// TestStrictDecoderIsAFreshDecoder runs random bodies, one after another,
// through decoders that are kept while they may be, and holds each answer
// to a fresh json.Decoder's.
func TestStrictDecoderIsAFreshDecoder(t *testing.T) {
	r := rand.New(rand.NewPCG(4, 14))
	d := newStrictDecoder()
	kept := 0
	for i := range 30000 {
		body := []byte(decodeSeeds[r.IntN(len(decodeSeeds))])
		if r.IntN(3) != 0 {
			body = mutateBody(r, body)
		}
		if r.IntN(4) == 0 {
			body = append([]byte(strconv.Quote(" \t\n")[1:3]), body...)
		}
		next := sameAsFresh(t, d, body, decodeTargets[i%len(decodeTargets)])
		if next == d {
			kept++
		}
		d = next
	}
	if kept < 1000 {
		t.Fatalf("only %d of 30000 decoders kept", kept)
	}
	// The bodies clients send keep their decoder.
	for _, body := range []string{`{"by":"1m"}`, " {\"by\":\"15m\"}\n", `{"to":"2025-01-01T00:00:00Z"}`, `{}`} {
		var in advanceIn
		var to setClockIn
		v := any(&in)
		if strings.Contains(body, `"to"`) {
			v = &to
		}
		if reusable, err := d.decode([]byte(body), v); err != nil || !reusable {
			t.Fatalf("body %q: reusable %v, error %v", body, reusable, err)
		}
	}
}

// FuzzStrictDecoder decodes two bodies with one decoder (kept if the first
// allows) and each with a fresh decoder: the answers must agree.
func FuzzStrictDecoder(f *testing.F) {
	for i, s := range decodeSeeds {
		f.Add([]byte(decodeSeeds[(i*7)%len(decodeSeeds)]), []byte(s), uint8(i))
	}
	f.Fuzz(func(t *testing.T, first, second []byte, target uint8) {
		mk := decodeTargets[int(target)%len(decodeTargets)]
		d := sameAsFresh(t, newStrictDecoder(), first, mk)
		sameAsFresh(t, d, second, mk)
	})
}
