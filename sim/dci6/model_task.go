package dci6

import (
	"fmt"
	"time"

	"github.com/panelsim/panelsim/state"
)

// Task statuses, as VMmanager/DCImanager 6 task lists spell them.
const (
	taskPending  = "pending"
	taskRunning  = "running"
	taskComplete = "complete"
	taskFail     = "fail"
)

// stepKind is the one async step kind: it advances a task by one step.
const stepKind = Name + ".task_step"

// Task is an asynchronous action on a server: a list of named steps that
// run one after another on the virtual clock.
type Task struct {
	ID         int64             `json:"id"`
	Name       string            `json:"name"`
	ServerID   int64             `json:"server_id"`
	IPID       int64             `json:"ip_id,omitempty"`
	Status     string            `json:"status"`
	Steps      []TaskStep        `json:"steps"`
	Current    int               `json:"current"`
	Params     map[string]string `json:"params,omitempty"`
	FailAt     int               `json:"fail_at"`
	FailCode   int               `json:"fail_code,omitempty"`
	FailMsg    string            `json:"fail_msg,omitempty"`
	Error      *TaskError        `json:"error,omitempty"`
	CreatedAt  time.Time         `json:"created_at"`
	UpdatedAt  time.Time         `json:"updated_at"`
	FinishedAt *time.Time        `json:"finished_at,omitempty"`
}

// TaskStep is one named stage of a task.
type TaskStep struct {
	Name     string        `json:"name"`
	Duration time.Duration `json:"duration"`
	Status   string        `json:"status"`
}

// TaskError is why a task failed.
type TaskError struct {
	Code int    `json:"code"`
	Msg  string `json:"msg"`
	Step string `json:"step"`
}

// Progress is the share of steps done, in percent.
func (t *Task) Progress() int {
	if t.Status == taskComplete {
		return 100
	}
	done := 0
	for _, s := range t.Steps {
		if s.Status == taskComplete {
			done++
		}
	}
	return done * 100 / len(t.Steps)
}

// finished says whether the task ended, well or not.
func (t *Task) finished() bool { return t.Status == taskComplete || t.Status == taskFail }

// stepPlan is a step name with its share of the operation's duration.
type stepPlan struct {
	name   string
	weight int
}

// planSteps spreads total over the steps by weight (the last step takes the
// rounding remainder, so the task ends exactly total after it started).
func planSteps(total time.Duration, plan []stepPlan) []TaskStep {
	sum := 0
	for _, p := range plan {
		sum += p.weight
	}
	steps := make([]TaskStep, len(plan))
	var used time.Duration
	for i, p := range plan {
		d := total * time.Duration(p.weight) / time.Duration(sum)
		if i == len(plan)-1 {
			d = total - used
		}
		used += d
		steps[i] = TaskStep{Name: p.name, Duration: d, Status: taskPending}
	}
	return steps
}

// taskEffects is what a kind of task does to the world when it ends.
type taskEffects struct {
	done func(s *State, t *Task, tx *state.Tx)
	fail func(s *State, t *Task, tx *state.Tx)
}

type stepArgs struct {
	Task int64 `json:"task"`
}

// timingQueue is how long a new task waits "pending" before it runs
// (default 0: it runs as soon as its request is answered).
const timingQueue = Name + ".task_queue"

// startTask creates a pending task and schedules its start. A fault rule's
// armed failure makes the task fail at the named step (or the first).
func startTask(tx *state.Tx, s *State, name string, serverID int64, steps []TaskStep, params map[string]string) (*Task, error) {
	now := tx.Now()
	t := &Task{
		ID: tx.NextID("dci6.task"), Name: name, ServerID: serverID, Status: taskPending,
		Steps: steps, Params: params, FailAt: -1, CreatedAt: now, UpdatedAt: now,
	}
	if f := tx.TaskFailure(); f != nil {
		t.FailAt = failIndex(steps, f.Step)
		t.FailCode, t.FailMsg = failInfo(f)
		tx.Note("task %d (%s) will fail at step %s", t.ID, name, steps[t.FailAt].Name)
	}
	if err := tx.After(tx.Timing(timingQueue), stepKind, stepArgs{Task: t.ID}); err != nil {
		return nil, err
	}
	s.Tasks[t.ID] = t
	return t, nil
}

func failIndex(steps []TaskStep, name string) int {
	for i, st := range steps {
		if st.Name == name {
			return i
		}
	}
	return 0
}

func failInfo(f *state.FailTaskSpec) (int, string) {
	code := 0
	if f.Code != "" {
		fmt.Sscanf(string(f.Code), "%d", &code)
	}
	if code == 0 {
		code = codeInternal
	}
	msg := f.Msg
	if msg == "" {
		msg = "Task failed"
	}
	return code, msg
}

// runTaskStep is the StepFunc of stepKind: it starts a pending task, or
// ends the current step and either schedules the next one or finishes.
func runTaskStep(tx *state.Tx, a stepArgs) error {
	s := st(tx)
	t := s.Tasks[a.Task]
	if t == nil || t.finished() {
		return nil
	}
	t.UpdatedAt = tx.Now()
	if t.Status == taskPending {
		t.Status = taskRunning
		t.Steps[0].Status = taskRunning
		tx.CoverTask(Name, t.Name, t.Steps[0].Name)
		return tx.After(t.Steps[0].Duration, stepKind, a)
	}
	i := t.Current
	if i == t.FailAt {
		failTask(tx, s, t)
		return nil
	}
	if e := stepEffectOf(t.Steps[i].Name); e != nil {
		if te := e(s, t, tx); te != nil {
			t.FailCode, t.FailMsg = te.Code, te.Msg
			failTask(tx, s, t)
			return nil
		}
	}
	t.Steps[i].Status = taskComplete
	if i+1 < len(t.Steps) {
		t.Current++
		t.Steps[t.Current].Status = taskRunning
		tx.CoverTask(Name, t.Name, t.Steps[t.Current].Name)
		return tx.After(t.Steps[t.Current].Duration, stepKind, a)
	}
	t.Status = taskComplete
	tx.CoverTask(Name, t.Name, taskComplete)
	now := tx.Now()
	t.FinishedAt = &now
	if e := effectsOf(t.Name); e.done != nil {
		e.done(s, t, tx)
	}
	trimTasks(tx, s, t)
	return nil
}

func failTask(tx *state.Tx, s *State, t *Task) {
	now := tx.Now()
	t.Steps[t.Current].Status = taskFail
	t.Status = taskFail
	tx.CoverTask(Name, t.Name, taskFail)
	t.FinishedAt = &now
	t.Error = &TaskError{Code: t.FailCode, Msg: t.FailMsg, Step: t.Steps[t.Current].Name}
	if e := effectsOf(t.Name); e.fail != nil {
		e.fail(s, t, tx)
	}
	trimTasks(tx, s, t)
}

// stepEffectOf is what a step does to the world when it ends, for the
// steps that do something before their task does; an error fails the task
// at that step.
func stepEffectOf(step string) func(s *State, t *Task, tx *state.Tx) *TaskError {
	if step == stepSetupIPMI {
		return setupIPMI
	}
	return nil
}

// Steps returns the panel's step handlers.
func steps() map[string]state.StepFunc {
	return map[string]state.StepFunc{stepKind: state.TypedStep(runTaskStep)}
}
