package imserver

import (
	"bytes"
	"math"
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/panelsim/panelsim/internal/jsonw"
)

var trickyInts = []int64{0, 1, -1, 333, math.MaxInt64, math.MinInt64}

func randString(r *rand.Rand) string {
	if r.IntN(3) == 0 {
		b := make([]byte, r.IntN(16))
		for i := range b {
			b[i] = byte(r.IntN(256))
		}
		return string(b)
	}
	return jsonw.TrickyStrings[r.IntN(len(jsonw.TrickyStrings))]
}

func randInt(r *rand.Rand) int64 {
	if r.IntN(2) == 0 {
		return trickyInts[r.IntN(len(trickyInts))]
	}
	return r.Int64() - math.MaxInt64/2
}

// randStatuses fills every field of StatusView by reflection, so a field
// the hand encoder does not write shows up as a difference.
func randStatuses(r *rand.Rand) []StatusView {
	switch r.IntN(6) {
	case 0:
		return nil
	case 1:
		return []StatusView{}
	}
	out := make([]StatusView, r.IntN(5)+1)
	for i := range out {
		v := reflect.ValueOf(&out[i]).Elem()
		for f := 0; f < v.NumField(); f++ {
			switch fv := v.Field(f); fv.Kind() {
			case reflect.String:
				fv.SetString(randString(r))
			case reflect.Int64, reflect.Int:
				fv.SetInt(randInt(r))
			default:
				panic("StatusView has a field of a kind this test does not fill: " + v.Type().Field(f).Name)
			}
		}
	}
	return out
}

// encoded is what encode (encoding/json) writes for v.
func encoded(t testing.TB, v any) []byte {
	t.Helper()
	b, err := encode(new(bytes.Buffer), v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// checkEnvelope compares the hand encoder with encode for env.
func checkEnvelope(t testing.TB, env envelope) {
	t.Helper()
	got, ok := appendEnvelope(nil, &env)
	if !ok {
		t.Fatalf("no hand encoder for %T", env.Data)
	}
	if want := encoded(t, env); !bytes.Equal(got, want) {
		t.Fatalf("hand encoder differs from encoding/json for %#v:\n got %q\nwant %q", env, got, want)
	}
}

// TestHandEncodedEnvelopeIsEncodingJSON is the property the hand encoder
// rests on: for random envelopes of every data it handles, its bytes are
// encode's.
func TestHandEncodedEnvelopeIsEncodingJSON(t *testing.T) {
	r := rand.New(rand.NewPCG(14, 2026))
	for range 5000 {
		env := envelope{Success: r.IntN(2) == 0, Login: randString(r)}
		switch r.IntN(3) {
		case 0:
			env.Data = randString(r)
		case 1:
			env.Data = randStatuses(r)
		}
		checkEnvelope(t, env)
	}
}

// TestStatusViewFieldsAreEncoded keeps StatusView and its encoder in step:
// the JSON names, in order, that appendJSON writes.
func TestStatusViewFieldsAreEncoded(t *testing.T) {
	var names []string
	typ := reflect.TypeFor[StatusView]()
	for i := range typ.NumField() {
		names = append(names, typ.Field(i).Tag.Get("json"))
	}
	want := []string{"id", "status", "task", "taskid", "error"}
	if !reflect.DeepEqual(names, want) {
		t.Fatalf("StatusView's JSON fields are %q, appendJSON writes %q: update it", names, want)
	}
}

// TestUnhandledDataFallsBack: data without a hand encoder is left to
// encode.
func TestUnhandledDataFallsBack(t *testing.T) {
	for _, d := range []any{map[string]any{"a": 1}, []ServerView{}, 5, StatusView{}} {
		if _, ok := appendEnvelope(nil, &envelope{Data: d}); ok {
			t.Errorf("%T: hand-encoded, want a fallback", d)
		}
	}
}

// FuzzHandEncodedEnvelope compares the hand encoder with encoding/json on
// arbitrary strings and numbers, as a status list and as a string answer.
func FuzzHandEncodedEnvelope(f *testing.F) {
	f.Add("running", "", "", "petrov", int64(333), int64(0))
	f.Add("<b>&amp;</b>", "\u2028\u2029", "\xff\xed\xa0\x80", "a\"\\\x00\x1f\x7f", int64(math.MinInt64), int64(math.MaxInt64))
	f.Fuzz(func(t *testing.T, status, task, errText, login string, id, taskID int64) {
		list := []StatusView{{ID: id, Status: status, Task: task, TaskID: taskID, Error: errText}, {}}
		checkEnvelope(t, envelope{Success: true, Data: list, Login: login})
		checkEnvelope(t, envelope{Success: false, Data: errText, Login: login})
	})
}
