package dbc

import (
	"fmt"
	"maps"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/panelsim/panelsim/state"
)

// Task statuses (src/dbc/task/detail/info/TaskInfo.h).
const (
	StatusClosed           = "closed"
	StatusRunning          = "running"
	StatusPMSuspend        = "pmsuspend"
	StatusCreating         = "creating"
	StatusStarting         = "starting"
	StatusShuttingDown     = "being shutdown"
	StatusPoweringOff      = "being poweroff"
	StatusRestarting       = "restarting"
	StatusResetting        = "resetting"
	StatusDeleting         = "deleting"
	StatusDiskResizing     = "disk resizing"
	StatusDiskAdding       = "disk adding"
	StatusDiskDeleting     = "disk deleting"
	StatusSnapshotCreating = "snapshot creating"
	StatusCreateError      = "create error"
)

// Task is a VM on a GPU node.
type Task struct {
	ID          string      `json:"id"`
	Wallet      string      `json:"wallet"`
	Spec        TaskSpec    `json:"spec"`
	Status      string      `json:"status"`
	Created     time.Time   `json:"created"`
	User        string      `json:"user"`
	Password    string      `json:"password"`
	VNCPassword string      `json:"vnc_password"`
	MAC         string      `json:"mac"`
	LocalIP     string      `json:"local_ip,omitempty"`
	SystemGB    int         `json:"system_gb"`
	RentOrder   string      `json:"rent_order,omitempty"`
	Disks       []*Disk     `json:"disks"`
	Snapshots   []*Snapshot `json:"snapshots"`
	Logs        []string    `json:"logs"`
	Gen         int         `json:"gen"`
	// Resume is the status a disk or snapshot operation returns to.
	Resume string `json:"resume,omitempty"`
	// Pending is the disk or snapshot operation under way, whose effect a
	// later change of the VM must not lose (see settle).
	Pending *taskStep `json:"pending,omitempty"`
}

// Disk is a VM disk (vda is the system disk, vdb the first data disk).
type Disk struct {
	Name     string `json:"name"`
	SizeGB   int    `json:"size_gb"`
	File     string `json:"file"`
	MountDir string `json:"mount_dir,omitempty"`
}

// Snapshot is a disk snapshot of a stopped VM, uploaded to an image centre.
type Snapshot struct {
	Name    string    `json:"name"`
	Desc    string    `json:"desc"`
	File    string    `json:"file"`
	Server  string    `json:"server"`
	Created time.Time `json:"created"`
	Status  string    `json:"status"` // creating | uploading | none
}

// The domain states libvirt reports, as the node words them in "task is
// <state>" refusals.
const (
	domainNone        = ""
	domainRunning     = "running"
	domainShutOff     = "shut_off"
	domainPMSuspended = "pmsuspended"
)

// domain is the libvirt state behind a VM's task status: no domain while
// it is being created (or failed to be), running while it runs or is being
// stopped, restarted or reset, shut off otherwise.
func (t *Task) domain() string {
	status := t.Status
	if status == StatusDeleting {
		status = t.Resume
	}
	switch status {
	case StatusCreating, StatusCreateError:
		return domainNone
	case StatusRunning, StatusRestarting, StatusResetting, StatusShuttingDown, StatusPoweringOff,
		"shutdown error", "poweroff error", "reset error":
		return domainRunning
	case StatusPMSuspend:
		return domainPMSuspended
	}
	return domainShutOff
}

func isBusy(status string) bool {
	switch status {
	case StatusCreating, StatusStarting, StatusShuttingDown, StatusPoweringOff, StatusRestarting,
		StatusResetting, StatusDeleting, StatusDiskResizing, StatusDiskAdding, StatusDiskDeleting, StatusSnapshotCreating:
		return true
	}
	return false
}

// opSpec describes an asynchronous VM operation: the status while it runs,
// the status it ends in ("" = the status before), its failure status and
// its timing.
type opSpec struct {
	busy, done, failed, timing string
}

