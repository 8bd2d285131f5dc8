package dci6

import (
	"maps"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/panelsim/panelsim/state"
)

// trimTasksByScan is trimTasks as it was before the pinned marks: a set of
// every server's operation task, looked up for each task. The property
// test holds trimTasks to it.
func trimTasksByScan(tx *state.Tx, s *State) {
	pinned := make(map[int64]bool, len(s.Servers))
	for _, sv := range s.Servers {
		if sv.Operation != nil {
			pinned[sv.Operation.TaskID] = true
		}
	}
	state.TrimHistory(tx, Name, s.Tasks, (*Task).finished, func(id int64) bool { return pinned[id] })
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
	old    *State
	new    *State
	wOld   *state.World
	wNew   *state.World
	nextID int64
}

func (h *historyTwin) both(fn func(s *State)) { fn(h.old); fn(h.new) }

func (h *historyTwin) addTask(server int64) {
	h.nextID++
	id, status := h.nextID, []string{taskPending, taskRunning}[h.rng.IntN(2)]
	h.both(func(s *State) { s.Tasks[id] = &Task{ID: id, ServerID: server, Status: status} })
}

// finishOne ends a random unfinished task (if any), well or not.
func (h *historyTwin) finishOne() {
	var open []int64
	for _, id := range slices.Sorted(maps.Keys(h.old.Tasks)) {
		if !h.old.Tasks[id].finished() {
			open = append(open, id)
		}
	}
	if len(open) == 0 {
		return
	}
	id, status := open[h.rng.IntN(len(open))], []string{taskComplete, taskFail}[h.rng.IntN(2)]
	h.both(func(s *State) { s.Tasks[id].Status = status })
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

func (h *historyTwin) trim() {
	h.t.Helper()
	_ = h.wOld.Do(func(tx *state.Tx) error { trimTasksByScan(tx, h.old); return nil })
	_ = h.wNew.Do(func(tx *state.Tx) error { trimTasks(tx, h.new); return nil })
	if o, n := slices.Sorted(maps.Keys(h.old.Tasks)), slices.Sorted(maps.Keys(h.new.Tasks)); !slices.Equal(o, n) {
		h.t.Fatalf("kept tasks differ:\nold %v\nnew %v", o, n)
	}
	if o, n := h.wOld.History(), h.wNew.History(); !maps.Equal(o, n) {
		h.t.Fatalf("history metrics differ: old %v, new %v", o, n)
	}
	for id, task := range h.new.Tasks {
		if task.pinned {
			h.t.Fatalf("task %d still marked pinned after the trim", id)
		}
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
		h := &historyTwin{t: t, rng: rng, old: newState(), new: newState(),
			wOld: historyWorld(t, bound), wNew: historyWorld(t, bound)}
		for sid := int64(1); sid <= servers; sid++ {
			h.both(func(s *State) { s.Servers[sid] = &Server{ID: sid} })
		}
		for range 200 {
			switch r := rng.IntN(10); {
			case r < 4:
				h.addTask(1 + rng.Int64N(servers))
			case r < 7:
				h.finishOne()
				h.trim()
			case r < 8:
				h.finishOne() // a second one before the next trim
			case r < 9:
				h.repin(servers)
			default:
				h.trim()
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
		trim func(*state.Tx, *State)
	}{{"marks", trimTasks}, {"scan", trimTasksByScan}} {
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
			add := func() {
				next++
				s.Tasks[next] = &Task{ID: next, ServerID: 1 + next%43, Status: taskComplete}
			}
			for range state.DefaultHistory + 43 {
				add()
			}
			b.ReportAllocs()
			_ = w.Do(func(tx *state.Tx) error {
				for b.Loop() {
					add()
					c.trim(tx, s)
				}
				return nil
			})
		})
	}
}
