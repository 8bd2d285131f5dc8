package dci6

import (
	"fmt"
	"maps"
	"net/netip"
	"slices"
	"strconv"
	"time"

	"github.com/panelsim/panelsim/state"
)

// Timing names (scenario `timings:` keys) and their defaults.
const (
	timingOS          = Name + ".operation_os"
	timingDiag        = Name + ".operation_diag"
	timingClearNone   = Name + ".clear_hdd_none"
	timingClearSimple = Name + ".clear_hdd_simple"
	timingClearFull   = Name + ".clear_hdd_full"
	timingPower       = Name + ".power"
	timingSuspend     = Name + ".suspend"
	timingResume      = Name + ".resume"
	timingIPAdd       = Name + ".ip_allocate"
	timingIPDelete    = Name + ".ip_delete"
)

func defaultTimings() map[string]time.Duration {
	return map[string]time.Duration{
		timingOS: 15 * time.Minute, timingDiag: 10 * time.Minute,
		timingClearNone: 2 * time.Minute, timingClearSimple: 10 * time.Minute, timingClearFull: 2 * time.Hour,
		timingPower: 10 * time.Second, timingSuspend: 5 * time.Second, timingResume: 5 * time.Second,
		timingIPAdd: 3 * time.Second, timingIPDelete: 3 * time.Second, timingQueue: 0,
	}
}

// Task names of the long operations.
const (
	taskOS       = "operation_os"
	taskDiag     = "operation_diag"
	taskClearHDD = "operation_clear_hdd"
)

// The steps of each operation with their share of its duration.
var (
	osPlan       = []stepPlan{{"prepare", 1}, {"reboot", 2}, {"partitioning", 2}, {"os_install", 7}, {"configure", 2}, {"reboot_to_os", 1}}
	diagPlan     = []stepPlan{{"prepare", 1}, {"reboot", 2}, {"hardware_check", 5}, {"report", 2}}
	diagIPMIPlan = []stepPlan{{"prepare", 1}, {"reboot", 2}, {"hardware_check", 5}, {stepSetupIPMI, 1}, {"report", 2}}
	clearPlan    = []stepPlan{{"prepare", 1}, {"reboot", 1}, {"clear_disks", 8}}
	clearNoPlan  = []stepPlan{{"prepare", 1}, {"reboot", 1}}
	raidMinDisks = map[string]int{"no_raid": 1, "raid_0": 2, "raid_1": 2, "raid_5": 3, "raid_10": 4}
	clearModes   = map[string]string{"none": timingClearNone, "simple": timingClearSimple, "full": timingClearFull}
)

// OSRequest is the body of operation_os.
type OSRequest struct {
	HDDRaid      *string  `json:"hdd_raid"`
	OSTemplateID *int64   `json:"os_template_id"`
	Password     *string  `json:"password"`
	SSHPubKeys   []string `json:"ssh_pub_keys"`
}

// DiagRequest is the body of operation_diag.
type DiagRequest struct {
	SetupIPMI    *bool   `json:"setup_ipmi"`
	IPMIPool     *int64  `json:"ipmi_pool"`
	OSTemplateID *int64  `json:"os_template_id"`
	ClearHDD     *string `json:"clear_hdd"`
}

// ClearRequest is the body of operation_clear_hdd.
type ClearRequest struct {
	ClearHDD *string `json:"clear_hdd"`
}

// checkOperable refuses a long operation on a server whose switch ports
// are off: it could not boot from the network.
func checkOperable(sv *Server) error {
	if sv.State == stateSuspended || sv.State == stateSuspendError {
		return &apiError{Code: codeWrongState, Msg: fmt.Sprintf("Server %d is suspended: resume it first", sv.ID), Value: map[string]any{"state": sv.State}}
	}
	return nil
}