// ops are the VM operations by operation name (also the fail_task step).
var ops = map[string]opSpec{
	"create":          {StatusCreating, StatusRunning, StatusCreateError, "dbc.create"},
	"start":           {StatusStarting, StatusRunning, "start error", "dbc.start"},
	"shutdown":        {StatusShuttingDown, StatusClosed, "shutdown error", "dbc.shutdown"},
	"poweroff":        {StatusPoweringOff, StatusClosed, "poweroff error", "dbc.poweroff"},
	"restart":         {StatusRestarting, StatusRunning, "restart error", "dbc.restart"},
	"reset":           {StatusResetting, StatusRunning, "reset error", "dbc.reset"},
	"delete":          {StatusDeleting, "", "delete error", "dbc.delete"},
	"disk_resize":     {StatusDiskResizing, "", "resize disk error", "dbc.disk_resize"},
	"disk_add":        {StatusDiskAdding, "", "add disk error", "dbc.disk_add"},
	"disk_delete":     {StatusDiskDeleting, "", "delete disk error", "dbc.disk_delete"},
	"snapshot_create": {StatusSnapshotCreating, "", "create snapshot error", "dbc.snapshot_create"},
}

// taskStep is the argument of the dbc.task step: which operation on which
// task ends, and whether a fault rule made it fail.
type taskStep struct {
	Node    string `json:"node"`
	Task    string `json:"task"`
	Op      string `json:"op"`
	Gen     int    `json:"gen"`
	Fail    bool   `json:"fail,omitempty"`
	FailMsg string `json:"fail_msg,omitempty"`
	// Arg carries the operation's parameter (disk name, size, snapshot).
	Arg   string `json:"arg,omitempty"`
	Size  int    `json:"size,omitempty"`
	Mount string `json:"mount,omitempty"`
}

// beginOp puts a task into an operation's busy status and schedules its end.
func beginOp(tx *state.Tx, n *Node, t *Task, op string, arg string, size int) *Error {
	return beginStep(tx, t, taskStep{Node: n.ID, Task: t.ID, Op: op, Arg: arg, Size: size})
}

// beginStep is beginOp with a prepared step (for extra arguments).
func beginStep(tx *state.Tx, t *Task, step taskStep) *Error {
	op := step.Op
	spec := ops[op]
	if f := tx.TaskFailure(); f != nil && !step.Fail {
		step.Fail, step.FailMsg = true, f.Msg
		if step.FailMsg == "" {
			step.FailMsg = spec.failed
		}
	}
	if op != "create" && !isBusy(t.Status) {
		t.Resume = t.Status
	}
	t.Gen++
	step.Gen = t.Gen
	t.Status = spec.busy
	t.Pending = nil
	if settles[op] {
		pending := step
		t.Pending = &pending
	}
	if err := tx.After(tx.Timing(spec.timing), stepTask, step); err != nil {
		return &Error{Status: statusInternal, Code: CodeMisc, Msg: err.Error()}
	}
	return nil
}

// stepTask is the step kind that ends VM operations.
const stepTask = "dbc.task"

// runTaskStep ends an operation: the done status (or the failure status),
// plus the operation's effect.
func runTaskStep(tx *state.Tx, a taskStep) error {
	st := stateOf(tx)
	n := st.Nodes[a.Node]
	if n == nil {
		return nil
	}
	t := n.Tasks[a.Task]
	if t == nil || t.Gen != a.Gen {
		return nil
	}
	endStep(tx, n, t, a)
	return nil
}

// endStep ends an operation, well or as its fault rule says.
func endStep(tx *state.Tx, n *Node, t *Task, a taskStep) {
	t.Pending = nil
	spec := ops[a.Op]
	if a.Fail {
		t.Status = spec.failed
		tx.CoverTask(Name, a.Op, coverFailed)
		t.log(tx, a.Op+" failed: "+a.FailMsg)
		if a.Op == "snapshot_create" {
			t.dropSnapshot(a.Arg)
		}
		return
	}
	if a.Op == "create" {
		// The domain is defined only now: the node checks its resources
		// again, and a VM that no longer fits is not started.
		if err := n.checkResources(t); err != nil {
			t.Status = spec.failed
			tx.CoverTask(Name, a.Op, coverFailed)
			t.log(tx, "create failed: "+err.Msg)
			return
		}
	}
	finishOp(tx, n, t, a)
	tx.CoverTask(Name, a.Op, coverDone)
}

// settles are the operations whose effect is data (a disk's size, a new
// or removed disk, a snapshot) rather than a power state a later action
// may take over.
var settles = map[string]bool{"disk_resize": true, "disk_add": true, "disk_delete": true, "snapshot_create": true}

