package dbc

import (
	"fmt"
	"net/netip"
	"regexp"

	"github.com/panelsim/panelsim/state"
)

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// maxLogBytes is the documented cap of a logs answer.
const maxLogBytes = 1024

// LogQuery is the parsed query of tasks/logs: direction and line count.
type LogQuery struct {
	Head  bool
	Lines int
}

// ParseLogQuery reads ?flag=head|tail&line_num=N the way the client's
// rest_task_logs does: without a flag it is tail and 100 lines whatever
// line_num says; with one, an empty line_num is 100, otherwise atoi of it,
// more than 100 becomes 99 (the client's off-by-one) and 0 or less is
// "invalid line num"; any other flag is `head_or_tail is invalid"`. All
// are HTTP 400 -25. hasLineNum is kept for callers; an empty line_num is
// the same as none.
func ParseLogQuery(flag, lineNum string, hasLineNum bool) (LogQuery, *Error) {
	q := LogQuery{Lines: 100}
	switch flag {
	case "":
		return q, nil
	case "tail":
	case "head":
		q.Head = true
	default:
		return LogQuery{}, clientError(`head_or_tail is invalid"`)
	}
	if !hasLineNum || lineNum == "" {
		return q, nil
	}
	n := atoi(lineNum)
	switch {
	case n > 100:
		n = 99
	case n <= 0:
		return LogQuery{}, clientError("invalid line num")
	}
	q.Lines = n
	return q, nil
}

// LogResult is the tasks/logs answer.
type LogResult struct {
	TaskID     string   `json:"task_id"`
	LogContent []string `json:"log_content"`
}

// TaskLogs returns the first or last lines of the VM's log, at most 1024
// bytes (lines plus their newlines) of them.
func (st *State) TaskLogs(tx *state.Tx, req *Request, id string, q LogQuery) (*LogResult, *Error) {
	_, t, _, err := st.enterTask(tx, req, id, "task logs")
	if err != nil {
		return nil, err
	}
	if t.domain() == domainNone {
		return nil, taskError("task not exist")
	}
	if len(t.Logs) == 0 {
		return nil, taskError(msgNoLog)
	}
	return &LogResult{TaskID: t.ID, LogContent: SelectLog(t.Logs, q)}, nil
}

