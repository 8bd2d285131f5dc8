package state

import (
	"cmp"
	"fmt"
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

// Finished is the ascending list of a table's finished keys, kept by the
// panel beside the table so that trimming the history reads the keys it
// drops and the pins, never the whole table: a busy world finishes a task
// per action, and scanning the thousand kept tasks at each finish was a
// third of a write loop's time.
//
// Hold it in an exported field tagged `json:"-"`: a clone copies it with
// the table, a snapshot leaves it out (it is derived, not state), and a
// restored world, whose Finished is zero, rebuilds it from the table at
// its first trim.
type Finished[K cmp.Ordered] struct {
	// Keys are the finished entries' keys, ascending, each once.
	Keys []K
	// Built says Keys lists every finished entry of the table; until then
	// Add ignores keys and TrimHistory rebuilds Keys from the table.
	Built bool
}

// Add notes that the table's entry k has finished. Keys count up, so the
// usual add is an append.
func (f *Finished[K]) Add(k K) {
	if !f.Built {
		return
	}
	if i, found := slices.BinarySearch(f.Keys, k); !found {
		f.Keys = slices.Insert(f.Keys, i, k)
	}
}

// rebuild lists m's finished entries in f afresh.
func rebuild[K cmp.Ordered, V any](f *Finished[K], m map[K]V, finished func(V) bool) {
	f.Keys = f.Keys[:0]
	for k, v := range m {
		if finished(v) {
			f.Keys = append(f.Keys, k)
		}
	}
	slices.Sort(f.Keys)
	f.Built = true
}

// CheckFinished is the invariant that f, once built, lists exactly m's
// finished entries (m at path). No snapshot holds an index, so it guards
// the panel's own ways of finishing an entry: one that forgets Add shows
// in the panel's tests, which check state after every load and fork.
func CheckFinished[K cmp.Ordered, V any](path string, f *Finished[K], m map[K]V, finished func(V) bool) *DecodeError {
	if !f.Built {
		return nil
	}
	n := 0
	for k, v := range m {
		if finished(v) {
			if _, found := slices.BinarySearch(f.Keys, k); !found {
				return &DecodeError{Pointer: path, Msg: fmt.Sprintf("the finished-entry index misses %v", k)}
			}
			n++
		}
	}
	if n != len(f.Keys) || !slices.IsSorted(f.Keys) {
		return &DecodeError{Pointer: path, Msg: fmt.Sprintf("the finished-entry index lists %d keys for %d finished entries", len(f.Keys), n)}
	}
	return nil
}

// TrimHistory keeps at most the panel's History of m's finished entries
// (those f lists), dropping the oldest (smallest key: ids count up) first;
// the entries whose keys are in pins (a server's current operation, say)
// are neither counted nor dropped. finished says which of m's entries
// ended, read only when f has to be rebuilt. Panels call it each time an
// entry finishes (after f.Add), so a table holds its running entries, its
// pins and the bound. It returns how many entries it dropped; pins may be
// reordered.
func TrimHistory[K cmp.Ordered, V any](tx *Tx, panel string, m map[K]V, f *Finished[K], finished func(V) bool, pins []K) int {
	if !f.Built {
		rebuild(f, m, finished)
	}
	slices.Sort(pins)
	pins = slices.Compact(pins)
	held := 0
	for _, k := range pins {
		if _, found := slices.BinarySearch(f.Keys, k); found {
			held++
		}
	}
	n, keep := len(f.Keys)-held, tx.History(panel)
	excess := n - keep
	tx.w.noteHistory(panel, min(n, keep), max(excess, 0))
	if excess <= 0 {
		return 0
	}
	f.Keys = dropOldest(f.Keys, excess, pins, func(k K) { delete(m, k) })
	return excess
}

// dropOldest drops the first excess keys that are not in pins (both
// ascending) and returns what is left, in place.
func dropOldest[K cmp.Ordered](keys []K, excess int, pins []K, drop func(K)) []K {
	kept, dropped, i := 0, 0, 0
	for ; i < len(keys) && dropped < excess; i++ {
		k := keys[i]
		for len(pins) > 0 && pins[0] < k {
			pins = pins[1:]
		}
		if len(pins) > 0 && pins[0] == k {
			keys[kept] = k
			kept++
			continue
		}
		drop(k)
		dropped++
	}
	kept += copy(keys[kept:], keys[i:])
	clear(keys[kept:])
	return keys[:kept]
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
