package dci6

import (
	"bytes"
	"encoding/json"
	"io"
	"math"
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/panelsim/panelsim/internal/jsonw"
	"github.com/panelsim/panelsim/state"
)

// trickyFloats are the float64s whose formatting encoding/json special-
// cases: exponent bounds, a one-digit negative exponent, zero signs.
var trickyFloats = []float64{0, math.Copysign(0, -1), 1, -1.5, 1e-7, 1e-6, 9.99e-7, 1e20, 1e21, 1.5e300,
	123456789.125, 5e-324, math.MaxFloat64, 100}

// filler makes random values of the view types, reaching every field by
// reflection, so a field added to a view is exercised without this file
// changing.
type filler struct{ r *rand.Rand }

func (f filler) str() string {
	if f.r.IntN(3) == 0 {
		b := make([]byte, f.r.IntN(12))
		for i := range b {
			b[i] = byte(f.r.IntN(256))
		}
		return string(b)
	}
	return jsonw.TrickyStrings[f.r.IntN(len(jsonw.TrickyStrings))]
}

// anyValue is a free-form map value: what the views put there, nested
// maps and lists, and a type without a hand encoder.
func (f filler) anyValue(depth int) any {
	switch f.r.IntN(10) {
	case 0:
		return nil
	case 1:
		return f.str()
	case 2:
		return f.r.IntN(2) == 0
	case 3:
		return f.r.IntN(1000) - 500
	case 4:
		return f.r.Int64()
	case 5:
		return trickyFloats[f.r.IntN(len(trickyFloats))]
	case 6:
		if depth > 0 {
			return f.anyMap(depth - 1)
		}
		return map[string]any(nil)
	case 7:
		if depth > 0 {
			l := make([]any, f.r.IntN(3))
			for i := range l {
				l[i] = f.anyValue(depth - 1)
			}
			return l
		}
		return []any(nil)
	case 8:
		return []string{f.str()}
	default:
		return ProgressStep{Name: f.str(), Status: f.str()}
	}
}

func (f filler) anyMap(depth int) map[string]any {
	switch f.r.IntN(4) {
	case 0:
		return nil
	case 1:
		return map[string]any{}
	}
	m := map[string]any{}
	for range f.r.IntN(5) {
		m[f.str()] = f.anyValue(depth)
	}
	return m
}

func (f filler) fill(v reflect.Value) {
	switch v.Kind() {
	case reflect.String:
		v.SetString(f.str())
	case reflect.Bool:
		v.SetBool(f.r.IntN(2) == 0)
	case reflect.Int, reflect.Int64:
		v.SetInt(f.r.Int64() >> f.r.IntN(64))
		if f.r.IntN(2) == 0 {
			v.SetInt(-v.Int())
		}
	case reflect.Pointer:
		if f.r.IntN(3) > 0 {
			v.Set(reflect.New(v.Type().Elem()))
			f.fill(v.Elem())
		}
	case reflect.Slice:
		if f.r.IntN(4) == 0 {
			return // nil
		}
		s := reflect.MakeSlice(v.Type(), f.r.IntN(4), 4)
		for i := range s.Len() {
			f.fill(s.Index(i))
		}
		v.Set(s)
	case reflect.Map:
		if v.Type() != reflect.TypeFor[map[string]any]() {
			panic("no filler for " + v.Type().String())
		}
		v.Set(reflect.ValueOf(f.anyMap(2)))
	case reflect.Struct:
		for i := range v.NumField() {
			f.fill(v.Field(i))
		}
	default:
		panic("no filler for " + v.Type().String())
	}
}

// checkSameJSON encodes v with its hand encoder and with encoding/json's
// Encoder (what echo uses) and wants the same bytes; the encoder may leave
// to encoding/json only what encoding/json refuses (NaN, infinities).
func checkSameJSON(t *testing.T, v jsonAppender) {
	t.Helper()
	var want bytes.Buffer
	wantErr := json.NewEncoder(&want).Encode(v)
	o, ok := encodeJSON(v)
	defer o.release()
	if !ok {
		if wantErr == nil {
			t.Fatalf("hand encoder fell back on %#v, encoding/json wrote %s", v, want.Bytes())
		}
		return
	}
	if wantErr != nil {
		t.Fatalf("hand encoder wrote %s where encoding/json refused: %v", o.b, wantErr)
	}
	if got := o.b; !bytes.Equal(got, want.Bytes()) {
		at := 0
		for at < min(len(got), want.Len()) && got[at] == want.Bytes()[at] {
			at++
		}
		t.Fatalf("bytes differ from offset %d\n hand: %.120q\n json: %.120q", at, got[at:], want.Bytes()[at:])
	}
}

