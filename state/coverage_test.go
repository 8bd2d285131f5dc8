package state

import (
	"fmt"
	"testing"
)

func TestCoverageCountsMergesAndResets(t *testing.T) {
	c := NewCoverage()
	k := CoverKey{Panel: "p", Dim: CoverOp, Name: "x"}
	c.Add(k, k)
	other := NewCoverage()
	other.Add(k)
	c.Merge(other.Counts())
	if n := c.Counts().Get("p", CoverOp, "x"); n != 3 {
		t.Fatalf("count %d, want 3", n)
	}
	if s := Sum(c.Counts(), other.Counts()); s[k] != 4 {
		t.Fatalf("sum %d, want 4", s[k])
	}
	c.Reset()
	if len(c.Counts()) != 0 {
		t.Fatalf("after reset: %v", c.Counts())
	}
}

// A client inventing names cannot grow the counts without bound: past
// MaxCoverKeys distinct keys, new names count as Other.
func TestCoverageBoundsDistinctKeys(t *testing.T) {
	c := NewCoverage()
	for i := range MaxCoverKeys + 100 {
		c.Add(CoverKey{Panel: "p", Dim: CoverOp, Name: fmt.Sprint("cmd", i)})
	}
	cs := c.Counts()
	if len(cs) != MaxCoverKeys+1 || cs.Get("p", CoverOp, Other) != 100 {
		t.Fatalf("%d keys, %d under %s", len(cs), cs.Get("p", CoverOp, Other), Other)
	}
}

func TestWorldsKeepCoverageOverResetAndDelete(t *testing.T) {
	build := func(name string, _ any) (*World, error) {
		return NewWorld(Config{Name: name, Seed: 1, Start: t0})
	}
	ws := NewWorlds(build, Limits{})
	w, _ := ws.Get("a")
	k := CoverKey{Panel: "p", Dim: CoverOp, Name: "x"}
	w.Coverage().Add(k)
	nw, err := ws.Rebuild("a", nil)
	if err != nil {
		t.Fatal(err)
	}
	if nw == w || nw.Coverage().Counts()[k] != 1 {
		t.Fatalf("a rebuilt world lost its coverage: %v", nw.Coverage().Counts())
	}
	f, _ := ws.Fork("a", "f")
	if len(f.Coverage().Counts()) != 0 {
		t.Fatalf("a fork inherited coverage: %v", f.Coverage().Counts())
	}
	ws.Delete("a")
	if ws.Retired().Counts()[k] != 1 {
		t.Fatalf("a deleted world's coverage is gone: %v", ws.Retired().Counts())
	}
}

// TestCoverTaskCountsWithoutBuildingTheNameAgain: a task state counted
// again is the same key, and costs no allocation.
func TestCoverTaskCountsWithoutBuildingTheNameAgain(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	w := newTestWorld(t, nil, ClockMode{}, nil)
	kind, state := "operation_os", "complete"
	cover := func(tx *Tx) error { tx.CoverTask("dci6", kind, state); return nil }
	_ = w.Do(cover)
	if n := testing.AllocsPerRun(50, func() { _ = w.Do(cover) }); n != 0 {
		t.Fatalf("CoverTask allocates %v times", n)
	}
	if got := w.Coverage().Counts().Get("dci6", CoverTask, "operation_os/complete"); got != 52 {
		t.Fatalf("counted %d, want 52", got)
	}
}
