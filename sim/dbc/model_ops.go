package dbc

import (
	"fmt"
	"net/netip"
	"regexp"
	"strconv"

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

// ParseLogQuery reads ?flag=head|tail&line_num=N: tail and 100 by default,
// more than 100 becomes 99 (the real client's off-by-one), 0 or less or
// not a number is "invalid line num".
func ParseLogQuery(flag, lineNum string, hasLineNum bool) (LogQuery, *Error) {
	q := LogQuery{Lines: 100}
	switch flag {
	case "", "tail":
	case "head":
		q.Head = true
	default:
		return q, uriError(`head_or_tail is invalid"`)
	}
	if hasLineNum {
		n, err := strconv.Atoi(lineNum)
		if err != nil || n <= 0 {
			return q, uriError("invalid line num")
		}
		if n > 100 {
			n = 99
		}
		q.Lines = n
	}
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

// ParseModify reads tasks/modify's new_* fields onto a copy of the VM's
// spec; absent fields keep their value.
func ParseModify(req *Request, cur TaskSpec) (*TaskSpec, *Error) {
	s := cur
	for _, f := range []struct {
		key string
		dst *int
		min int
		cnt bool
	}{
		{"new_ssh_port", &s.SSHPort, 1, false}, {"new_vnc_port", &s.VNCPort, 1, false},
		{"new_rdp_port", &s.RDPPort, 1, false}, {"new_gpu_count", &s.GPUs, 0, true},
		{"new_cpu_cores", &s.CPUs, 1, true}, {"new_mem_size", &s.MemGB, 1, true},
	} {
		v, ok := req.str(f.key)
		if !ok {
			return nil, taskError(f.key + " is invalid")
		}
		if _, present := req.Additional[f.key]; !present {
			continue
		}
		var n int
		if f.cnt {
			n, ok = parseCount(v, f.min)
		} else {
			n, ok = parsePort(v)
		}
		if !ok {
			return nil, taskError(f.key + " is invalid")
		}
		*f.dst = n
	}
	ip, ok := req.str("new_public_ip")
	if !ok || (ip != "" && !validIPv4(ip)) {
		return nil, taskError("new_public_ip is invalid")
	}
	if _, present := req.Additional["new_public_ip"]; present {
		s.PublicIP = ip
	}
	next := s
	if e := next.readLists(req, "new_custom_port", "", "new_network_filters"); e != nil {
		return nil, e
	}
	if _, present := req.Additional["new_custom_port"]; present {
		s.CustomPorts = next.CustomPorts
	}
	if _, present := req.Additional["new_network_filters"]; present {
		s.NetworkFilters = next.NetworkFilters
	}
	return &s, nil
}

// ModifyTask changes a VM's configuration; it is refused while an
// operation runs and checked against what the node has left.
func (st *State) ModifyTask(tx *state.Tx, req *Request, id string) *Error {
	n, t, _, err := st.enterTask(tx, req, id, "modify task")
	if err != nil {
		return err
	}
	if e := notBusy(t.Status); e != nil {
		return e
	}
	if t.Status == StatusCreateError {
		return taskError("task create failed, please delete it")
	}
	spec, e := ParseModify(req, t.Spec)
	if e != nil {
		return e
	}
	if e := n.fits(spec, t.ID, 0); e != nil {
		return e
	}
	t.Spec = *spec
	t.log(tx, "task config modified")
	return nil
}

// SetPassword changes a guest user's password through the guest agent;
// only a running VM answers.
func (st *State) SetPassword(tx *state.Tx, req *Request, id string) *Error {
	_, t, _, err := st.enterTask(tx, req, id, "set task user password")
	if err != nil {
		return err
	}
	user, ok := req.str("username")
	if !ok || user == "" {
		return taskError("username is empty")
	}
	pass, ok := req.str("password")
	if !ok || pass == "" {
		return taskError("password is empty")
	}
	if e := needRunning(t.Status); e != nil {
		return e
	}
	if user == t.User {
		t.Password = pass
	}
	t.log(tx, "password of user "+user+" changed")
	return nil
}

// DiskInfo is one entry of disk/list.
type DiskInfo struct {
	Name string `json:"name"`
	File string `json:"file"`
	Size string `json:"size"`
}

// ListDisks lists a VM's disks.
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

// ResizeDisk grows a data disk of a stopped VM.
func (st *State) ResizeDisk(tx *state.Tx, req *Request, id string) *Error {
	n, t, _, err := st.enterTask(tx, req, id, "resize disk")
	if err != nil {
		return err
	}
	name, ok := req.str("disk")
	if !ok || name == "" {
		return taskError("disk is invalid")
	}
	size, present, ok := req.num("size")
	if !present || !ok || size <= 0 || size > 1<<20 {
		return taskError("size is invalid")
	}
	d := t.disk(name)
	if d == nil {
		return taskError("disk not exist: " + name)
	}
	if name == "vda" {
		return taskError("system disk can not be resized")
	}
	if int(size) <= d.SizeGB {
		return taskError(fmt.Sprintf("new size must be larger than %dG", d.SizeGB))
	}
	if e := needClosed(t.Status); e != nil {
		return e
	}
	if e := n.checkData(int(size) - d.SizeGB); e != nil {
		return e
	}
	return beginOp(tx, n, t, "disk_resize", name, int(size))
}

// checkData checks that the node's data disk has extra GB left.
func (n *Node) checkData(extra int) *Error {
	free := n.DiskDataGB - n.usage("").data
	if extra > free {
		return taskError(fmt.Sprintf("no enough disk, available: %dG", max(free, 0)))
	}
	return nil
}

// AddDisk attaches a new data disk to a stopped VM.
func (st *State) AddDisk(tx *state.Tx, req *Request, id string) *Error {
	n, t, _, err := st.enterTask(tx, req, id, "add disk")
	if err != nil {
		return err
	}
	size, present, ok := req.num("size")
	if !present || !ok || size <= 0 || size > 1<<20 {
		return taskError("size is invalid")
	}
	mount, ok := req.str("mount_dir")
	if !ok {
		return taskError("mount_dir is invalid")
	}
	if mount == "" {
		mount = "/data"
	}
	if e := needClosed(t.Status); e != nil {
		return e
	}
	if e := n.checkData(int(size)); e != nil {
		return e
	}
	name := t.nextDiskName()
	return beginStep(tx, t, taskStep{Node: n.ID, Task: t.ID, Op: "disk_add", Arg: name, Size: int(size), Mount: mount})
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

// DeleteDisk detaches and removes a data disk of a stopped VM.
func (st *State) DeleteDisk(tx *state.Tx, req *Request, id string) *Error {
	n, t, _, err := st.enterTask(tx, req, id, "delete disk")
	if err != nil {
		return err
	}
	name, ok := req.str("disk")
	if !ok || name == "" {
		return taskError("disk is invalid")
	}
	if t.disk(name) == nil {
		return taskError("disk not exist: " + name)
	}
	if name == "vda" {
		return taskError("system disk can not be deleted")
	}
	if e := needClosed(t.Status); e != nil {
		return e
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

// ListSnapshots lists a VM's snapshots.
func (st *State) ListSnapshots(tx *state.Tx, req *Request, id string) ([]SnapshotInfo, *Error) {
	_, t, _, err := st.enterTask(tx, req, id, "list snapshot")
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
	_, t, _, err := st.enterTask(tx, req, id, "list snapshot")
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

// CreateSnapshot snapshots a stopped VM and uploads it to an image centre.
func (st *State) CreateSnapshot(tx *state.Tx, req *Request, id string) *Error {
	n, t, _, err := st.enterTask(tx, req, id, "create snapshot")
	if err != nil {
		return err
	}
	name, ok := req.str("snapshot_name")
	if !ok || !snapshotName.MatchString(name) {
		return taskError("snapshot_name is invalid")
	}
	desc, ok := req.str("desc")
	if !ok {
		return taskError("desc is invalid")
	}
	server, ok := req.str("image_server")
	if !ok || server == "" || st.imageServer(server) == nil {
		return taskError("image_server is invalid")
	}
	if t.snapshot(name) != nil {
		return taskError("snapshot_name already exist")
	}
	if e := needClosed(t.Status); e != nil {
		return e
	}
	t.Snapshots = append(t.Snapshots, &Snapshot{
		Name: name, Desc: desc, File: t.ID + "_" + name + ".qcow2", Server: server, Created: tx.Now(), Status: "creating",
	})
	return beginOp(tx, n, t, "snapshot_create", name, 0)
}

// DeleteSnapshot removes a finished snapshot.
func (st *State) DeleteSnapshot(tx *state.Tx, req *Request, id, name string) *Error {
	_, t, _, err := st.enterTask(tx, req, id, "delete snapshot")
	if err != nil {
		return err
	}
	s := t.snapshot(name)
	if s == nil {
		return taskError(msgSnapshotNotExist)
	}
	if s.Status != "none" {
		return taskError("snapshot is " + s.Status)
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
