package imserver

import "github.com/panelsim/panelsim/state"

// trimTasks keeps the task log within the scenario's history bound for
// imserver (state.DefaultHistory unless `history: {imserver: N}`): past
// it the oldest finished tasks leave get_logs, and a deleted server whose
// tasks all left answers as one that never existed.
func trimTasks(m *model) {
	state.TrimHistory(m.tx, Name, m.st.Tasks, func(t *Task) bool { return t.Status != TaskQueued }, nil)
}