func TestHandEncodersMatchEncodingJSON(t *testing.T) {
	f := filler{rand.New(rand.NewPCG(1, 2))}
	checkRandom[ServerView](t, f, 3000)
	checkRandom[TaskView](t, f, 500)
	checkRandom[TaskRef](t, f, 100)
	checkRandom[IDView](t, f, 100)
	checkRandom[UserView](t, f, 500)
	checkRandom[OSTemplateView](t, f, 500)
	checkRandom[ConfigurationView](t, f, 200)
	checkRandom[IPMgrIPView](t, f, 500)
	checkRandom[IPView](t, f, 500)
}

// checkRandom compares n random values of a view, and n/10 random lists
// of them, encoded both ways.
func checkRandom[T any, P interface {
	*T
	jsonAppender
}](t *testing.T, f filler, n int) {
	t.Helper()
	for i := range n {
		var v T
		f.fill(reflect.ValueOf(&v).Elem())
		checkSameJSON(t, P(&v))
		if i%10 == 0 {
			var l ListView[T]
			f.fill(reflect.ValueOf(&l).Elem())
			checkSameJSON(t, &l)
		}
	}
}

// TestHandEncoderFallsBack: what the encoder cannot write as encoding/json
// would (NaN, a list of views without encoders) goes back to encoding/json.
func TestHandEncoderFallsBack(t *testing.T) {
	s := ServerView{Operation: OperationView{StatusInfo: map[string]any{"x": math.NaN()}}}
	if o, ok := encodeJSON(&s); ok {
		t.Errorf("NaN encoded as %s", o.b)
	}
	l := ListView[PoolView]{List: []PoolView{{ID: 1}}}
	if o, ok := encodeJSON(&l); ok {
		t.Errorf("a list without an item encoder encoded as %s", o.b)
	}
}

// FuzzHandEncodedStrings checks string and float formatting against
// encoding/json on arbitrary input.
func FuzzHandEncodedStrings(f *testing.F) {
	for i, s := range jsonw.TrickyStrings {
		f.Add(s, trickyFloats[i%len(trickyFloats)])
	}
	f.Fuzz(func(t *testing.T, s string, x float64) {
		checkSameJSON(t, &ServerView{Name: s, Operation: OperationView{StatusInfo: map[string]any{s: x, "n": s}}})
	})
}

// defaultServerList is the hot path's page of the default scenario: the
// list answer issue 14 measures.
func defaultServerList(tb testing.TB) ListView[ServerView] {
	w := newWorld(tb, nil)
	lq := ListQuery{Where: "is_new EQ false", OrderBy: "id asc", Limit: "0,50"}
	return do(tb, w, func(tx *state.Tx) (ListView[ServerView], error) { return ListServers(tx, admin, lq) })
}

func TestHandEncodedDefaultServers(t *testing.T) {
	l := defaultServerList(t)
	if len(l.List) == 0 {
		t.Fatal("no servers listed")
	}
	checkSameJSON(t, &l)
	for i := range l.List {
		checkSameJSON(t, &l.List[i])
	}
}

// BenchmarkServerList splits the list path's model call from its
// encoding, by hand and by encoding/json, on the default scenario.
func BenchmarkServerList(b *testing.B) {
	w := newWorld(b, nil)
	lq := ListQuery{Where: "is_new EQ false", OrderBy: "id asc", Limit: "0,50"}
	b.Run("model", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			do(b, w, func(tx *state.Tx) (ListView[ServerView], error) { return ListServers(tx, admin, lq) })
		}
	})
	l := defaultServerList(b)
	b.Run("encode/hand", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			buf, _ := encodeJSON(&l)
			buf.release()
		}
	})
	b.Run("encode/encoding-json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := json.NewEncoder(io.Discard).Encode(l); err != nil {
				b.Fatal(err)
			}
		}
	})
}
