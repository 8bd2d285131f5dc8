package dbc

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/netip"
	"slices"
	"strconv"
	"strings"
)

// TaskSpec is a VM's configuration as tasks/start and tasks/modify set it.
// Ports are kept as the node keeps them: whatever the strings said, cast to
// 16 bits.
type TaskSpec struct {
	Image          string   `json:"image"`
	Desc           string   `json:"desc"`
	OS             string   `json:"os"`
	BiosMode       string   `json:"bios_mode"`
	SSHPort        int      `json:"ssh_port"`
	RDPPort        int      `json:"rdp_port"`
	VNCPort        int      `json:"vnc_port"`
	CustomPorts    []string `json:"custom_ports,omitempty"`
	GPUs           int      `json:"gpus"`
	CPUs           int      `json:"cpus"`
	MemGB          int      `json:"mem_gb"`
	DiskGB         int      `json:"disk_gb"`
	DataFile       string   `json:"data_file,omitempty"`
	Multicast      []string `json:"multicast,omitempty"`
	NetworkName    string   `json:"network_name,omitempty"`
	PublicIP       string   `json:"public_ip,omitempty"`
	NetworkFilters []string `json:"network_filters,omitempty"`
}

// CreateFields are tasks/start's parameters as the node reads them: a
// member that is not a string reads as empty, and array members keep only
// their string items.
type CreateFields struct {
	Image, Desc, OS, Bios, SSH, RDP, VNC, GPUs, CPUs, Mem, Disk string
	DataFile, Network, PublicIP                                 string
	CustomPorts, Multicast, Filters                             []string
}

// ReadCreateFields reads tasks/start's additional.
func ReadCreateFields(req *Request) CreateFields {
	s := req.loose
	return CreateFields{
		Image: s("image_name"), Desc: s("desc"), OS: s("operation_system"), Bios: s("bios_mode"),
		SSH: s("ssh_port"), RDP: s("rdp_port"), VNC: s("vnc_port"), GPUs: s("gpu_count"),
		CPUs: s("cpu_cores"), Mem: s("mem_size"), Disk: s("disk_size"), DataFile: s("data_file_name"),
		Network: s("network_name"), PublicIP: s("public_ip"),
		CustomPorts: req.looseList("custom_port"), Multicast: req.looseList("multicast"),
		Filters: req.looseList("network_filters"),
	}
}

// loose is JSON_PARSE_STRING: the string value, or "" for anything else.
func (r *Request) loose(name string) string {
	var s string
	if raw, ok := r.Additional[name]; ok && jsonKind(raw) == '"' {
		_ = json.Unmarshal(raw, &s)
	}
	return s
}

// looseList keeps the string items of an array member.
func (r *Request) looseList(name string) []string {
	var items []json.RawMessage
	raw, ok := r.Additional[name]
	if !ok || jsonKind(raw) != '[' || json.Unmarshal(raw, &items) != nil {
		return nil
	}
	var out []string
	for _, it := range items {
		var s string
		if jsonKind(it) == '"' && json.Unmarshal(it, &s) == nil {
			out = append(out, s)
		}
	}
	return out
}

// atoi is C's atoi: leading blanks, an optional sign, then digits; 0 when
// there are none; saturating instead of overflowing.
func atoi(s string) int {
	s = strings.TrimLeft(s, " \t\n\v\f\r")
	neg := false
	if s != "" && (s[0] == '-' || s[0] == '+') {
		neg = s[0] == '-'
		s = s[1:]
	}
	n := 0
	for i := 0; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
		if n < 1<<40 {
			n = n*10 + int(s[i]-'0')
		}
	}
	if neg {
		return -n
	}
	return n
}

// port16 is the node's (uint16_t)atoi(s).
func port16(s string) int { return int(uint16(atoi(s))) }

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func isLinux(os string) bool   { return os == "linux" }
func isWindows(os string) bool { return os == "windows" }

// PlanCreate checks tasks/start's parameters against the node in the
// node's own order (gpu, system, image, public ip, ports, cpu, memory,
// disk, data file, network, multicast) with its messages, returning the
// spec of the VM to define.
func (n *Node) PlanCreate(f CreateFields, owner string) (*TaskSpec, *Error) {
	s := &TaskSpec{Desc: f.Desc, CustomPorts: f.CustomPorts, Multicast: f.Multicast, NetworkFilters: f.Filters}
	steps := []func() *Error{
		func() *Error { return n.planGPUs(s, f) },
		func() *Error { return planSystem(s, f) },
		func() *Error { return n.planImage(s, f) },
		func() *Error { return n.planPublicIP(s, f.PublicIP, "") },
		func() *Error { return n.planPorts(s, f) },
		func() *Error { return n.planCPUMem(s, f) },
		func() *Error { return n.planDisk(s, f) },
		func() *Error { return n.planNetwork(s, f.Network, owner) },
		func() *Error { return checkMulticast(f.Multicast) },
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return nil, err
		}
	}
	return s, nil
}

