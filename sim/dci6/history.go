package dci6

import "github.com/panelsim/panelsim/state"

// trimTasks notes that t finished and keeps the task list within the
// scenario's history bound for dci6 (state.DefaultHistory unless
// `history: {dci6: N}`): past it the oldest finished tasks are forgotten,
// as the real panel's task list keeps a window. A task that is still a
// server's operation stays, since the server's operation view reads it.
//
// It runs each time a task finishes, so it reads only the finished-task
// index (State.Finished) and the servers' operations, never the whole
// task table.
func trimTasks(tx *state.Tx, s *State, t *Task) {
	s.Finished.Add(t.ID)
	var buf [64]int64
	state.TrimHistory(tx, Name, s.Tasks, &s.Finished, (*Task).finished, operationTasks(s, buf[:0]))
}

// operationTasks appends every server's operation task id to pins.
func operationTasks(s *State, pins []int64) []int64 {
	for _, sv := range s.Servers {
		if sv.Operation != nil {
			pins = append(pins, sv.Operation.TaskID)
		}
	}
	return pins
}