func (s *State) startOperation(tx *state.Tx, sv *Server, name string, steps []TaskStep, params map[string]string) (TaskRef, error) {
	if err := checkOperable(sv); err != nil {
		return TaskRef{}, err
	}
	t, err := startTask(tx, s, name, sv.ID, steps, params)
	if err != nil {
		return TaskRef{}, err
	}
	sv.Operation = &Operation{TaskID: t.ID}
	return TaskRef{ID: sv.ID, Task: t.ID}, nil
}

// InstallOS reinstalls the server's OS from a template.
func InstallOS(tx *state.Tx, c Caller, id int64, req OSRequest) (TaskRef, error) {
	s := st(tx)
	sv, err := s.visibleServer(c, id)
	if err != nil {
		return TaskRef{}, err
	}
	raid := "no_raid"
	if req.HDDRaid != nil {
		raid = *req.HDDRaid
	}
	need, ok := raidMinDisks[raid]
	if !ok {
		return TaskRef{}, fieldError("hdd_raid", "must be one of no_raid, raid_0, raid_1, raid_5, raid_10, got %q", raid)
	}
	if disks := len(s.Configs[sv.Config].Disks); disks < need {
		return TaskRef{}, fieldError("hdd_raid", "%s needs %d disks, server %d has %d", raid, need, sv.ID, disks)
	}
	if req.OSTemplateID == nil {
		return TaskRef{}, fieldError("os_template_id", "is required")
	}
	tpl := s.OSTemplates[*req.OSTemplateID]
	if tpl == nil || tpl.Type != "os" {
		return TaskRef{}, fieldError("os_template_id", "no OS template with id %d", *req.OSTemplateID)
	}
	if req.Password != nil && *req.Password == "" {
		return TaskRef{}, fieldError("password", "must not be empty")
	}
	for i, k := range req.SSHPubKeys {
		if k == "" {
			return TaskRef{}, fieldError("ssh_pub_keys["+strconv.Itoa(i)+"]", "must not be empty")
		}
	}
	if err := s.checkIdle(sv); err != nil {
		return TaskRef{}, err
	}
	params := map[string]string{"os_template_id": strconv.FormatInt(tpl.ID, 10), "hdd_raid": raid}
	return s.startOperation(tx, sv, taskOS, planSteps(tx.Timing(timingOS), osPlan), params)
}

func osDone(s *State, t *Task, _ *state.Tx) {
	sv := s.Servers[t.ServerID]
	sv.OSTemplateID, _ = strconv.ParseInt(t.Params["os_template_id"], 10, 64)
	setPower(sv, true)
}

func osFail(s *State, t *Task, _ *state.Tx) {
	// From partitioning on, the old system is gone.
	if t.Current >= 2 {
		s.Servers[t.ServerID].OSTemplateID = 0
	}
}

// Diagnose boots the server into diagnostics, optionally clearing disks.
func Diagnose(tx *state.Tx, id int64, req DiagRequest) (TaskRef, error) {
	s := st(tx)
	sv := s.Servers[id]
	if sv == nil {
		return TaskRef{}, notFound("server", id)
	}
	mode := "none"
	if req.ClearHDD != nil {
		mode = *req.ClearHDD
	}
	clearTiming, ok := clearModes[mode]
	if !ok {
		return TaskRef{}, fieldError("clear_hdd", "must be one of none, simple, full, got %q", mode)
	}
	if req.OSTemplateID != nil && *req.OSTemplateID != 0 {
		if tpl := s.OSTemplates[*req.OSTemplateID]; tpl == nil || tpl.Type != "diag" {
			return TaskRef{}, fieldError("os_template_id", "no diagnostics template with id %d", *req.OSTemplateID)
		}
	}
	setupIPMI := req.SetupIPMI != nil && *req.SetupIPMI
	pool := int64(0)
	if req.IPMIPool != nil {
		pool = *req.IPMIPool
	}
	if pool != 0 && s.Pools[pool] == nil {
		return TaskRef{}, fieldError("ipmi_pool", "no pool with id %d", pool)
	}
	if setupIPMI && pool != 0 && len(s.ipmiNets(pool)) == 0 {
		return TaskRef{}, fieldError("ipmi_pool", "pool %d has no IPv4 network for IPMI addresses", pool)
	}
	if err := s.checkIdle(sv); err != nil {
		return TaskRef{}, err
	}
	plan := diagPlan
	if setupIPMI {
		plan = diagIPMIPlan
	}
	steps := planSteps(tx.Timing(timingDiag), plan)
	if mode != "none" {
		clear := TaskStep{Name: "clear_disks", Duration: tx.Timing(clearTiming), Status: taskPending}
		steps = append(steps[:len(steps)-1], clear, steps[len(steps)-1])
	}
	params := map[string]string{"clear_hdd": mode, "setup_ipmi": strconv.FormatBool(setupIPMI), "ipmi_pool": strconv.FormatInt(pool, 10)}
	return s.startOperation(tx, sv, taskDiag, steps, params)
}