func (n *Node) planGPUs(s *TaskSpec, f CreateFields) *Error {
	s.GPUs = atoi(f.GPUs)
	switch {
	case s.GPUs < 0:
		return taskError("gpu_count is invalid (usage: gpu_count >= 0)")
	case s.GPUs > n.GPUs:
		return taskError("gpu_count exceeds number of leases")
	case s.GPUs > n.freeGPUs(""):
		return taskError("allocate gpu failed")
	}
	return nil
}

func planSystem(s *TaskSpec, f CreateFields) *Error {
	s.OS = strings.ToLower(f.OS)
	if s.OS == "" {
		s.OS = "linux"
	}
	if !isLinux(s.OS) && !isWindows(s.OS) {
		return taskError("unsupported operation system: " + s.OS + " (usage: 'linux' 'windows')")
	}
	s.BiosMode = strings.ToLower(f.Bios)
	if s.BiosMode == "" {
		s.BiosMode = "legacy"
	}
	if s.BiosMode != "legacy" && s.BiosMode != "uefi" && s.BiosMode != "pxe" {
		return taskError("unsupported bios mode: " + s.BiosMode + " (usage: 'legacy(default)'、'uefi'、'pxe')")
	}
	return nil
}

func (n *Node) planImage(s *TaskSpec, f CreateFields) *Error {
	s.Image = f.Image
	switch {
	case s.Image == "":
		return taskError("image_name is empty")
	case !strings.HasSuffix(s.Image, ".qcow2"):
		return taskError("'image_name' extension name is invalid")
	case n.image(s.Image) == nil:
		return taskError("'image_name' is not exist (path:" + n.DataPath + "/" + s.Image + ")")
	case n.transferring(s.Image):
		return taskError("'image_name':" + s.Image + " in downloading or uploading, please try again later")
	}
	return nil
}

// planPublicIP is check_public_ip: a valid address that neither the node
// nor another VM uses.
func (n *Node) planPublicIP(s *TaskSpec, ip, except string) *Error {
	s.PublicIP = ip
	if ip == "" {
		return nil
	}
	if a, err := netip.ParseAddr(ip); err != nil || !a.Is4() {
		return taskError("invalid public ip")
	}
	if ip == n.IP {
		return taskError("public ip being used")
	}
	for _, t := range n.sortedTasks() {
		if t.ID != except && t.Spec.PublicIP == ip {
			return taskError("public ip being used")
		}
	}
	return nil
}

// planPorts checks the login port of the guest OS and the VNC port. With a
// public IP a bad login port falls back to 22 / 3389.
func (n *Node) planPorts(s *TaskSpec, f CreateFields) *Error {
	s.SSHPort, s.RDPPort = port16(f.SSH), port16(f.RDP)
	login := []struct {
		use      bool
		name, in string
		dst      *int
		fallback int
	}{
		{isLinux(s.OS), "ssh_port", f.SSH, &s.SSHPort, 22},
		{isWindows(s.OS), "rdp_port", f.RDP, &s.RDPPort, 3389},
	}
	for _, l := range login {
		if !l.use {
			continue
		}
		err := checkDigits(l.name, l.in)
		if s.PublicIP != "" {
			if err != nil {
				*l.dst = l.fallback
			}
			continue
		}
		if err != nil {
			return err
		}
		if err := n.portConflict(*l.dst, ""); err != nil {
			return err
		}
	}
	if err := checkDigits("vnc_port", f.VNC); err != nil {
		return err
	}
	if s.VNCPort = port16(f.VNC); s.VNCPort < 5900 {
		return taskError("vnc_port is invalid (usage: [5900, 65535])")
	}
	return n.portConflict(s.VNCPort, "")
}

func checkDigits(name, v string) *Error {
	if v == "" {
		return taskError(name + " is empty")
	}
	if !isDigits(v) {
		return taskError(name + " is not digit")
	}
	return nil
}

// portConflict is check_port_conflict: the VNC port of a VM that holds
// its resources (running, being created or started), or such a VM's login
// port when it has no public IP.
func (n *Node) portConflict(port int, except string) *Error {
	for _, t := range n.sortedTasks() {
		if t.ID == except || !t.holdsResources() {
			continue
		}
		if t.Spec.VNCPort == port {
			return taskError(fmt.Sprintf("port conflict, exist vnc_port = %d", port))
		}
		if t.Spec.PublicIP != "" {
			continue
		}
		if t.Spec.SSHPort == port {
			return taskError(fmt.Sprintf("port conflict, exist ssh_port = %d", port))
		}
		if t.Spec.RDPPort == port {
			return taskError(fmt.Sprintf("port conflict, exist rdp_port = %d", port))
		}
	}
	return nil
}

func (n *Node) planCPUMem(s *TaskSpec, f CreateFields) *Error {
	if s.CPUs = atoi(f.CPUs); s.CPUs <= 0 {
		return taskError("cpu_cores is invalid")
	}
	if !n.cpuFits(s.CPUs, "") {
		return taskError("allocate cpu failed")
	}
	if s.MemGB = atoi(f.Mem); s.MemGB <= 0 {
		return taskError("mem_size is invalid")
	}
	if !n.memFits(s.MemGB, "") {
		return taskError("allocate mem failed")
	}
	return nil
}

