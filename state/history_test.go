package state

import (
	"maps"
	"slices"
	"testing"
)

func TestTrimHistoryKeepsTheNewestFinishedAndEveryPinnedOrRunning(t *testing.T) {
	w := newTestWorld(t, nil, ClockMode{}, nil)
	w.cfg.History = map[string]int{"p": 3}
	m := map[int64]string{}
	for id := int64(1); id <= 20; id++ {
		m[id] = "done"
	}
	m[2], m[15] = "running", "running"
	done := func(s string) bool { return s == "done" }
	var f Finished[int64] // as a restored world's: rebuilt at the first trim
	var dropped int
	_ = w.Do(func(tx *Tx) error {
		dropped = TrimHistory(tx, "p", m, &f, done, []int64{1, 99})
		return nil
	})
	if got := slices.Sorted(maps.Keys(m)); dropped != 14 || !slices.Equal(got, []int64{1, 2, 15, 18, 19, 20}) {
		t.Fatalf("dropped %d, kept %v", dropped, got)
	}
	if h := w.History()["p"]; h != (HistoryStat{Kept: 3, Dropped: 14}) {
		t.Fatalf("history stat %+v", h)
	}
	m[21] = "done"
	f.Add(21)
	_ = w.Do(func(tx *Tx) error {
		dropped = TrimHistory(tx, "p", m, &f, done, []int64{1})
		if tx.History("other") != DefaultHistory {
			t.Errorf("a panel without history: keeps %d", tx.History("other"))
		}
		return nil
	})
	if got := slices.Sorted(maps.Keys(m)); dropped != 1 || !slices.Equal(got, []int64{1, 2, 15, 19, 20, 21}) {
		t.Fatalf("dropped %d, kept %v", dropped, got)
	}
	if !slices.Equal(f.Keys, []int64{1, 19, 20, 21}) || CheckFinished("/m", &f, m, done) != nil {
		t.Fatalf("index %v", f.Keys)
	}
	// A pin released in the middle goes first once it is the oldest; a
	// running entry that finishes late is filed in order.
	m[2] = "done"
	f.Add(2)
	_ = w.Do(func(tx *Tx) error {
		dropped = TrimHistory(tx, "p", m, &f, done, nil)
		return nil
	})
	if got := slices.Sorted(maps.Keys(m)); dropped != 2 || !slices.Equal(got, []int64{15, 19, 20, 21}) {
		t.Fatalf("dropped %d, kept %v", dropped, got)
	}
	if h := w.History()["p"]; h != (HistoryStat{Kept: 3, Dropped: 17}) {
		t.Fatalf("history stat %+v", h)
	}
	m[15] = "done"
	if CheckFinished("/m", &f, m, done) == nil {
		t.Fatal("an index missing a finished entry passes its check")
	}
}
