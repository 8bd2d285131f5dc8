package imserver

import "github.com/panelsim/panelsim/state"

// trimTasks notes that task id finished (when it did) and keeps the task
// log within the scenario's history bound for imserver
// (state.DefaultHistory unless `history: {imserver: N}`): past it the
// oldest finished tasks leave get_logs, and a deleted server whose tasks
// all left answers as one that never existed.
func trimTasks(m *model, id int64) {
	if t := m.st.Tasks[id]; t != nil && t.finished() {
		m.st.Finished.Add(id)
	}
	state.TrimHistory(m.tx, Name, m.st.Tasks, &m.st.Finished, (*Task).finished, nil)
}

// finished says whether the task ended, done or failed.
func (t *Task) finished() bool { return t.Status != TaskQueued }