// stepSetupIPMI is the diagnostics step that configures the BMC.
const stepSetupIPMI = "setup_ipmi"

// ipmiNets are the IPv4 networks of a pool, in id order.
func (s *State) ipmiNets(pool int64) []*IPNet {
	var out []*IPNet
	for _, id := range slices.Sorted(maps.Keys(s.Nets)) {
		if n := s.Nets[id]; n.PoolID == pool && n.Prefix.Addr().Is4() {
			out = append(out, n)
		}
	}
	return out
}

// setupIPMI ends the setup_ipmi step: the BMC is configured and, with an
// ipmi_pool, gets an address of that pool (it keeps one it already has
// there). An exhausted pool fails the step.
func setupIPMI(s *State, t *Task, _ *state.Tx) *TaskError {
	sv := s.Servers[t.ServerID]
	pool, _ := strconv.ParseInt(t.Params["ipmi_pool"], 10, 64)
	if pool != 0 {
		nets := s.ipmiNets(pool)
		cur, _ := netip.ParseAddr(sv.IPMI.Address)
		if !slices.ContainsFunc(nets, func(n *IPNet) bool { return n.Prefix.Contains(cur) }) {
			a, ok := netip.Addr{}, false
			used := s.usedAddrs()
			for _, n := range nets {
				if a, ok = n.firstFree(used); ok {
					break
				}
			}
			if !ok {
				return &TaskError{Code: codePoolExhausted, Msg: fmt.Sprintf("No free IPMI address left in pool %d", pool), Step: stepSetupIPMI}
			}
			sv.IPMI.Address = a.String()
		}
	}
	if sv.PowerStatus == "on" {
		sv.IPMI.Status = "on"
	}
	return nil
}

func diagDone(s *State, t *Task, _ *state.Tx) {
	sv := s.Servers[t.ServerID]
	sv.IsNew, sv.DiagErrors = false, nil
	if t.Params["clear_hdd"] != "none" {
		sv.OSTemplateID = 0
	}
}

func diagFail(s *State, t *Task, _ *state.Tx) {
	sv := s.Servers[t.ServerID]
	sv.DiagErrors = append(sv.DiagErrors, DiagError{Type: t.Error.Step, Info: t.Error.Msg})
}

// ClearDisks wipes the server's disks: none (boot only), simple or full.
func ClearDisks(tx *state.Tx, id int64, req ClearRequest) (TaskRef, error) {
	s := st(tx)
	sv := s.Servers[id]
	if sv == nil {
		return TaskRef{}, notFound("server", id)
	}
	if req.ClearHDD == nil {
		return TaskRef{}, fieldError("clear_hdd", "is required (none, simple or full)")
	}
	timing, ok := clearModes[*req.ClearHDD]
	if !ok {
		return TaskRef{}, fieldError("clear_hdd", "must be one of none, simple, full, got %q", *req.ClearHDD)
	}
	if err := s.checkIdle(sv); err != nil {
		return TaskRef{}, err
	}
	plan := clearPlan
	if *req.ClearHDD == "none" {
		plan = clearNoPlan
	}
	return s.startOperation(tx, sv, taskClearHDD, planSteps(tx.Timing(timing), plan), map[string]string{"clear_hdd": *req.ClearHDD})
}

