package dci6

import (
	"maps"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/panelsim/panelsim/state"
)

// trimTasksByScan is the history trim as it was before the finished-task
// index: a scan of every task, dropping the oldest finished ones that are
// no server's operation past the bound. It returns what the history
// metrics should then say (kept) and how many it dropped. The property
// test holds trimTasks to it.
func trimTasksByScan(s *State, bound int) (kept, dropped int) {
	pinned := make(map[int64]bool, len(s.Servers))
	for _, sv := range s.Servers {
		if sv.Operation != nil {
			pinned[sv.Operation.TaskID] = true
		}
	}
	var old []int64
	for _, id := range slices.Sorted(maps.Keys(s.Tasks)) {
		if s.Tasks[id].finished() && !pinned[id] {
			old = append(old, id)
		}
	}
	excess := max(len(old)-bound, 0)
	for _, id := range old[:excess] {
		delete(s.Tasks, id)
	}
	return min(len(old), bound), excess
}

// historyWorld is a bare world keeping bound finished dci6 tasks.
func historyWorld(t *testing.T, bound int) *state.World {
	t.Helper()
	w, err := state.NewWorld(state.Config{Name: "history", Seed: 1, Start: time.Unix(0, 0).UTC(),
		History: map[string]int{Name: bound}, Steps: steps(), States: map[string]func() any{Name: New().NewState}})
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// historyTwin applies one random sequence of task events to two states
// alike and trims one the old way, the other by trimTasks.
type historyTwin struct {
	t      *testing.T
	rng    *rand.Rand
	bound  int
	old    *State
	new    *State
	w      *state.World
	nextID int64
	// want is what the history metrics should say, by the old scan.
	want state.HistoryStat
}

func (h *historyTwin) both(fn func(s *State)) { fn(h.old); fn(h.new) }

func (h *historyTwin) addTask(server int64) {
	h.nextID++
	id, status := h.nextID, []string{taskPending, taskRunning}[h.rng.IntN(2)]
	h.both(func(s *State) { s.Tasks[id] = &Task{ID: id, ServerID: server, Status: status} })
}

// finishOne ends a random unfinished task (if any), well or not, and
// returns its id (0: none).
func (h *historyTwin) finishOne() int64 {
	var open []int64
	for _, id := range slices.Sorted(maps.Keys(h.old.Tasks)) {
		if !h.old.Tasks[id].finished() {
			open = append(open, id)
		}
	}
	if len(open) == 0 {
		return 0
	}
	id, status := open[h.rng.IntN(len(open))], []string{taskComplete, taskFail}[h.rng.IntN(2)]
	h.both(func(s *State) { s.Tasks[id].Status = status })
	return id
}

// repin points a random server's operation at one of its tasks, at a task
// that is gone, or at none.
func (h *historyTwin) repin(servers int64) {
	sid := 1 + h.rng.Int64N(servers)
	var op *int64
	switch r := h.rng.IntN(10); {
	case r == 0:
	case r == 1:
		gone := h.rng.Int64N(h.nextID + 2)
		op = &gone
	default:
		var mine []int64
		for _, id := range slices.Sorted(maps.Keys(h.old.Tasks)) {
			if h.old.Tasks[id].ServerID == sid {
				mine = append(mine, id)
			}
		}
		if len(mine) == 0 {
			return
		}
		id := mine[h.rng.IntN(len(mine))]
		op = &id
	}
	h.both(func(s *State) {
		s.Servers[sid].Operation = nil
		if op != nil {
			s.Servers[sid].Operation = &Operation{TaskID: *op}
		}
	})
}

// trim trims the old state by the scan and the new one by trimTasks for
// the task that just finished (done; 0: none, so only the trim runs, as
// for a second task finished before it).
func (h *historyTwin) trim(done int64) {
	h.t.Helper()
	kept, dropped := trimTasksByScan(h.old, h.bound)
	h.want.Kept, h.want.Dropped = kept, h.want.Dropped+uint64(dropped)
	_ = h.w.Do(func(tx *state.Tx) error {
		if done != 0 {
			trimTasks(tx, h.new, h.new.Tasks[done])
			return nil
		}
		state.TrimHistory(tx, Name, h.new.Tasks, &h.new.Finished, (*Task).finished, operationTasks(h.new, nil))
		return nil
	})
	if o, n := slices.Sorted(maps.Keys(h.old.Tasks)), slices.Sorted(maps.Keys(h.new.Tasks)); !slices.Equal(o, n) {
		h.t.Fatalf("kept tasks differ:\nold %v\nnew %v", o, n)
	}
	if got := h.w.History()[Name]; got != h.want {
		h.t.Fatalf("history metrics: %+v, the scan says %+v", got, h.want)
	}
	if err := h.new.checkFinished(); err != nil {
		h.t.Fatalf("after the trim: %v", err)
	}
}

// TestTrimTasksKeepsWhatTheScanKept holds trimTasks to the old scan over
// random runs: tasks starting, finishing one at a time or several before a
// trim, servers' operations moving (to a finished task, a running one, a
// task that is gone, none), bounds from 0 to past the table. The same
// tasks must stay and the history metrics (kept, dropped) must agree.
func TestTrimTasksKeepsWhatTheScanKept(t *testing.T) {
	for trial := range 300 {
		rng := rand.New(rand.NewPCG(uint64(trial), 14))
		bound := []int{0, 1, 2, 3, 5, 8, 13, 40}[rng.IntN(8)]
		servers := 1 + rng.Int64N(6)
		h := &historyTwin{t: t, rng: rng, bound: bound, old: newState(), new: newState(), w: historyWorld(t, bound)}
		for sid := int64(1); sid <= servers; sid++ {
			h.both(func(s *State) { s.Servers[sid] = &Server{ID: sid} })
		}
		for range 200 {
			switch r := rng.IntN(20); {
			case r < 8:
				h.addTask(1 + rng.Int64N(servers))
			case r < 14:
				h.trim(h.finishOne())
			case r < 16:
				if id := h.finishOne(); id != 0 { // a second one before the next trim
					h.new.Finished.Add(id)
				}
			case r < 18:
				h.repin(servers)
			case r < 19:
				h.new.Finished = state.Finished[int64]{} // as a restored world's
			default:
				h.trim(0)
			}
		}
	}
}

// BenchmarkTrimTasks is one task finishing past the bound of a full
// history (1000 finished tasks, 43 servers with operations), trimmed by
// trimTasks and by the old scan.
func BenchmarkTrimTasks(b *testing.B) {
	for _, c := range []struct {
		name string
		trim func(*state.Tx, *State, *Task)
	}{
		{"index", trimTasks},
		{"scan", func(_ *state.Tx, s *State, _ *Task) { trimTasksByScan(s, state.DefaultHistory) }},
	} {
		b.Run(c.name, func(b *testing.B) {
			w, err := state.NewWorld(state.Config{Name: "bench", Seed: 1, Start: time.Unix(0, 0).UTC(),
				Steps: steps(), States: map[string]func() any{Name: New().NewState}})
			if err != nil {
				b.Fatal(err)
			}
			s := newState()
			for sid := int64(1); sid <= 43; sid++ {
				s.Servers[sid] = &Server{ID: sid, Operation: &Operation{TaskID: sid}}
			}
			next := int64(0)
			add := func() *Task {
				next++
				t := &Task{ID: next, ServerID: 1 + next%43, Status: taskComplete}
				s.Tasks[next] = t
				return t
			}
			_ = w.Do(func(tx *state.Tx) error {
				for range state.DefaultHistory + 43 {
					c.trim(tx, s, add())
				}
				b.ReportAllocs()
				for b.Loop() {
					c.trim(tx, s, add())
				}
				return nil
			})
		})
	}
}
