package state

import (
	"encoding/json"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"github.com/panelsim/panelsim/internal/jsonw"
)

// plainStep is shaped like the panels' step args.
type plainStep struct {
	Node string `json:"node"`
	Task int64  `json:"task"`
	Gen  int    `json:"gen"`
	Fail bool   `json:"fail,omitempty"`
	Msg  string `json:"msg,omitempty"`
	U8   uint8
	In   struct {
		Name string `json:"name"`
	} `json:"in"`
}

type sliceStep struct {
	Names []string `json:"names"`
}

type hiddenStep struct {
	Task int64  `json:"task"`
	Memo string `json:"-"`
}

type stampStep struct {
	At time.Time `json:"at"`
}

type floatStep struct {
	F float64 `json:"f,omitempty"`
}

type foldStep struct {
	A int `json:"task"`
	B int `json:"Task"`
}

type quotedStep struct {
	N int `json:"n,string"`
}

func TestPlainArgsKnowsWhatRoundTrips(t *testing.T) {
	for _, c := range []struct {
		v    any
		want bool
	}{
		{plainStep{}, true}, {"s", true}, {7, true}, {true, true},
		{sliceStep{}, false}, {hiddenStep{}, false}, {stampStep{}, false}, {floatStep{}, false},
		{foldStep{}, false}, {quotedStep{}, false}, {&plainStep{}, false}, {[]int{1}, false},
		{map[string]int{}, false}, {time.Second, true}, {1.5, false},
	} {
		if got := plainArgs(reflect.TypeOf(c.v)); got != c.want {
			t.Errorf("plainArgs(%T) = %v, want %v", c.v, got, c.want)
		}
	}
}

func randPlainStep(r *rand.Rand) plainStep {
	str := func() string {
		if r.IntN(3) == 0 {
			b := make([]byte, r.IntN(12))
			for i := range b {
				b[i] = byte(r.UintN(256))
			}
			return string(b)
		}
		return jsonw.TrickyStrings[r.IntN(len(jsonw.TrickyStrings))]
	}
	s := plainStep{Node: str(), Task: r.Int64() - r.Int64(), Gen: r.IntN(5) - 2, Fail: r.IntN(2) == 0, U8: uint8(r.UintN(256))}
	if r.IntN(2) == 0 {
		s.Msg = str()
	}
	s.In.Name = str()
	return s
}

// TestKeptArgsEqualDecodedArgs is the property behind Step.val: whenever a
// value is kept, decoding the JSON written for it gives the same value.
func TestKeptArgsEqualDecodedArgs(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	kept := 0
	for range 5000 {
		v := randPlainStep(r)
		raw, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		var back plainStep
		if err := json.Unmarshal(raw, &back); err != nil {
			t.Fatal(err)
		}
		k := keptArgs(v, raw)
		if k == nil {
			continue
		}
		kept++
		if k.(plainStep) != back {
			t.Fatalf("kept %+v, but its JSON %s decodes to %+v", v, raw, back)
		}
	}
	if kept < 1000 {
		t.Fatalf("only %d of 5000 values kept", kept)
	}
	if keptArgs(plainStep{Node: "a\xffb"}, []byte(`{"node":"a\ufffdb"}`)) != nil {
		t.Fatal("a value with invalid UTF-8 was kept")
	}
}

