package sim

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/panelsim/panelsim/state"
)

// TestAClonedWorldIsTheWorldSeededAnew holds the clone-based world creation
// to its promise: for the default scenario and every library story, a world
// cloned from the pristine one has the same panel state (deeply equal,
// unexported fields included), the same snapshot bytes and the same random
// stream as a world seeded from the scenario directly.
func TestAClonedWorldIsTheWorldSeededAnew(t *testing.T) {
	srv, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob("../scenarios/library/*.yaml")
	inputs := map[string][]byte{"default": nil}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		inputs[f] = data
	}
	for file, data := range inputs {
		sc, err := srv.ParseScenario(file, data)
		if err != nil {
			t.Fatal(err)
		}
		fresh, err := srv.seed(newOrigin(sc))
		if err != nil {
			t.Fatal(err)
		}
		clone, err := srv.build("pristine", sc)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range srv.panels {
			if a, b := panelState(fresh, p.Name()), panelState(clone, p.Name()); !reflect.DeepEqual(a, b) {
				t.Errorf("%s: %s state of the clone differs from a world seeded anew", file, p.Name())
			}
		}
		if a, b := snapshotJSON(t, fresh), snapshotJSON(t, clone); !bytes.Equal(a, b) {
			t.Errorf("%s: snapshots differ:\n%s\n%s", file, a, b)
		}
		if a, b := draw(fresh), draw(clone); a != b {
			t.Errorf("%s: random streams differ: %d vs %d", file, a, b)
		}
	}
}

func panelState(w *state.World, panel string) any {
	var st any
	_ = w.Do(func(tx *state.Tx) error { st = tx.State(panel); return nil })
	return st
}

func snapshotJSON(t *testing.T, w *state.World) []byte {
	snap, err := w.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	raw, err := json.Marshal(snap)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

func draw(w *state.World) (n uint64) {
	_ = w.Do(func(tx *state.Tx) error { n = tx.Rand().Uint64(); return nil })
	return n
}

// TestWorldsAreClonesThatShareNothing: no pointer, map or slice reachable
// from one world's panel state is reachable from a sibling's or from the
// pristine world's, so nothing one world does can show in another.
func TestWorldsAreClonesThatShareNothing(t *testing.T) {
	srv, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	a, _ := srv.Worlds().Get("a")
	b, _ := srv.Worlds().Get("b")
	for _, p := range srv.panels {
		seen := map[uintptr]string{}
		for name, w := range map[string]*state.World{"pristine": srv.origin.pristine, "a": a, "b": b} {
			refs := map[uintptr]bool{}
			collectRefs(reflect.ValueOf(panelState(w, p.Name())), refs)
			if len(refs) < 10 {
				t.Fatalf("%s: only %d references in %s's state: the walk is broken", p.Name(), len(refs), name)
			}
			for r := range refs {
				if other, ok := seen[r]; ok {
					t.Fatalf("%s: worlds %s and %s share memory at %#x", p.Name(), other, name, r)
				}
				seen[r] = name
			}
		}
	}
}

// collectRefs gathers the addresses of every pointer, map and non-empty
// slice reachable from v.
func collectRefs(v reflect.Value, refs map[uintptr]bool) {
	switch v.Kind() {
	case reflect.Pointer, reflect.Map, reflect.Slice:
		if v.IsNil() || (v.Kind() == reflect.Slice && v.Cap() == 0) {
			return
		}
		if refs[v.Pointer()] && v.Kind() != reflect.Slice {
			return
		}
		refs[v.Pointer()] = true
	}
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			collectRefs(v.Elem(), refs)
		}
	case reflect.Map:
		for it := v.MapRange(); it.Next(); {
			collectRefs(it.Key(), refs)
			collectRefs(it.Value(), refs)
		}
	case reflect.Slice, reflect.Array:
		for i := range v.Len() {
			collectRefs(v.Index(i), refs)
		}
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				collectRefs(v.Field(i), refs)
			}
		}
	}
}
