package dci6

import "github.com/panelsim/panelsim/state"

// trimTasks keeps the task list within the scenario's history bound for
// dci6 (state.DefaultHistory unless `history: {dci6: N}`): past it the
// oldest finished tasks are forgotten, as the real panel's task list keeps
// a window. A task that is still a server's last operation stays, since
// the server's operation view reads it.
//
// It runs each time a task finishes, over a table of about the bound
// (1000 tasks), so the per-task test must be cheap: the servers' operation
// tasks are marked pinned on the task itself for the length of the call
// (one field read per task, where a set of pinned ids cost a map lookup
// per task and a map per call). state.TrimHistory still walks the table:
// the history metrics (kept, dropped) it records need the count of every
// finished task, and it is the only way to record them.
func trimTasks(tx *state.Tx, s *State) {
	markPins(s, true)
	state.TrimHistory(tx, Name, s.Tasks, (*Task).unpinnedFinished, nil)
	markPins(s, false)
}

// markPins sets or clears the pinned mark of every server's operation task.
// Marks live only inside trimTasks: between calls every task is unmarked,
// so a clone, a snapshot or an invariant check never sees one.
func markPins(s *State, on bool) {
	for _, sv := range s.Servers {
		if sv.Operation == nil {
			continue
		}
		if t := s.Tasks[sv.Operation.TaskID]; t != nil {
			t.pinned = on
		}
	}
}

// unpinnedFinished says whether history may drop the task: it ended and
// is no server's operation (see trimTasks for the mark).
func (t *Task) unpinnedFinished() bool { return !t.pinned && t.finished() }
