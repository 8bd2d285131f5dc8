package imserver

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"sort"
	"time"
)

// The stable states of a server. While a task runs, the server shows the
// task's transient state (see transientStatus) instead.
const (
	StatusRunning  = "running"
	StatusStopped  = "stopped"
	StatusPaused   = "paused"
	StatusArchived = "archived"
	StatusError    = "error"
)

// The disk types of hdd_list.
const (
	DiskSSD = "ssd"
	DiskHDD = "hdd"
)

// The commands that queue a task; the names are the vendor's get_logs cmds.
const (
	CmdAdd       = "add_server"
	CmdRun       = "run_server"
	CmdStop      = "stop_server"
	CmdPause     = "pause_server"
	CmdReload    = "reload_server"
	CmdUpdate    = "update_server"
	CmdArchive   = "archive_server"
	CmdDelete    = "del_server"
	CmdReinstall = "reinstall_server"
	CmdEth       = "eth_action"
)

// action is the lifecycle rule of one queued command: from which states it
// may start, what the server shows while it runs, where it ends, and how
// long it takes.
type action struct {
	from      []string
	transient string
	to        string // "" keeps the state the server had
	timing    string
	perGB     bool // cloning/installing: longer for larger disks
}

var actions = map[string]action{
	CmdAdd:       {transient: "creating", to: StatusRunning, timing: "imserver.create", perGB: true},
	CmdRun:       {from: []string{StatusStopped, StatusPaused}, transient: "starting", to: StatusRunning, timing: "imserver.run"},
	CmdStop:      {from: []string{StatusRunning, StatusPaused, StatusError}, transient: "stopping", to: StatusStopped, timing: "imserver.stop"},
	CmdPause:     {from: []string{StatusRunning}, transient: "pausing", to: StatusPaused, timing: "imserver.pause"},
	CmdReload:    {from: []string{StatusRunning}, transient: "rebooting", to: StatusRunning, timing: "imserver.reload"},
	CmdReinstall: {from: []string{StatusRunning, StatusStopped, StatusError}, transient: "reinstalling", to: StatusRunning, timing: "imserver.reinstall", perGB: true},
	CmdUpdate:    {from: []string{StatusStopped}, transient: "updating", timing: "imserver.update"},
	CmdArchive:   {from: []string{StatusStopped}, transient: "archiving", to: StatusArchived, timing: "imserver.archive"},
	CmdDelete:    {from: []string{StatusStopped, StatusArchived, StatusError}, transient: "deleting", timing: "imserver.delete"},
	CmdEth:       {from: []string{StatusRunning, StatusStopped, StatusPaused}, timing: "imserver.eth"},
}

// renameStates are where an update that only renames may run.
var renameStates = []string{StatusRunning, StatusStopped, StatusPaused}

// Disk is one disk of a server.
type Disk struct {
	Size int    `json:"size" yaml:"size"` // GB
	Type string `json:"type" yaml:"type"`
}

// DiskView is a disk as the API shows it.
type DiskView struct {
	Size int    `json:"size"`
	Type string `json:"type"`
}

// Config is a server's hardware.
type Config struct {
	CPU     int    `json:"cpu"`
	CPUType int    `json:"cputype"`
	RAM     int    `json:"ram"`
	HDDs    []Disk `json:"hdd_list"`
}

func (c Config) diskGB() int {
	n := 0
	for _, d := range c.HDDs {
		n += d.Size
	}
	return n
}

// Server is a virtual server of an account.
type Server struct {
	ID       int64     `json:"id"`
	Owner    string    `json:"owner"`
	Name     string    `json:"name"`
	Status   string    `json:"status"`
	Config   Config    `json:"config"`
	Preset   int64     `json:"preset"`
	Contract int64     `json:"contract"`
	Price    int64     `json:"price"`
	Template int64     `json:"template"`
	ISO      int64     `json:"iso"`
	Created  time.Time `json:"created"`
	// Task is the id of the queued task (0 when idle).
	Task int64 `json:"task"`
	// Error is the failure info of the last failed task.
	Error string `json:"error,omitempty"`
	// StatsSeed makes the server's statistics its own yet deterministic.
	StatsSeed uint64 `json:"stats_seed"`
	// PowerLog is when the server started and stopped consuming resources,
	// oldest first, so statistics follow its power state.
	PowerLog []PowerChange `json:"power_log,omitempty"`
}

