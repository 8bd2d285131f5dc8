package state

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"
)

// memoWorld is a world whose state is one counter and whose one step kind
// increments it; render counts how often it ran.
type memoWorld struct {
	w       *World
	renders int
}

func newMemoWorld(t *testing.T) *memoWorld {
	t.Helper()
	m := &memoWorld{}
	m.w = newTestWorld(t, map[string]StepFunc{
		"inc": func(tx *Tx, _ json.RawMessage) error { *PanelState[int](tx, "n")++; return nil },
	}, ClockMode{}, nil)
	return m
}

// get answers key through the memo, from a read (view) or a write.
func (m *memoWorld) get(t *testing.T, view bool, key any) string {
	t.Helper()
	var b []byte
	fn := func(tx *Tx) error {
		var err error
		b, err = Memo(tx, key, func() ([]byte, error) {
			m.renders++
			return fmt.Appendf(nil, "%v=%d", key, *PanelState[int](tx, "n")), nil
		})
		return err
	}
	var err error
	if view {
		err = m.w.ViewScoped(nil, fn)
	} else {
		err = m.w.Do(fn)
	}
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func (m *memoWorld) expect(t *testing.T, got, want string, renders int) {
	t.Helper()
	if got != want || m.renders != renders {
		t.Fatalf("got %q after %d renders, want %q after %d", got, m.renders, want, renders)
	}
}

func TestMemoKeepsAnswersUntilSomethingChanges(t *testing.T) {
	m := newMemoWorld(t)
	m.expect(t, m.get(t, true, "a"), "a=0", 1)
	m.expect(t, m.get(t, true, "a"), "a=0", 1) // kept
	m.expect(t, m.get(t, true, "b"), "b=0", 2) // another key
	m.expect(t, m.get(t, true, "a"), "a=0", 2)

	// A write forgets every kept answer, whatever it wrote.
	if err := m.w.Do(func(tx *Tx) error { *PanelState[int](tx, "n") = 5; return nil }); err != nil {
		t.Fatal(err)
	}
	m.expect(t, m.get(t, true, "a"), "a=5", 3)
	m.expect(t, m.get(t, true, "a"), "a=5", 3)

	// Time passing changes nothing; a step running does.
	if err := m.w.Do(func(tx *Tx) error { return tx.After(time.Hour, "inc", nil) }); err != nil {
		t.Fatal(err)
	}
	m.expect(t, m.get(t, true, "a"), "a=5", 4)
	if _, err := m.w.Advance(59 * time.Minute); err != nil {
		t.Fatal(err)
	}
	m.expect(t, m.get(t, true, "a"), "a=5", 4)
	if _, err := m.w.Advance(time.Minute); err != nil {
		t.Fatal(err)
	}
	m.expect(t, m.get(t, true, "a"), "a=6", 5)

	// Inspect may change anything too (a restore being vetted).
	if err := m.w.Inspect(func(*Tx) error { return nil }); err != nil {
		t.Fatal(err)
	}
	m.expect(t, m.get(t, true, "a"), "a=6", 6)
}

func TestMemoKeepsNothingFromAWrite(t *testing.T) {
	m := newMemoWorld(t)
	// Rendered inside a write, the answer could be changed later in the
	// same transaction: it is not kept.
	m.expect(t, m.get(t, false, "a"), "a=0", 1)
	m.expect(t, m.get(t, true, "a"), "a=0", 2)
	m.expect(t, m.get(t, true, "a"), "a=0", 2)
}

func TestMemoKeepsNoErrorNilOrLongAnswer(t *testing.T) {
	m := newMemoWorld(t)
	calls := 0
	for _, tc := range []struct {
		name string
		b    []byte
		err  error
	}{
		{"error", []byte("x"), fmt.Errorf("no")},
		{"nil", nil, nil},
		{"long", []byte(strings.Repeat("x", maxMemoBytes+1)), nil},
	} {
		for range 2 {
			err := m.w.ViewScoped(nil, func(tx *Tx) error {
				_, err := Memo(tx, tc.name, func() ([]byte, error) { calls++; return tc.b, tc.err })
				return err
			})
			if (err != nil) != (tc.err != nil) {
				t.Fatalf("%s: error %v", tc.name, err)
			}
		}
	}
	if calls != 6 {
		t.Fatalf("rendered %d times, want 6 (nothing kept)", calls)
	}
}

func TestMemoKeepsTheLatestEntries(t *testing.T) {
	m := newMemoWorld(t)
	for i := range memoEntries + 1 {
		m.get(t, true, i)
	}
	m.expect(t, m.get(t, true, memoEntries), fmt.Sprintf("%d=0", memoEntries), memoEntries+1)
	m.expect(t, m.get(t, true, 1), "1=0", memoEntries+1)
	m.expect(t, m.get(t, true, 0), "0=0", memoEntries+2) // the oldest went first
}

func TestMemoIsNotCloned(t *testing.T) {
	m := newMemoWorld(t)
	m.get(t, true, "a")
	c := &memoWorld{w: m.w.Clone("c")}
	if err := c.w.Do(func(tx *Tx) error { *PanelState[int](tx, "n") = 9; return nil }); err != nil {
		t.Fatal(err)
	}
	c.expect(t, c.get(t, true, "a"), "a=9", 1)
	m.expect(t, m.get(t, true, "a"), "a=0", 1)
}

func TestVerifyMemosCatchesAStaleAnswer(t *testing.T) {
	m := newMemoWorld(t)
	m.get(t, true, "a")
	// A view that writes what a memo renders is the bug VerifyMemos finds.
	if err := m.w.ViewScoped(nil, func(tx *Tx) error { *PanelState[int](tx, "n") = 1; return nil }); err != nil {
		t.Fatal(err)
	}
	VerifyMemos.Store(true)
	defer VerifyMemos.Store(false)
	defer func() {
		if p := recover(); p == nil || !strings.Contains(fmt.Sprint(p), "stale memo for a") {
			t.Fatalf("recovered %v, want a stale memo panic", p)
		}
	}()
	m.get(t, true, "a")
}

func TestMemoHitsCountsKeptAnswers(t *testing.T) {
	m := newMemoWorld(t)
	for range 3 {
		m.get(t, true, "a")
	}
	if err := m.w.Do(func(*Tx) error { return nil }); err != nil {
		t.Fatal(err)
	}
	m.get(t, true, "a")
	m.get(t, true, "a")
	if got := m.w.MemoHits(); got != 3 {
		t.Fatalf("MemoHits = %d, want 3 (two, a write, one)", got)
	}
}
