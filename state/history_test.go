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
	pinned := func(id int64) bool { return id == 1 }
	var dropped int
	_ = w.Do(func(tx *Tx) error {
		dropped = TrimHistory(tx, "p", m, func(s string) bool { return s == "done" }, pinned)
		return nil
	})
	if got := slices.Sorted(maps.Keys(m)); dropped != 14 || !slices.Equal(got, []int64{1, 2, 15, 18, 19, 20}) {
		t.Fatalf("dropped %d, kept %v", dropped, got)
	}
	m[21] = "done"
	_ = w.Do(func(tx *Tx) error {
		dropped = TrimHistory(tx, "p", m, func(s string) bool { return s == "done" }, pinned)
		if tx.History("other") != DefaultHistory {
			t.Errorf("a panel without history: keeps %d", tx.History("other"))
		}
		return nil
	})
	if got := slices.Sorted(maps.Keys(m)); dropped != 1 || !slices.Equal(got, []int64{1, 2, 15, 19, 20, 21}) {
		t.Fatalf("dropped %d, kept %v", dropped, got)
	}
}