// PowerChange is a point where a server began (On) or ceased to run.
type PowerChange struct {
	At time.Time `json:"at"`
	On bool      `json:"on"`
}

// logPower notes the server's power state now, if it changed.
func (m *model) logPower(s *Server, on bool) {
	if n := len(s.PowerLog); n > 0 && s.PowerLog[n-1].On == on {
		return
	}
	s.PowerLog = append(s.PowerLog, PowerChange{At: m.now(), On: on})
}

// poweredAt reports whether the server was running at t (a server from a
// snapshot without a power log counts as running since its creation).
func poweredAt(s *Server, t time.Time) bool {
	if len(s.PowerLog) == 0 {
		return !t.Before(s.Created)
	}
	on := false
	for _, c := range s.PowerLog {
		if c.At.After(t) {
			break
		}
		on = c.On
	}
	return on
}

// Task is an entry of the get_logs journal: a queued server action.
type Task struct {
	ID         int64     `json:"id"`
	Owner      string    `json:"owner"`
	Cmd        string    `json:"cmd"`
	ServerID   int64     `json:"serverid"`
	Posted     time.Time `json:"datepost"`
	Committed  time.Time `json:"datecommit"`
	Status     int       `json:"status"`
	Fail       bool      `json:"fail,omitempty"`
	FailReason string    `json:"fail_reason,omitempty"`
	// Change is the command's payload applied when the task completes
	// (update_server's new configuration, eth_action's interface change).
	Change json.RawMessage `json:"change,omitempty"`
}

// The get_logs statuses.
const (
	TaskQueued = 0
	TaskDone   = 1
	TaskFailed = 2
)

// server finds the account's server by id.
func (m *model) server(id int64) (*Server, error) {
	s := m.st.Servers[id]
	if s == nil || s.Owner != m.login {
		return nil, fail(CodeServerNotFound, "no server %d on the account", id)
	}
	return s, nil
}