func (n *Node) planDisk(s *TaskSpec, f CreateFields) *Error {
	if s.BiosMode == "pxe" {
		return nil
	}
	if s.DiskGB = atoi(f.Disk); s.DiskGB <= 0 {
		return taskError("disk_size is invalid (usage: disk_size > 0)")
	}
	if s.DiskGB > n.freeData() {
		return taskError("allocate disk failed")
	}
	s.DataFile = f.DataFile
	if s.DataFile != "" && !contains(n.DataFiles, s.DataFile) {
		return taskError("data_file_name is not exist, path: " + n.DataPath + "/" + s.DataFile)
	}
	return nil
}

func (n *Node) planNetwork(s *TaskSpec, name, owner string) *Error {
	s.NetworkName = name
	if name == "" {
		return nil
	}
	if net := n.Networks[name]; net == nil || net.Owner != owner {
		return taskError("can not find network info")
	}
	return nil
}

// checkMulticast wants "ip:port" with a multicast IPv4 address.
func checkMulticast(list []string) *Error {
	for _, m := range list {
		host, port, ok := strings.Cut(m, ":")
		if !ok || strings.Contains(port, ":") {
			return taskError("multicast format: ip:port")
		}
		a, err := netip.ParseAddr(host)
		if err != nil || !a.Is4() || !a.IsMulticast() {
			return taskError("address is not a multicast address")
		}
		if p, err := strconv.Atoi(port); err != nil || p < 0 || p > 65535 {
			return taskError("invalid multicast port")
		}
	}
	return nil
}

// transferring says whether an image file is being uploaded or downloaded.
func (n *Node) transferring(image string) bool {
	for _, k := range slices.Sorted(maps.Keys(n.Transfers)) {
		if t := n.Transfers[k]; t.Image == image && t.Status == "running" {
			return true
		}
	}
	return false
}

// freeGPUs counts the GPUs no VM holds: every VM whose domain is not shut
// off (a VM being created included) holds its GPUs, and so does one being
// started (its domain is still shut off, but it will run without another
// check, as holdsResources says for cores and memory).
func (n *Node) freeGPUs(except string) int {
	free := n.GPUs
	for _, t := range n.Tasks {
		if t.ID != except && (t.domain() != domainShutOff || t.Status == StatusStarting) {
			free -= t.Spec.GPUs
		}
	}
	return free
}

// holdsResources says whether a VM holds its cores, memory and ports: it
// runs, or it is being created or started and will run without another
// check. A shut-off VM holds none (its start checks them again).
func (t *Task) holdsResources() bool {
	return t.domain() == domainRunning || t.Status == StatusCreating || t.Status == StatusStarting
}

// runningUse sums the cores and memory of the VMs that hold them.
func (n *Node) runningUse(except string) (cpus, mem int) {
	for _, t := range n.Tasks {
		if t.ID != except && t.holdsResources() {
			cpus += t.Spec.CPUs
			mem += t.Spec.MemGB
		}
	}
	return cpus, mem
}

func (n *Node) cpuFits(cpus int, except string) bool {
	used, _ := n.runningUse(except)
	return cpus > 0 && cpus <= n.CPUCores && cpus+used <= n.CPUCores
}

func (n *Node) memFits(mem int, except string) bool {
	_, used := n.runningUse(except)
	return mem > 0 && mem <= n.MemGB-used
}

// freeData is what the data disk has left after every VM's data disks.
func (n *Node) freeData() int {
	used := 0
	for _, t := range n.Tasks {
		for _, d := range t.Disks {
			if d.Name != "vda" {
				used += d.SizeGB
			}
		}
	}
	return n.DiskDataGB - used
}

// ValidNetworkFilter checks a security-group rule
// "in|out,tcp|udp|icmp|all,<port>|<from>-<to>|all,<ip or cidr>,accept|drop";
// libvirt refuses to define a filter with any other rule.
func ValidNetworkFilter(rule string) bool {
	f := strings.Split(rule, ",")
	if len(f) != 5 || (f[0] != "in" && f[0] != "out") || (f[4] != "accept" && f[4] != "drop") {
		return false
	}
	switch f[1] {
	case "tcp", "udp", "icmp", "all":
	default:
		return false
	}
	if f[2] != "all" && !validPortSpec(f[2]) {
		return false
	}
	if _, err := netip.ParsePrefix(f[3]); err == nil {
		return true
	}
	a, err := netip.ParseAddr(f[3])
	return err == nil && a.Is4()
}

func validPortSpec(s string) bool {
	lo, hi, isRange := strings.Cut(s, "-")
	if !isDigits(lo) || lo == "" || atoi(lo) > 65535 {
		return false
	}
	if !isRange {
		return true
	}
	return isDigits(hi) && hi != "" && atoi(hi) <= 65535 && atoi(lo) <= atoi(hi)
}

// badFilter is the first rule libvirt would refuse, or "".
func badFilter(rules []string) string {
	for _, r := range rules {
		if !ValidNetworkFilter(r) {
			return r
		}
	}
	return ""
}
