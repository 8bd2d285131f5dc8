package dci6

import "github.com/panelsim/panelsim/state"

// trimTasks keeps the task list within the scenario's history bound for
// dci6 (state.DefaultHistory unless `history: {dci6: N}`): past it the
// oldest finished tasks are forgotten, as the real panel's task list keeps
// a window. A task that is still a server's last operation stays, since
// the server's operation view reads it.
func trimTasks(tx *state.Tx, s *State) {
	pinned := make(map[int64]bool, len(s.Servers))
	for _, sv := range s.Servers {
		if sv.Operation != nil {
			pinned[sv.Operation.TaskID] = true
		}
	}
	state.TrimHistory(tx, Name, s.Tasks, (*Task).finished, func(id int64) bool { return pinned[id] })
}