// settle ends a disk or snapshot operation still under way before another
// change of the VM is checked and made. The node runs them within the
// request (qemu-img resize, virsh attach/detach), so by the time a client
// sends its next request the change is done: an operation answered "ok"
// is never lost, and the later one sees its result. The step still
// scheduled is left stale (the generation moves on).
func (n *Node) settle(tx *state.Tx, t *Task) {
	if t.Pending == nil || t.Pending.Gen != t.Gen {
		t.Pending = nil
		return
	}
	a := *t.Pending
	t.Gen++
	endStep(tx, n, t, a)
}

// enterTaskToChange is enterTask for requests that change the VM: a disk
// or snapshot operation under way is settled first.
func (st *State) enterTaskToChange(tx *state.Tx, req *Request, id, what string) (*Node, *Task, *Error) {
	n, t, _, err := st.enterTask(tx, req, id, what)
	if err != nil {
		return nil, nil, err
	}
	n.settle(tx, t)
	return n, t, nil
}

func finishOp(tx *state.Tx, n *Node, t *Task, a taskStep) {
	spec := ops[a.Op]
	if spec.done != "" {
		t.Status = spec.done
	} else {
		t.Status = t.Resume
	}
	switch a.Op {
	case "create":
		t.bootLog(tx, n)
	case "start", "restart", "reset":
		t.log(tx, "domain "+t.ID+" started")
	case "shutdown", "poweroff":
		t.log(tx, "domain "+t.ID+" shut off")
	case "delete":
		delete(n.Tasks, t.ID)
		_ = n.useLAN(tx, t.Spec.NetworkName)
	case "disk_resize":
		if d := t.disk(a.Arg); d != nil {
			d.SizeGB += a.Size
		}
	case "disk_add":
		t.Disks = append(t.Disks, &Disk{Name: a.Arg, SizeGB: a.Size, File: n.diskFile(t.ID, a.Arg), MountDir: a.Mount})
	case "disk_delete":
		t.dropDisk(a.Arg)
	case "snapshot_create":
		if s := t.snapshot(a.Arg); s != nil {
			s.Status = "uploading"
			_ = tx.After(tx.Timing("dbc.snapshot_upload"), stepSnapshot, snapshotStep{Node: n.ID, Task: t.ID, Name: s.Name})
		}
	}
}

// stepSnapshot ends a snapshot's upload to its image centre.
const stepSnapshot = "dbc.snapshot"

type snapshotStep struct {
	Node string `json:"node"`
	Task string `json:"task"`
	Name string `json:"name"`
}

func runSnapshotStep(tx *state.Tx, a snapshotStep) error {
	st := stateOf(tx)
	n := st.Nodes[a.Node]
	if n == nil || n.Tasks[a.Task] == nil {
		return nil
	}
	t := n.Tasks[a.Task]
	s := t.snapshot(a.Name)
	if s == nil {
		return nil
	}
	s.Status = "none"
	tx.CoverTask(Name, "snapshot_upload", coverDone)
	if srv := st.imageServer(s.Server); srv != nil && srv.image(path.Base(s.File)) == nil {
		srv.Images = append(srv.Images, &Image{Name: path.Base(s.File), Size: int64(t.SystemGB) << 28})
	}
	return nil
}

func (t *Task) disk(name string) *Disk {
	for _, d := range t.Disks {
		if d.Name == name {
			return d
		}
	}
	return nil
}

func (t *Task) dropDisk(name string) {
	for i, d := range t.Disks {
		if d.Name == name {
			t.Disks = append(t.Disks[:i], t.Disks[i+1:]...)
			return
		}
	}
}

func (t *Task) snapshot(name string) *Snapshot {
	for _, s := range t.Snapshots {
		if s.Name == name {
			return s
		}
	}
	return nil
}

func (t *Task) dropSnapshot(name string) {
	for i, s := range t.Snapshots {
		if s.Name == name {
			t.Snapshots = append(t.Snapshots[:i], t.Snapshots[i+1:]...)
			return
		}
	}
}

// log appends a line to the VM's log.
func (t *Task) log(tx *state.Tx, line string) {
	t.Logs = append(t.Logs, tx.Now().Format(timeFormat)+" "+line)
}