// SelectLog picks q.Lines lines from the head or the tail and truncates the
// pick to maxLogBytes, keeping the lines nearest the chosen end.
func SelectLog(lines []string, q LogQuery) []string {
	n := min(q.Lines, len(lines))
	var pick []string
	if q.Head {
		pick = lines[:n]
	} else {
		pick = lines[len(lines)-n:]
	}
	out := []string{}
	budget := maxLogBytes
	take := func(l string) bool {
		if len(l)+1 > budget {
			if len(out) == 0 && budget > 1 {
				out = append(out, l[:budget-1])
			}
			return false
		}
		budget -= len(l) + 1
		out = append(out, l)
		return true
	}
	if q.Head {
		for _, l := range pick {
			if !take(l) {
				break
			}
		}
		return out
	}
	for i := len(pick) - 1; i >= 0; i-- {
		if !take(pick[i]) {
			break
		}
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out
}

// ModifyTask changes a VM's configuration the way the node's modifyTask
// does, in its order and with its messages; some changes only take effect
// at the next boot, which the answer says. Unlike the node, which applies
// each change as it goes, nothing changes unless every check passes.
func (st *State) ModifyTask(tx *state.Tx, req *Request, id string) (string, *Error) {
	n, t, err := st.enterTaskToChange(tx, req, id, "modify task")
	if err != nil {
		return "", err
	}
	if t.domain() == domainNone {
		return "", taskError("task not exist")
	}
	spec, reboot, err := n.PlanModify(t, req)
	if err != nil {
		return "", err
	}
	t.Spec = *spec
	t.log(tx, "modify task successful")
	if reboot {
		return "some changes will take effect on the next boot", nil
	}
	return "ok", nil
}

// PlanModify checks tasks/modify's new_* fields against the node and
// returns the VM's new spec and whether it needs a reboot.
func (n *Node) PlanModify(t *Task, req *Request) (*TaskSpec, bool, *Error) {
	s := t.Spec
	reboot := false
	// The node always sets the public IP: leaving new_public_ip out
	// removes the VM's public IP.
	if err := n.planPublicIP(&s, req.loose("new_public_ip"), t.ID); err != nil {
		return nil, false, err
	}
	ssh, rdp := req.loose("new_ssh_port"), req.loose("new_rdp_port")
	if err := n.modifyLoginPort(&s, t, "new_ssh_port", ssh, &s.SSHPort); err != nil {
		return nil, false, err
	}
	if err := n.modifyLoginPort(&s, t, "new_rdp_port", rdp, &s.RDPPort); err != nil {
		return nil, false, err
	}
	if ssh != "" && rdp != "" && port16(ssh) == port16(rdp) {
		return nil, false, taskError("new_ssh_port and new_rdp_port are the same!")
	}
	if hasArray(req, "new_custom_port") {
		s.CustomPorts = req.looseList("new_custom_port")
	}
	if hasArray(req, "new_network_filters") {
		s.NetworkFilters = req.looseList("new_network_filters")
		if badFilter(s.NetworkFilters) != "" {
			return nil, false, taskError("modify network filter error")
		}
	}
	if v := req.loose("new_vnc_port"); v != "" {
		p := port16(v)
		if p < 5900 {
			return nil, false, taskError("new_vnc_port " + v + " is invalid! (usage: 5900 =< port <= 65535)")
		}
		if n.portConflict(p, t.ID) != nil {
			return nil, false, taskError("new_vnc_port " + v + " has been used!")
		}
		reboot = reboot || p != s.VNCPort
		s.VNCPort = p
	}
	if v := req.loose("new_gpu_count"); v != "" {
		count := port16(v)
		if count != s.GPUs && (count > n.GPUs || count > n.freeGPUs(t.ID)) {
			return nil, false, taskError("allocate gpu failed")
		}
		reboot = reboot || count != s.GPUs
		s.GPUs = count
	}
	if v := req.loose("new_cpu_cores"); v != "" {
		cpus := atoi(v)
		if !n.cpuFits(cpus, t.ID) {
			return nil, false, taskError("allocate cpu failed")
		}
		reboot = reboot || cpus != s.CPUs
		s.CPUs = cpus
	}
	if v := req.loose("new_mem_size"); v != "" {
		mem := atoi(v)
		if !n.memFits(mem, t.ID) {
			return nil, false, taskError("allocate memory failed")
		}
		reboot = reboot || mem != s.MemGB
		s.MemGB = mem
	}
	return &s, reboot, nil
}

// modifyLoginPort checks a new ssh or rdp port: above 0 (after the 16-bit
// cast) and, for a VM without a public IP, not used by a running VM.
func (n *Node) modifyLoginPort(s *TaskSpec, t *Task, name, v string, dst *int) *Error {
	if v == "" {
		return nil
	}
	p := port16(v)
	if p <= 0 {
		return taskError(name + " " + v + " is invalid! (usage: > 0)")
	}
	if s.PublicIP == "" && n.portConflict(p, t.ID) != nil {
		return taskError(name + " " + v + " has been used!")
	}
	*dst = p
	return nil
}

func hasArray(req *Request, name string) bool {
	raw, ok := req.Additional[name]
	return ok && jsonKind(raw) == '['
}

// SetPassword changes a guest user's password through the guest agent;
// only a running VM answers.
func (st *State) SetPassword(tx *state.Tx, req *Request, id string) *Error {
	_, t, err := st.enterTaskToChange(tx, req, id, "set task user password")
	if err != nil {
		return err
	}
	switch t.domain() {
	case domainNone:
		return taskError("task not exist")
	case domainRunning:
	default:
		return taskError("Only the running task can change the password")
	}
	user, pass := req.loose("username"), req.loose("password")
	if pass == "" {
		return taskError("password can not be empty")
	}
	if user == "" {
		return taskError("user name can not be empty")
	}
	t.Password = pass
	t.log(tx, "set password of user "+user)
	return nil
}

// DiskInfo is one entry of disk/list.
type DiskInfo struct {
	Name string `json:"name"`
	File string `json:"file"`
	Size string `json:"size"`
}

// ListDisks lists a VM's disks (none for a PXE VM).
func (st *State) ListDisks(tx *state.Tx, req *Request, id string) ([]DiskInfo, *Error) {
	_, t, _, err := st.enterTask(tx, req, id, "list disk")
	if err != nil {
		return nil, err
	}
	out := []DiskInfo{}
	for _, d := range t.Disks {
		out = append(out, DiskInfo{d.Name, d.File, gb(d.SizeGB)})
	}
	return out, nil
}

// msgCloseFirst is the disk and snapshot managers' refusal for a VM that
// is not shut off.
const msgCloseFirst = "please close task first and try again"

// diskSize reads the size of disk/resize and disk/add (GB, a number).
func diskSize(req *Request) (int, *Error) {
	size, _, ok := req.num("size")
	if !ok || size <= 0 || size > 1<<20 {
		return 0, taskError("size is invalid (usage: size > 0)")
	}
	return int(size), nil
}

// ResizeDisk grows a disk of a shut-off VM by size GB: the node runs
// "qemu-img resize <file> +<size>", so size is an increment, not the new
// size.
func (st *State) ResizeDisk(tx *state.Tx, req *Request, id string) *Error {
	n, t, err := st.enterTaskToChange(tx, req, id, "resize disk")
	if err != nil {
		return err
	}
	if len(t.Disks) == 0 {
		return taskError("task have no disk")
	}
	name := req.loose("disk")
	if t.disk(name) == nil {
		return taskError("task have no disk:" + name)
	}
	size, err := diskSize(req)
	if err != nil {
		return err
	}
	if t.domain() != domainShutOff {
		return taskError(msgCloseFirst)
	}
	return beginOp(tx, n, t, "disk_resize", name, size)
}

// AddDisk attaches a new data disk to a shut-off VM; mount_dir (default
// /data) must be a directory of the node.
func (st *State) AddDisk(tx *state.Tx, req *Request, id string) *Error {
	n, t, err := st.enterTaskToChange(tx, req, id, "add disk")
	if err != nil {
		return err
	}
	if len(t.Disks) == 0 {
		return taskError("task have no disk")
	}
	size, err := diskSize(req)
	if err != nil {
		return err
	}
	mount := req.loose("mount_dir")
	if !hasString(req, "mount_dir") {
		mount = "/data"
	}
	if mount != n.DataPath && mount != "/data" {
		return taskError("not exist mount directory: " + mount)
	}
	if t.domain() != domainShutOff {
		return taskError(msgCloseFirst)
	}
	return beginStep(tx, t, taskStep{Node: n.ID, Task: t.ID, Op: "disk_add", Arg: t.nextDiskName(), Size: size, Mount: mount})
}

func hasString(req *Request, name string) bool {
	raw, ok := req.Additional[name]
	return ok && jsonKind(raw) == '"'
}

// nextDiskName is the next free virtio disk name (vdc, vdd, ...).
func (t *Task) nextDiskName() string {
	for c := 'b'; c <= 'z'; c++ {
		if t.disk("vd"+string(c)) == nil {
			return "vd" + string(c)
		}
	}
	return "vdz"
}

// DeleteDisk detaches and removes a data disk of a shut-off VM.
func (st *State) DeleteDisk(tx *state.Tx, req *Request, id string) *Error {
	n, t, err := st.enterTaskToChange(tx, req, id, "delete disk")
	if err != nil {
		return err
	}
	if len(t.Disks) == 0 {
		return taskError("task no disk")
	}
	name := req.loose("disk")
	if t.disk(name) == nil {
		return taskError("task have no disk:" + name)
	}
	if t.domain() != domainShutOff {
		return taskError(msgCloseFirst)
	}
	if name == "vda" {
		return taskError("can not allowed to delete disk:'vda'")
	}
	return beginOp(tx, n, t, "disk_delete", name, 0)
}

// SnapshotInfo is a snapshot as snapshot/list shows it; Status is left out
// once the snapshot is complete.
type SnapshotInfo struct {
	Name        string `json:"snapshot_name"`
	Description string `json:"description"`
	File        string `json:"snapshot_file"`
	CreateTime  string `json:"create_time"`
	Status      string `json:"status,omitempty"`
}

func (s *Snapshot) info() SnapshotInfo {
	i := SnapshotInfo{s.Name, s.Desc, s.File, s.Created.Format(timeFormat), s.Status}
	if i.Status == "none" {
		i.Status = ""
	}
	return i
}

// snapshotTask is the checks every snapshot route shares: the VM's domain
// exists and it does not boot from PXE. A change (create, delete) first
// settles a disk or snapshot operation under way.
func (st *State) snapshotTask(tx *state.Tx, req *Request, id, what string, change bool) (*Node, *Task, *Error) {
	n, t, _, err := st.enterTask(tx, req, id, what)
	if err != nil {
		return nil, nil, err
	}
	if change {
		n.settle(tx, t)
	}
	if t.domain() == domainNone {
		return nil, nil, taskError("task not exist")
	}
	if t.Spec.BiosMode == "pxe" {
		return nil, nil, taskError("pxe not support snapshot")
	}
	return n, t, nil
}

// ListSnapshots lists a VM's snapshots.
func (st *State) ListSnapshots(tx *state.Tx, req *Request, id string) ([]SnapshotInfo, *Error) {
	_, t, err := st.snapshotTask(tx, req, id, "list snapshot", false)
	if err != nil {
		return nil, err
	}
	out := []SnapshotInfo{}
	for _, s := range t.Snapshots {
		out = append(out, s.info())
	}
	return out, nil
}

// GetSnapshot is one snapshot of a VM.
func (st *State) GetSnapshot(tx *state.Tx, req *Request, id, name string) (*SnapshotInfo, *Error) {
	_, t, err := st.snapshotTask(tx, req, id, "list snapshot", false)
	if err != nil {
		return nil, err
	}
	s := t.snapshot(name)
	if s == nil {
		return nil, taskError(msgSnapshotNotExist)
	}
	i := s.info()
	return &i, nil
}

var snapshotName = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,64}$`)

// CreateSnapshot snapshots the system disk of a shut-off VM and uploads it
// to an image centre.
func (st *State) CreateSnapshot(tx *state.Tx, req *Request, id string) *Error {
	n, t, err := st.snapshotTask(tx, req, id, "create snapshot", true)
	if err != nil {
		return err
	}
	name, desc, server := req.loose("snapshot_name"), req.loose("desc"), req.loose("image_server")
	switch {
	case !snapshotName.MatchString(name):
		return taskError("snapshot_name is invalid")
	case st.imageServer(server) == nil:
		// The client refuses this before relaying (the handler checks it).
		return clientError(msgNoImageServer)
	case t.snapshot(name) != nil:
		return taskError("snapshot_name already exist")
	case t.disk("vda") == nil:
		return taskError("task have no disk:'vda'")
	case t.domain() != domainShutOff:
		return taskError(msgCloseFirst)
	}
	file := fmt.Sprintf("/tmp/dbc_snapshots/snap_%d_%s_vda.qcow2", tx.Faker().Number(0, 99999), tx.Now().Format("20060102150405"))
	t.Snapshots = append(t.Snapshots, &Snapshot{
		Name: name, Desc: desc, File: file, Server: server, Created: tx.Now(), Status: "creating",
	})
	return beginOp(tx, n, t, "snapshot_create", name, 0)
}

// DeleteSnapshot stops a snapshot's upload and removes it; like the node it
// answers "ok" whether or not the snapshot exists.
func (st *State) DeleteSnapshot(tx *state.Tx, req *Request, id, name string) *Error {
	_, t, err := st.snapshotTask(tx, req, id, "delete snapshot", true)
	if err != nil {
		return err
	}
	t.dropSnapshot(name)
	return nil
}

// nextAddress gives a VM the next free address of the LAN.
func (net *Network) nextAddress(n *Node) string {
	p, err := netip.ParsePrefix(net.CIDR)
	if err != nil {
		return ""
	}
	used := map[string]bool{}
	for _, t := range n.Tasks {
		used[t.LocalIP] = true
	}
	a := p.Masked().Addr().Next().Next()
	for p.Contains(a) {
		if !used[a.String()] {
			return a.String()
		}
		a = a.Next()
	}
	return ""
}
