package dbc

import (
	"net/netip"
	"regexp"
	"strconv"
	"strings"
)

// TaskSpec is a VM's configuration as tasks/start and tasks/modify set it.
type TaskSpec struct {
	Image          string   `json:"image"`
	Desc           string   `json:"desc"`
	OS             string   `json:"os"`
	BiosMode       string   `json:"bios_mode"`
	SSHPort        int      `json:"ssh_port,omitempty"`
	RDPPort        int      `json:"rdp_port,omitempty"`
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

// ParseCreate reads tasks/start's additional into a spec, checking every
// field the way the node's task manager does (errors are errcode 1).
func ParseCreate(req *Request) (*TaskSpec, *Error) {
	s := &TaskSpec{}
	var err *Error
	str := func(name string) string {
		if err != nil {
			return ""
		}
		v, ok := req.str(name)
		if !ok {
			err = taskError(name + " is invalid")
		}
		return v
	}
	s.Image, s.Desc = str("image_name"), str("desc")
	s.OS, s.BiosMode = str("operation_system"), str("bios_mode")
	ssh, rdp, vnc := str("ssh_port"), str("rdp_port"), str("vnc_port")
	gpus, cpus, mem, disk := str("gpu_count"), str("cpu_cores"), str("mem_size"), str("disk_size")
	s.DataFile, s.NetworkName, s.PublicIP = str("data_file_name"), str("network_name"), str("public_ip")
	if err != nil {
		return nil, err
	}
	if s.Image == "" {
		return nil, taskError("image_name is empty")
	}
	if e := s.readSystem(); e != nil {
		return nil, e
	}
	if e := s.readPorts(ssh, rdp, vnc); e != nil {
		return nil, e
	}
	if e := s.readSizes(gpus, cpus, mem, disk); e != nil {
		return nil, e
	}
	if e := s.readLists(req, "custom_port", "multicast", "network_filters"); e != nil {
		return nil, e
	}
	if s.PublicIP != "" && !validIPv4(s.PublicIP) {
		return nil, taskError("public_ip is invalid")
	}
	return s, nil
}

func (s *TaskSpec) readSystem() *Error {
	switch s.OS {
	case "":
		s.OS = "linux"
	case "linux", "windows":
	default:
		return taskError("operation_system is invalid")
	}
	switch s.BiosMode {
	case "":
		s.BiosMode = "legacy"
		if s.OS == "windows" {
			s.BiosMode = "uefi"
		}
	case "legacy", "uefi", "pxe":
	default:
		return taskError("bios_mode is invalid")
	}
	return nil
}

func (s *TaskSpec) readPorts(ssh, rdp, vnc string) *Error {
	var ok bool
	if s.OS == "windows" {
		if s.RDPPort, ok = parsePort(rdp); !ok {
			return taskError("rdp_port is invalid")
		}
	} else if s.SSHPort, ok = parsePort(ssh); !ok {
		return taskError("ssh_port is invalid")
	}
	if s.VNCPort, ok = parsePort(vnc); !ok {
		return taskError("vnc_port is invalid")
	}
	return nil
}

func (s *TaskSpec) readSizes(gpus, cpus, mem, disk string) *Error {
	var ok bool
	if s.GPUs, ok = parseCount(gpus, 0); !ok {
		return taskError("gpu_count is invalid")
	}
	if s.CPUs, ok = parseCount(cpus, 1); !ok {
		return taskError("cpu_cores is invalid")
	}
	if s.MemGB, ok = parseCount(mem, 1); !ok {
		return taskError("mem_size is invalid")
	}
	if s.DiskGB, ok = parseCount(disk, 1); !ok {
		return taskError("disk_size is invalid")
	}
	return nil
}

func (s *TaskSpec) readLists(req *Request, portsKey, multicastKey, filtersKey string) *Error {
	var ok bool
	if s.CustomPorts, ok = req.strList(portsKey); !ok {
		return taskError(portsKey + " is invalid")
	}
	for _, p := range s.CustomPorts {
		if _, ok := ParseCustomPort(p); !ok {
			return taskError(portsKey + " is invalid: " + p)
		}
	}
	if multicastKey != "" {
		if s.Multicast, ok = req.strList(multicastKey); !ok {
			return taskError(multicastKey + " is invalid")
		}
		for _, m := range s.Multicast {
			if !validMulticast(m) {
				return taskError(multicastKey + " is invalid: " + m)
			}
		}
	}
	if s.NetworkFilters, ok = req.strList(filtersKey); !ok {
		return taskError(filtersKey + " is invalid")
	}
	for _, f := range s.NetworkFilters {
		if !ValidNetworkFilter(f) {
			return taskError(filtersKey + " is invalid: " + f)
		}
	}
	return nil
}

// parsePort reads a port number given as a string.
func parsePort(s string) (int, bool) {
	n, err := strconv.Atoi(s)
	return n, err == nil && n > 0 && n <= 65535 && strconv.Itoa(n) == s
}

// parseCount reads a count given as a string, at least min.
func parseCount(s string, min int) (int, bool) {
	n, err := strconv.Atoi(s)
	return n, err == nil && n >= min && n <= 1<<20 && strconv.Itoa(n) == s
}

// PortMap is a custom port forward: host ports [HostLo, HostHi] to guest
// ports [GuestLo, GuestHi] for a protocol (tcp, udp or tcp/udp).
type PortMap struct {
	Proto            string
	HostLo, HostHi   int
	GuestLo, GuestHi int
}

// ParseCustomPort reads "tcp,123", "udp,111:222", "tcp/udp,333-444" or
// "tcp,555-666:777-888".
func ParseCustomPort(s string) (PortMap, bool) {
	proto, spec, ok := strings.Cut(s, ",")
	if !ok || (proto != "tcp" && proto != "udp" && proto != "tcp/udp") {
		return PortMap{}, false
	}
	host, guest, mapped := strings.Cut(spec, ":")
	m := PortMap{Proto: proto}
	if m.HostLo, m.HostHi, ok = parsePortRange(host); !ok {
		return PortMap{}, false
	}
	m.GuestLo, m.GuestHi = m.HostLo, m.HostHi
	if mapped {
		if m.GuestLo, m.GuestHi, ok = parsePortRange(guest); !ok {
			return PortMap{}, false
		}
		if m.GuestHi-m.GuestLo != m.HostHi-m.HostLo {
			return PortMap{}, false
		}
	}
	return m, true
}

func parsePortRange(s string) (int, int, bool) {
	lo, hi, isRange := strings.Cut(s, "-")
	a, ok := parsePort(lo)
	if !ok {
		return 0, 0, false
	}
	if !isRange {
		return a, a, true
	}
	b, ok := parsePort(hi)
	return a, b, ok && a <= b
}

// validMulticast checks "230.0.0.1:5558" within 224.0.0.0-239.255.255.255.
func validMulticast(s string) bool {
	host, port, ok := strings.Cut(s, ":")
	if !ok {
		return false
	}
	if _, ok := parsePort(port); !ok {
		return false
	}
	a, err := netip.ParseAddr(host)
	return err == nil && a.Is4() && a.As4()[0] >= 224 && a.As4()[0] <= 239
}

// validIPv4 checks a dotted IPv4 address.
func validIPv4(s string) bool {
	a, err := netip.ParseAddr(s)
	return err == nil && a.Is4()
}

var filterPort = regexp.MustCompile(`^(all|\d{1,5}|\d{1,5}-\d{1,5})$`)

// ValidNetworkFilter checks a security-group rule
// "in|out,tcp|udp|icmp|all,<port>|all,<cidr>,accept|drop".
func ValidNetworkFilter(s string) bool {
	f := strings.Split(s, ",")
	if len(f) != 5 {
		return false
	}
	if f[0] != "in" && f[0] != "out" {
		return false
	}
	switch f[1] {
	case "tcp", "udp", "icmp", "all":
	default:
		return false
	}
	if !filterPort.MatchString(f[2]) {
		return false
	}
	if f[2] != "all" {
		if _, _, ok := parsePortRange(f[2]); !ok {
			return false
		}
	}
	if _, err := netip.ParsePrefix(f[3]); err != nil {
		if !validIPv4(f[3]) {
			return false
		}
	}
	return f[4] == "accept" || f[4] == "drop"
}

// hostPorts lists every host port a spec occupies on its node.
func (s *TaskSpec) hostPorts() []int {
	var ports []int
	for _, p := range []int{s.SSHPort, s.RDPPort, s.VNCPort} {
		if p != 0 {
			ports = append(ports, p)
		}
	}
	for _, c := range s.CustomPorts {
		m, _ := ParseCustomPort(c)
		for p := m.HostLo; p <= m.HostHi && p-m.HostLo < 65536; p++ {
			ports = append(ports, p)
		}
	}
	return ports
}