// bootLog is what a freshly created VM's console log holds.
func (t *Task) bootLog(tx *state.Tx, n *Node) {
	t.log(tx, "domain "+t.ID+" created from image "+t.Spec.Image)
	lines := []string{
		"[    0.000000] Linux version 5.4.0-90-generic (buildd@lgw01-amd64-054) (gcc version 9.3.0)",
		"[    0.000000] Command line: BOOT_IMAGE=/boot/vmlinuz-5.4.0-90-generic root=/dev/vda1 ro console=ttyS0",
		"[    0.000000] KERNEL supported cpus: Intel GenuineIntel AMD AuthenticAMD",
		fmt.Sprintf("[    0.000000] BIOS-provided physical RAM map: %dG usable", t.Spec.MemGB),
		"[    0.000000] DMI: QEMU Standard PC (Q35 + ICH9, 2009), BIOS 1.13.0-1ubuntu1.1 04/01/2014",
		"[    0.000000] Hypervisor detected: KVM",
		fmt.Sprintf("[    0.004000] smpboot: Allowing %d CPUs, 0 hotplug CPUs", t.Spec.CPUs),
		"[    0.120000] clocksource: tsc-early: mask: 0xffffffffffffffff max_cycles: 0x2b3e459bf4c",
		"[    0.310000] PCI: Using configuration type 1 for base access",
		fmt.Sprintf("[    0.520000] pci 0000:00:10.0: %d GPU device(s) passed through", t.Spec.GPUs),
		"[    0.800000] virtio_blk virtio2: [vda] disk attached",
		"[    0.810000] virtio_blk virtio3: [vdb] disk attached",
		"[    0.900000] virtio_net virtio0 enp1s0: renamed from eth0",
		"[    1.200000] EXT4-fs (vda1): mounted filesystem with ordered data mode",
		"[    2.100000] systemd[1]: Detected virtualization kvm.",
		"[    2.110000] systemd[1]: Detected architecture x86-64.",
		"[    2.400000] systemd[1]: Set hostname to <" + n.Name + ">.",
		"[    3.000000] cloud-init[512]: Cloud-init v. 21.4 running init-local",
		"[    4.200000] cloud-init[640]: ci-info: Net device info: enp1s0 up " + t.MAC,
		"[    5.000000] systemd[1]: Started OpenBSD Secure Shell server.",
		"[    5.100000] systemd[1]: Started QEMU Guest Agent.",
		"[    5.300000] systemd[1]: Reached target Multi-User System.",
		"[    5.400000] systemd[1]: Startup finished in 2.1s (kernel) + 3.3s (userspace) = 5.4s.",
		"Ubuntu 20.04.3 LTS " + t.ID[:8] + " ttyS0",
	}
	t.Logs = append(t.Logs, lines...)
}

// diskFile is where a VM disk image lives on the node.
func (n *Node) diskFile(task, disk string) string {
	return n.DataPath + "/" + disk + "_" + task + ".qcow2"
}

// image finds an image by file name.
func (s *ImageServer) image(name string) *Image {
	for _, i := range s.Images {
		if i.Name == name {
			return i
		}
	}
	return nil
}

// image finds an image on the node.
func (n *Node) image(name string) *Image {
	for _, i := range n.Images {
		if i.Name == name {
			return i
		}
	}
	return nil
}

// CreateResult is tasks/start's answer.
type CreateResult struct {
	TaskID     string `json:"task_id"`
	CreateTime string `json:"create_time"`
	Desc       string `json:"desc"`
	Status     string `json:"status"`
}

// CreateTask checks tasks/start's parameters against the node and defines
// the VM in "creating" for the dbc.create timing.
func (st *State) CreateTask(tx *state.Tx, req *Request) (*CreateResult, *Error) {
	n, c, err := st.enterNode(tx, req, "create task")
	if err != nil {
		return nil, err
	}
	spec, err := n.PlanCreate(ReadCreateFields(req), c.Wallet)
	if err != nil {
		return nil, err
	}
	t := n.newTask(tx, spec, c, req.RentOrder)
	step := taskStep{Node: n.ID, Task: t.ID, Op: "create"}
	if rule := badFilter(spec.NetworkFilters); rule != "" {
		// Accepted now, refused by libvirt when the domain is defined.
		step.Fail, step.FailMsg = true, "define network filter failed: "+rule
	}
	if e := beginStep(tx, t, step); e != nil {
		return nil, e
	}
	n.Tasks[t.ID] = t
	if e := n.useLAN(tx, spec.NetworkName); e != nil {
		return nil, e
	}
	tx.Note("dbc: task %s creating on node %s", t.ID, n.ID)
	return &CreateResult{TaskID: t.ID, CreateTime: t.Created.Format(timeFormat), Desc: t.Spec.Desc, Status: t.Status}, nil
}