// actionable finds a server that is idle and in a state the command allows.
func (m *model) actionable(id int64, cmd string, states []string) (*Server, error) {
	s, err := m.server(id)
	if err != nil {
		return nil, err
	}
	if s.Task != 0 {
		return nil, fail(CodeServerBusy, "server %d is busy with task %d (%s)", id, s.Task, m.st.Tasks[s.Task].Cmd)
	}
	if !contains(states, s.Status) {
		return nil, fail(CodeWrongState, "%s is not allowed while server %d is %s (allowed in: %v)", cmd, id, s.Status, states)
	}
	return s, nil
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// queue starts a task for the server and schedules its completion. A fault
// rule's armed failure makes the task end failed.
func (m *model) queue(s *Server, cmd string, change any) error {
	a := actions[cmd]
	d := m.tx.Timing(a.timing)
	if a.perGB {
		d += time.Duration(s.Config.diskGB()) * m.tx.Timing("imserver.clone_per_gb")
	}
	var raw json.RawMessage
	if change != nil {
		b, err := json.Marshal(change)
		if err != nil {
			return err
		}
		raw = b
	}
	t := &Task{ID: m.tx.NextID("imserver.task"), Owner: s.Owner, Cmd: cmd, ServerID: s.ID, Posted: m.now(), Change: raw}
	if f := m.tx.TaskFailure(); f != nil {
		t.Fail = true
		t.FailReason = failReason(errorCode(string(f.Code)), f.Msg)
	}
	if d > 0 {
		if err := m.tx.After(d, stepTask, taskArgs{Task: t.ID}); err != nil {
			return err
		}
	}
	m.st.Tasks[t.ID] = t
	s.Task = t.ID
	if d == 0 {
		// A timing of 0 means instant: the task is done when the answer
		// leaves, not at the next clock advance.
		return completeTask(m, t.ID)
	}
	return nil
}

func failReason(code, msg string) string {
	switch {
	case code != "" && msg != "":
		return code + ": " + msg
	case code != "":
		return code
	case msg != "":
		return msg
	}
	return "task failed"
}

// stepTask is the step kind that completes a queued task.
const stepTask = "imserver.task"

type taskArgs struct {
	Task int64 `json:"task"`
}

// completeTask ends a task: applies its effect, or puts the server into the
// error state when the task was armed to fail.
func completeTask(m *model, id int64) error {
	defer trimTasks(m, id)
	t := m.st.Tasks[id]
	if t == nil || t.Status != TaskQueued {
		return fmt.Errorf("task %d is not queued", id)
	}
	t.Committed = m.now()
	s := m.st.Servers[t.ServerID]
	if s == nil {
		t.Status = TaskFailed
		m.tx.CoverTask(Name, t.Cmd, coverFailed)
		return nil
	}
	s.Task = 0
	if t.Fail {
		t.Status, s.Status, s.Error = TaskFailed, StatusError, t.FailReason
		m.tx.CoverTask(Name, t.Cmd, coverFailed)
		m.logPower(s, false)
		if t.Cmd == CmdAdd {
			m.refund(s)
		}
		return nil
	}
	t.Status = TaskDone
	m.tx.CoverTask(Name, t.Cmd, coverDone)
	s.Error = ""
	if err := m.apply(s, t); err != nil {
		return err
	}
	m.logPower(s, s.Status == StatusRunning)
	return nil
}

func (m *model) apply(s *Server, t *Task) error {
	if to := actions[t.Cmd].to; to != "" {
		s.Status = to
	}
	switch t.Cmd {
	case CmdUpdate:
		var u serverUpdate
		if err := json.Unmarshal(t.Change, &u); err != nil {
			return err
		}
		u.applyTo(s)
	case CmdReinstall:
		var r reinstallChange
		if err := json.Unmarshal(t.Change, &r); err != nil {
			return err
		}
		s.Template, s.ISO = r.Template, 0
	case CmdEth:
		var e ethChange
		if err := json.Unmarshal(t.Change, &e); err != nil {
			return err
		}
		m.applyEth(s, e)
	case CmdDelete:
		m.removeServer(s)
	}
	return nil
}

func (m *model) refund(s *Server) {
	if c := m.st.Contracts[s.Contract]; c != nil && s.Price > 0 {
		m.book(c, s.Price, PaymentRefund, fmt.Sprintf("refund: creation of server %d failed", s.ID), s.ID)
	}
}

func (m *model) removeServer(s *Server) {
	for _, id := range slices.Sorted(maps.Keys(m.st.Ifaces)) {
		if m.st.Ifaces[id].Server == s.ID {
			delete(m.st.Ifaces, id)
		}
	}
	delete(m.st.Servers, s.ID)
}

// Act queues a plain power or lifecycle command (run, stop, pause, reload,
// archive, delete) on a server.
func (m *model) Act(cmd string, id int64) (int64, error) {
	s, err := m.actionable(id, cmd, actions[cmd].from)
	if err != nil {
		return 0, err
	}
	return s.ID, m.queue(s, cmd, nil)
}

// ServerView is an entry of get_servers.
type ServerView struct {
	ID       int64      `json:"id"`
	Name     string     `json:"name"`
	Status   string     `json:"status"`
	CPU      int        `json:"cpu"`
	CPUType  int        `json:"cputype"`
	RAM      int        `json:"ram"`
	HDDList  []DiskView `json:"hdd_list"`
	Preset   int64      `json:"preset"`
	Contract int64      `json:"contract"`
	Price    string     `json:"price"`
	Template int64      `json:"template"`
	ISO      int64      `json:"iso"`
	IP       string     `json:"ip"`
	Created  string     `json:"created"`
}

// shownStatus is the state a client sees: the task's transient state while
// one runs.
func (m *model) shownStatus(s *Server) string {
	if s.Task != 0 {
		if tr := actions[m.st.Tasks[s.Task].Cmd].transient; tr != "" {
			return tr
		}
	}
	return s.Status
}

// Servers lists the account's servers (one when id is not 0).
func (m *model) Servers(id int64) ([]ServerView, error) {
	ids, err := m.serverIDs(id)
	if err != nil {
		return nil, err
	}
	out := []ServerView{}
	for _, sid := range ids {
		out = append(out, m.serverView(m.st.Servers[sid]))
	}
	return out, nil
}

func (m *model) serverIDs(id int64) ([]int64, error) {
	if id != 0 {
		if _, err := m.server(id); err != nil {
			return nil, err
		}
		return []int64{id}, nil
	}
	// The account's servers are picked first and only they are sorted:
	// sorting every key of the world's servers to keep a few was most of
	// a status poll's allocations.
	var ids []int64
	for sid, s := range m.st.Servers {
		if s.Owner == m.login {
			ids = append(ids, sid)
		}
	}
	slices.Sort(ids)
	return ids, nil
}

func (m *model) serverView(s *Server) ServerView {
	disks := []DiskView{}
	for _, d := range s.Config.HDDs {
		disks = append(disks, DiskView(d))
	}
	return ServerView{
		ID: s.ID, Name: s.Name, Status: m.shownStatus(s), CPU: s.Config.CPU, CPUType: s.Config.CPUType,
		RAM: s.Config.RAM, HDDList: disks, Preset: s.Preset, Contract: s.Contract, Price: money(s.Price),
		Template: s.Template, ISO: s.ISO, IP: m.publicIP(s.ID), Created: fmtTime(s.Created),
	}
}

// StatusView is an entry of get_servers_status.
type StatusView struct {
	ID     int64  `json:"id"`
	Status string `json:"status"`
	Task   string `json:"task"`
	TaskID int64  `json:"taskid"`
	Error  string `json:"error"`
}

// Statuses reports what each server is doing (one when id is not 0).
func (m *model) Statuses(id int64) ([]StatusView, error) {
	ids, err := m.serverIDs(id)
	if err != nil {
		return nil, err
	}
	out := make([]StatusView, 0, len(ids))
	for _, sid := range ids {
		s := m.st.Servers[sid]
		v := StatusView{ID: s.ID, Status: m.shownStatus(s), TaskID: s.Task, Error: s.Error}
		if s.Task != 0 {
			v.Task = m.st.Tasks[s.Task].Cmd
		}
		out = append(out, v)
	}
	return out, nil
}

// LogView is an entry of get_logs, exactly the vendor's fields.
type LogView struct {
	ID         int64  `json:"id"`
	DatePost   string `json:"datepost"`
	DateCommit string `json:"datecommit"`
	Cmd        string `json:"cmd"`
	Status     int    `json:"status"`
	ServerID   int64  `json:"serverid"`
}

// The get_logs count rule of the vendor: default 50, at most 100.
const (
	logsDefault = 50
	logsMax     = 100
)

// Logs lists the account's tasks, newest first; server 0 means all.
func (m *model) Logs(count int, server int64) ([]LogView, error) {
	if server != 0 {
		if _, err := m.server(server); err != nil && !m.hadServer(server) {
			return nil, err
		}
	}
	ids := slices.Sorted(maps.Keys(m.st.Tasks))
	sort.Slice(ids, func(i, j int) bool { return ids[i] > ids[j] })
	out := []LogView{}
	for _, id := range ids {
		t := m.st.Tasks[id]
		if t.Owner != m.login || (server != 0 && t.ServerID != server) {
			continue
		}
		if len(out) == count {
			break
		}
		v := LogView{ID: t.ID, DatePost: fmtTime(t.Posted), Cmd: t.Cmd, Status: t.Status, ServerID: t.ServerID}
		if t.Status != TaskQueued {
			v.DateCommit = fmtTime(t.Committed)
		}
		out = append(out, v)
	}
	return out, nil
}

// hadServer reports whether the account's journal names the server (a
// deleted server's log stays readable).
func (m *model) hadServer(id int64) bool {
	for _, t := range m.st.Tasks {
		if t.Owner == m.login && t.ServerID == id {
			return true
		}
	}
	return false
}