// TestTypedStepArgsSameDirectAndRestored runs steps scheduled in this
// process (their value kept) and the same steps round-tripped through a
// snapshot (decoded from JSON) and compares what the step functions got.
func TestTypedStepArgsSameDirectAndRestored(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	var got []any
	steps := map[string]StepFunc{
		"plain":  TypedStep(func(_ *Tx, a plainStep) error { got = append(got, a); return nil }),
		"slice":  TypedStep(func(_ *Tx, a sliceStep) error { got = append(got, a); return nil }),
		"hidden": TypedStep(func(_ *Tx, a hiddenStep) error { got = append(got, a); return nil }),
		"int":    TypedStep(func(_ *Tx, a int) error { got = append(got, a); return nil }),
	}
	schedule := func(w *World) {
		if err := w.Do(func(tx *Tx) error {
			for i := range 200 {
				d := time.Duration(i+1) * time.Second
				var err error
				switch i % 4 {
				case 0, 1:
					err = tx.After(d, "plain", randPlainStep(r))
				case 2:
					err = tx.After(d, "slice", sliceStep{Names: []string{jsonw.TrickyStrings[i%len(jsonw.TrickyStrings)]}})
				case 3:
					err = tx.After(d, "hidden", hiddenStep{Task: int64(i), Memo: "dropped"})
				}
				if err != nil {
					return err
				}
			}
			return tx.After(time.Hour, "int", 42)
		}); err != nil {
			t.Fatal(err)
		}
	}
	run := func(w *World) []any {
		got = nil
		ran, err := w.Advance(2 * time.Hour)
		if err != nil || len(ran) != 201 {
			t.Fatalf("advance: %v, %d ran", err, len(ran))
		}
		for _, x := range ran {
			if x.Error != "" {
				t.Fatal(x.Error)
			}
		}
		return got
	}

	direct := newTestWorld(t, steps, ClockMode{}, nil)
	schedule(direct)
	snap, err := direct.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	raw, err := json.Marshal(snap)
	if err != nil {
		t.Fatal(err)
	}
	var back Snapshot
	if err := json.Unmarshal(raw, &back); err != nil {
		t.Fatal(err)
	}
	restored, err := Restore(direct.Config(), &back)
	if err != nil {
		t.Fatal(err)
	}
	clone := direct.Clone("c")
	kept := 0
	for _, s := range direct.queue {
		if s.val != nil {
			kept++
		}
	}
	for _, s := range restored.queue {
		if s.val != nil {
			t.Fatal("a restored step kept a value")
		}
	}
	if kept == 0 {
		t.Fatal("no step kept its value")
	}
	a, b, c := run(direct), run(restored), run(clone)
	if !reflect.DeepEqual(a, b) || !reflect.DeepEqual(a, c) {
		t.Fatalf("direct, restored and cloned steps got different args:\n%v\n%v\n%v", a, b, c)
	}
	if h := a[3].(hiddenStep); h.Memo != "" {
		t.Fatalf("a json:\"-\" field reached the step: %+v", h)
	}
}

// TestDoAllocatesNoTx holds the world's reused Tx to its purpose: a
// transaction allocates nothing of its own.
func TestDoAllocatesNoTx(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	w := newTestWorld(t, map[string]StepFunc{"noop": func(*Tx, json.RawMessage) error { return nil }}, ClockMode{}, nil)
	noop := func(tx *Tx) error { _ = tx.Now(); return nil }
	if n := testing.AllocsPerRun(100, func() { _ = w.Do(noop) }); n != 0 {
		t.Fatalf("Do allocates %v times per call", n)
	}
	scope := &Scope{}
	if n := testing.AllocsPerRun(100, func() { _ = w.DoScoped(scope, noop) }); n != 0 {
		t.Fatalf("DoScoped allocates %v times per call", n)
	}
}

// TestTypedStepOfAnInterfaceDecodes: a step taking any gets what decoding
// its JSON gives (a map), not the kept struct.
func TestTypedStepOfAnInterfaceDecodes(t *testing.T) {
	var got any
	w := newTestWorld(t, map[string]StepFunc{"any": TypedStep(func(_ *Tx, a any) error { got = a; return nil })}, ClockMode{}, nil)
	_ = w.Do(func(tx *Tx) error { return tx.After(time.Second, "any", plainStep{Node: "n"}) })
	if _, err := w.Advance(time.Second); err != nil {
		t.Fatal(err)
	}
	if m, ok := got.(map[string]any); !ok || m["node"] != "n" {
		t.Fatalf("the step got %#v", got)
	}
}
