package state

import (
	"encoding/json"
	"testing"
	"time"
)

type cloneNode struct {
	Name  string
	Tags  []string
	Attrs map[string]any
	Next  *cloneNode
	When  time.Time
	Raw   json.RawMessage
	Pair  [2]*cloneNode
	hide  int
}

func TestCloneCopiesStateDeeplyAndKeepsSharing(t *testing.T) {
	w := newTestWorld(t, map[string]StepFunc{"noop": func(*Tx, json.RawMessage) error { return nil }}, ClockMode{}, nil)
	shared := &cloneNode{Name: "shared", hide: 7}
	root := &cloneNode{Name: "root", Tags: []string{"a"}, Attrs: map[string]any{"list": []any{"x"}, "node": shared},
		Next: shared, Raw: json.RawMessage(`{}`), Pair: [2]*cloneNode{shared, nil}, When: t0}
	_ = w.Do(func(tx *Tx) error {
		tx.SetState("p", root)
		tx.NextID("server")
		return tx.After(time.Minute, "noop", 1)
	})
	w.Journal().Add(Entry{Path: "/before"})
	c := w.Clone("copy")

	var got *cloneNode
	_ = c.Do(func(tx *Tx) error { got = tx.State("p").(*cloneNode); return nil })
	if got == root || got.Next == shared || got.Attrs["node"] == any(shared) {
		t.Fatal("the clone shares pointers with the original")
	}
	if got.Next != got.Attrs["node"] || got.Next != got.Pair[0] {
		t.Fatal("one value pointed to twice became several in the clone")
	}
	if got.Next.hide != 7 || !got.When.Equal(t0) || string(got.Raw) != "{}" {
		t.Fatalf("values lost in the copy: %+v", got.Next)
	}
	got.Tags[0], got.Raw[0] = "changed", '['
	got.Attrs["list"].([]any)[0] = "changed"
	got.Next.Name = "changed"
	if root.Tags[0] != "a" || root.Raw[0] != '{' || root.Attrs["list"].([]any)[0] != "x" || shared.Name != "shared" {
		t.Fatal("changing the clone changed the original")
	}
	if c.Name() != "copy" || c.Pending() != 1 || c.Journal().Len() != 0 {
		t.Fatalf("clone %s: %d pending, %d journal entries; want copy, 1, 0", c.Name(), c.Pending(), c.Journal().Len())
	}
	var idW, idC int64
	var rW, rC uint64
	_ = w.Do(func(tx *Tx) error { idW, rW = tx.NextID("server"), tx.Rand().Uint64(); return nil })
	_ = c.Do(func(tx *Tx) error { idC, rC = tx.NextID("server"), tx.Rand().Uint64(); return nil })
	if idW != 2 || idC != 2 || rW != rC {
		t.Fatalf("ids %d/%d, draws %d/%d: the clone does not go on where the original stands", idW, idC, rW, rC)
	}
}