// pwdChars is the alphabet of the node's generated passwords; the first
// character is always a letter.
const pwdChars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_/+[]@#^"

// newPassword is a 16-character login password like the node's genpwd.
func newPassword(tx *state.Tx) string {
	f := tx.Faker()
	b := []byte{pwdChars[f.IntN(52)]}
	for i := 0; i < 15; i++ {
		b = append(b, pwdChars[f.IntN(len(pwdChars))])
	}
	return string(b)
}

func (n *Node) newTask(tx *state.Tx, spec *TaskSpec, c Caller, rentOrder string) *Task {
	id := newTaskID(tx)
	pwd := newPassword(tx)
	f := tx.Faker()
	t := &Task{
		ID: id, Wallet: c.Wallet, Spec: *spec, Created: tx.Now(), User: "dbc",
		Password: pwd, VNCPassword: pwd[:8], SystemGB: n.DiskSystemGB,
		MAC:       fmt.Sprintf("52:54:00:%02x:%02x:%02x", f.IntN(256), f.IntN(256), f.IntN(256)),
		RentOrder: rentOrder, Disks: []*Disk{},
	}
	if rentOrder == "" {
		t.RentOrder = n.RentOrder
	}
	if spec.OS == "windows" {
		t.User = "Administrator"
	}
	if spec.NetworkName != "" {
		t.LocalIP = n.Networks[spec.NetworkName].nextAddress(n)
	}
	if spec.BiosMode == "pxe" {
		return t
	}
	stamp := tx.Now().Format("20060102150405")
	vdb := fmt.Sprintf("%s/data_%d_%s.qcow2", n.DataPath, f.Number(0, 99999), stamp)
	if spec.DataFile != "" {
		vdb = n.DataPath + "/" + spec.DataFile
	}
	t.Disks = []*Disk{
		{Name: "vda", SizeGB: t.SystemGB, File: fmt.Sprintf("%s/vm_%d_%s.qcow2", n.DataPath, f.Number(0, 99999), stamp)},
		{Name: "vdb", SizeGB: spec.DiskGB, File: vdb},
	}
	return t
}

// systemDiskGB is the node's system disk size for VMs (g_disk_system_size,
// a constant of the node build): the node info's disk_system, every VM's
// vda and the task detail's disk_system all show it.
const systemDiskGB = 350

// enterNode finds the GPU node a request addresses and authorises the
// caller there. An unknown node never answers: the client times out.
func (st *State) enterNode(tx *state.Tx, req *Request, what string) (*Node, Caller, *Error) {
	id := req.Node()
	n := st.Nodes[id]
	if n == nil {
		if st.Machines[id] != nil || st.Controllers[id] != nil {
			return nil, Caller{}, nodeDefault(msgBareMetal)
		}
		return nil, Caller{}, timeoutError(what)
	}
	c, err := st.authorize(tx, n.rent(), req)
	if err != nil {
		return nil, Caller{}, err
	}
	return n, c, nil
}

// enterTask is enterNode plus the caller's task by id.
func (st *State) enterTask(tx *state.Tx, req *Request, id, what string) (*Node, *Task, Caller, *Error) {
	n, c, err := st.enterNode(tx, req, what)
	if err != nil {
		return nil, nil, Caller{}, err
	}
	t := n.Tasks[id]
	if t == nil || t.Wallet != c.Wallet {
		return nil, nil, Caller{}, nodeDefault(msgTaskNotExist)
	}
	return n, t, c, nil
}

// TaskBrief is one entry of the task list.
type TaskBrief struct {
	TaskID     string `json:"task_id"`
	CreateTime string `json:"create_time"`
	Desc       string `json:"desc"`
	Status     string `json:"status"`
}

// ListTasks lists the caller's VMs on the node, oldest first.
func (st *State) ListTasks(tx *state.Tx, req *Request) ([]TaskBrief, *Error) {
	n, c, err := st.enterNode(tx, req, "list task")
	if err != nil {
		return nil, err
	}
	var buf [8]keyedTask
	mine := n.tasksOf(c.Wallet, buf[:0])
	out := make([]TaskBrief, 0, len(mine))
	for _, k := range mine {
		t := k.t
		out = append(out, TaskBrief{t.ID, t.Created.Format(timeFormat), t.Spec.Desc, t.Status})
	}
	return out, nil
}