func clearDone(s *State, t *Task, _ *state.Tx) {
	if t.Params["clear_hdd"] != "none" {
		s.Servers[t.ServerID].OSTemplateID = 0
	}
}

func operationFail(*State, *Task, *state.Tx) {}

// taskRow is a task with the state it is read in.
type taskRow struct{ t *Task }

var taskFields = fieldSet[taskRow]{
	"id":        func(r taskRow) any { return r.t.ID },
	"consul_id": func(r taskRow) any { return r.t.ID },
	"name":      func(r taskRow) any { return r.t.Name },
	"server":    func(r taskRow) any { return r.t.ServerID },
	"status":    func(r taskRow) any { return r.t.Status },
	"progress":  func(r taskRow) any { return int64(r.t.Progress()) },
}

func taskView(t *Task) TaskView {
	v := TaskView{ID: t.ID, ConsulID: t.ID, Name: t.Name, Server: t.ServerID, Status: t.Status, Progress: t.Progress(),
		ProgressInfo: progressOf(t), Error: t.Error, CreatedAt: formatTime(t.CreatedAt), UpdatedAt: formatTime(t.UpdatedAt)}
	if t.FinishedAt != nil {
		f := formatTime(*t.FinishedAt)
		v.FinishedAt = &f
	}
	return v
}

// ListTasks lists the tasks the caller may see (a @user: its servers').
func ListTasks(tx *state.Tx, c Caller, lq ListQuery) (ListView[TaskView], error) {
	s := st(tx)
	rows := func() ([]taskRow, error) {
		var out []taskRow
		for _, t := range sortedValues(s.Tasks) {
			if sv := s.Servers[t.ServerID]; c.Admin || (sv != nil && sv.OwnerID == c.UserID) {
				out = append(out, taskRow{t})
			}
		}
		return out, nil
	}
	return listWith(lq, taskFields, rows, func(r taskRow) TaskView { return taskView(r.t) })
}

// GetTask returns one task the caller may see.
func GetTask(tx *state.Tx, c Caller, id int64) (TaskView, error) {
	s := st(tx)
	t := s.Tasks[id]
	if t == nil {
		return TaskView{}, notFound("task", id)
	}
	if sv := s.Servers[t.ServerID]; !c.Admin && (sv == nil || sv.OwnerID != c.UserID) {
		return TaskView{}, notFound("task", id)
	}
	return taskView(t), nil
}

var osTemplateFields = fieldSet[*OSTemplate]{
	"id":   func(t *OSTemplate) any { return t.ID },
	"name": func(t *OSTemplate) any { return t.Name },
	"type": func(t *OSTemplate) any { return t.Type },
}

// ListOSTemplates lists the OS and diagnostics templates.
func ListOSTemplates(tx *state.Tx, lq ListQuery) (ListView[OSTemplateView], error) {
	s := st(tx)
	rows := func() ([]*OSTemplate, error) { return sortedValues(s.OSTemplates), nil }
	return listWith(lq, osTemplateFields, rows, func(t *OSTemplate) OSTemplateView {
		return OSTemplateView{ID: t.ID, Name: t.Name, Tags: append([]string{}, t.Tags...), Type: t.Type}
	})
}

// SetBootOrderSetting stores operation_change_boot_order ("true"/"false").
func SetBootOrderSetting(tx *state.Tx, value string) (SettingView, error) {
	if _, err := strconv.ParseBool(value); err != nil {
		return SettingView{}, fieldError("value", "want \"true\" or \"false\", got %q", value)
	}
	st(tx).Settings["operation_change_boot_order"] = value
	return SettingView{Name: "operation_change_boot_order", Value: value}, nil
}
