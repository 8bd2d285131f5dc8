package state

import (
	"cmp"
	"maps"
	"slices"
)

// DefaultHistory is how many finished tasks (operations) a panel keeps
// unless its scenario says otherwise under `history:`. Unbounded, a busy
// world's task table would grow by one entry per action forever.
const DefaultHistory = 1000

// MaxHistory bounds what a scenario may ask a panel to keep.
const MaxHistory = 1000000

// History is how many finished tasks the panel keeps (its `history:` in
// the scenario, else DefaultHistory).
func (tx *Tx) History(panel string) int {
	if n, ok := tx.w.cfg.History[panel]; ok {
		return n
	}
	return DefaultHistory
}

// TrimHistory keeps at most the panel's History of m's finished entries,
// dropping the oldest (smallest key: ids count up) first; entries still
// pinned (a server's current operation, say) are neither counted nor
// dropped. It returns how many it dropped. Panels call it when an entry
// finishes, so a table holds its running entries plus the bound.
func TrimHistory[K cmp.Ordered, V any](tx *Tx, panel string, m map[K]V, finished func(V) bool, pinned func(K) bool) int {
	keep := tx.History(panel)
	old := func(k K, v V) bool { return finished(v) && (pinned == nil || !pinned(k)) }
	// One pass counts the finished entries and finds the oldest: the usual
	// case is one entry just finished past the bound, and that entry's
	// table is walked once, not once to count and once more to find it.
	n := 0
	var oldest K
	for k, v := range m {
		if old(k, v) {
			if n == 0 || k < oldest {
				oldest = k
			}
			n++
		}
	}
	excess := n - keep
	tx.w.noteHistory(panel, min(n, keep), max(excess, 0))
	switch {
	case excess <= 0:
		return 0
	case excess == 1:
		delete(m, oldest)
		return 1
	}
	keys := make([]K, 0, n)
	for k, v := range m {
		if old(k, v) {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	for _, k := range keys[:excess] {
		delete(m, k)
	}
	return excess
}

// HistoryStat is what a panel's history holds in one world, as of the
// last task that finished there, and how many finished tasks it dropped.
type HistoryStat struct {
	Kept    int
	Dropped uint64
}

func (w *World) noteHistory(panel string, kept, dropped int) {
	if w.history == nil {
		w.history = map[string]HistoryStat{}
	}
	h := w.history[panel]
	h.Kept, h.Dropped = kept, h.Dropped+uint64(dropped)
	w.history[panel] = h
}

// History is every panel's HistoryStat in this world (for metrics).
func (w *World) History() map[string]HistoryStat {
	w.mu.Lock()
	defer w.mu.Unlock()
	return maps.Clone(w.history)
}