// keyedTask is a VM with its key in Node.Tasks.
type keyedTask struct {
	id string
	t  *Task
}

// tasksOf is the wallet's VMs in sortedTasks' order (creation time, then
// id), appended to buf: the others are left out before sorting, not
// after, so listing a wallet's few VMs neither sorts nor copies the
// node's many.
func (n *Node) tasksOf(wallet string, buf []keyedTask) []keyedTask {
	for id, t := range n.Tasks {
		if t.Wallet == wallet {
			buf = append(buf, keyedTask{id, t})
		}
	}
	slices.SortFunc(buf, func(a, b keyedTask) int {
		switch {
		case a.t.Created.Before(b.t.Created):
			return -1
		case b.t.Created.Before(a.t.Created):
			return 1
		}
		return strings.Compare(a.id, b.id)
	})
	return buf
}

// sortedTasks orders VMs by creation time, then id.
func (n *Node) sortedTasks() []*Task {
	var out []*Task
	for _, id := range slices.Sorted(maps.Keys(n.Tasks)) {
		out = append(out, n.Tasks[id])
	}
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j].Created.Before(out[j-1].Created); j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

// TaskDetail is a VM's detail (reference §8.3).
func (st *State) TaskDetail(tx *state.Tx, req *Request, id string) (*TaskInfo, *Error) {
	n, t, _, err := st.enterTask(tx, req, id, "list task")
	if err != nil {
		return nil, err
	}
	return t.info(n), nil
}

// actionWhat is the word of each action's timeout message.
var actionWhat = map[string]string{
	"start": "start task", "shutdown": "shutdown task", "poweroff": "stop task", "stop": "stop task",
	"restart": "restart task", "reset": "reset task", "delete": "delete task",
}

// TaskAction starts, stops, restarts, resets or deletes a VM. What is
// allowed follows the libvirt state, as on the node: an operation may be
// asked again while one runs and then takes over.
func (st *State) TaskAction(tx *state.Tx, req *Request, id, action string, force bool) *Error {
	n, t, err := st.enterTaskToChange(tx, req, id, actionWhat[action])
	if err != nil {
		return err
	}
	op := action
	if op == "stop" {
		op = "poweroff"
	}
	if e := n.allowAction(t, op); e != nil {
		return e
	}
	if op == "restart" && force {
		t.log(tx, "force reboot requested")
	}
	tx.Note("dbc: task %s %s", t.ID, op)
	return beginOp(tx, n, t, op, "", 0)
}

// allowAction is the task manager's check of one action against the
// domain state (and, to start or restart, against the node's resources).
func (n *Node) allowAction(t *Task, op string) *Error {
	dom := t.domain()
	if dom == domainNone && !(op == "delete" && t.Status == StatusCreateError) {
		return taskError("task not exist")
	}
	refuse := taskError("task is " + dom)
	switch op {
	case "start":
		if dom != domainShutOff && dom != domainPMSuspended {
			return refuse
		}
		return n.checkResources(t)
	case "restart":
		if dom != domainShutOff && dom != domainRunning {
			return refuse
		}
		return n.checkResources(t)
	case "shutdown", "poweroff":
		if dom == domainShutOff {
			return refuse
		}
	case "reset":
		if dom != domainRunning {
			return refuse
		}
	}
	return nil
}

// checkResources is check_resource: before a VM starts, its cores, GPUs,
// memory, ports and public IP must still be free.
func (n *Node) checkResources(t *Task) *Error {
	usedCPUs, usedMem := n.runningUse(t.ID)
	switch {
	case usedCPUs+t.Spec.CPUs > n.CPUCores:
		return taskError("cpu count exceeds the maximum")
	case t.Spec.GPUs > n.freeGPUs(t.ID):
		return taskError("check gpu failed")
	case t.domain() != domainRunning && t.Spec.MemGB > n.MemGB-usedMem:
		return taskError("check memory failed")
	}
	if isLinux(t.Spec.OS) && n.portConflict(t.Spec.SSHPort, t.ID) != nil {
		return taskError("check ssh_port failed")
	}
	if isWindows(t.Spec.OS) && n.portConflict(t.Spec.RDPPort, t.ID) != nil {
		return taskError("check rdp_port failed")
	}
	if n.portConflict(t.Spec.VNCPort, t.ID) != nil {
		return taskError("check vnc_port failed")
	}
	probe := t.Spec
	return n.planPublicIP(&probe, t.Spec.PublicIP, t.ID)
}
