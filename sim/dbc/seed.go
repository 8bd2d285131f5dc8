package dbc

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/panelsim/panelsim/scenarios"
	"github.com/panelsim/panelsim/state"
)

// DefaultClientVersion is the DBC client version the version root reports.
const DefaultClientVersion = "0.4.1.7"

// DevWallets are the Substrate development accounts a scenario may name by
// their derivation path instead of their address.
var DevWallets = map[string]string{
	"//Alice": "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY",
	"//Bob":   "5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty",
}

type seedBlock struct {
	Signatures         string            `yaml:"signatures"`
	RejectReusedNonces bool              `yaml:"reject_reused_nonces"`
	ClientVersion      string            `yaml:"client_version"`
	ImageServers       []seedImageServer `yaml:"image_servers"`
	ClientImages       []seedImage       `yaml:"client_images"`
	Nodes              []seedNode        `yaml:"nodes"`
	BareMetal          []seedController  `yaml:"bare_metal"`
}

type seedImageServer struct {
	ID     string      `yaml:"id"`
	IP     string      `yaml:"ip"`
	Port   string      `yaml:"port"`
	Images []seedImage `yaml:"images"`
}

type seedImage struct {
	Name string `yaml:"name"`
	Size string `yaml:"size"`
}

type seedRent struct {
	Status         string        `yaml:"status"`
	Renter         string        `yaml:"renter"`
	RenterMultisig *seedMultisig `yaml:"renter_multisig"`
	RentOrder      string        `yaml:"rent_order"`
	RentUntil      *time.Time    `yaml:"rent_until"`
}

type seedMultisig struct {
	Wallets   []string `yaml:"wallets"`
	Threshold int      `yaml:"threshold"`
}

type seedNode struct {
	ID      string `yaml:"id"`
	Name    string `yaml:"name"`
	Version string `yaml:"version"`
	IP      string `yaml:"ip"`
	OS      string `yaml:"os"`
	CPU     struct {
		Type         string `yaml:"type"`
		Hz           string `yaml:"hz"`
		Cores        int    `yaml:"cores"`
		PhysicalCPUs int    `yaml:"physical_cpus"`
	} `yaml:"cpu"`
	GPU struct {
		Count *int   `yaml:"count"`
		Type  string `yaml:"type"`
	} `yaml:"gpu"`
	MemGB int `yaml:"mem_gb"`
	Disk  struct {
		Type     string `yaml:"type"`
		SystemGB int    `yaml:"system_gb"`
		DataGB   int    `yaml:"data_gb"`
		Path     string `yaml:"path"`
	} `yaml:"disk"`
	seedRent  `yaml:",inline"`
	Images    []seedImage `yaml:"images"`
	DataFiles []string    `yaml:"data_files"`
	Tasks     []seedTask  `yaml:"tasks"`
}

// seedTask is a VM that exists when the world starts, owned by the node's
// renter; its parameters are tasks/start's.
type seedTask struct {
	ID       string   `yaml:"id"`
	Desc     string   `yaml:"desc"`
	Image    string   `yaml:"image_name"`
	OS       string   `yaml:"operation_system"`
	SSHPort  string   `yaml:"ssh_port"`
	RDPPort  string   `yaml:"rdp_port"`
	VNCPort  string   `yaml:"vnc_port"`
	GPUs     string   `yaml:"gpu_count"`
	CPUs     string   `yaml:"cpu_cores"`
	Mem      string   `yaml:"mem_size"`
	Disk     string   `yaml:"disk_size"`
	PublicIP string   `yaml:"public_ip"`
	Ports    []string `yaml:"custom_port"`
	Status   string   `yaml:"status"`
}

type seedController struct {
	ID       string        `yaml:"id"`
	Machines []seedMachine `yaml:"machines"`
}

type seedMachine struct {
	NodeID       string `yaml:"node_id"`
	UUID         string `yaml:"uuid"`
	IP           string `yaml:"ip"`
	OS           string `yaml:"os"`
	Desc         string `yaml:"desc"`
	IPMIHostname string `yaml:"ipmi_hostname"`
	IPMIUsername string `yaml:"ipmi_username"`
	IPMIPassword string `yaml:"ipmi_password"`
	IPMIPort     int    `yaml:"ipmi_port"`
	Power        string `yaml:"power"`
	seedRent     `yaml:",inline"`
}

var nodeIDPattern = regexp.MustCompile(`^[0-9a-f]{64}$`)

// seedState builds the panel state from the scenario block.
func seedState(sc *scenarios.Scenario) (*State, error) {
	var b seedBlock
	if err := sc.DecodeBlock(Name, &b); err != nil {
		return nil, err
	}
	st := &State{Signatures: b.Signatures, RejectReusedNonces: b.RejectReusedNonces, ClientVersion: b.ClientVersion}
	st.init()
	if st.ClientVersion == "" {
		st.ClientVersion = DefaultClientVersion
	}
	if st.Signatures != SignaturesVerify && st.Signatures != SignaturesTrust {
		return nil, sc.Errorf(Name+".signatures", "want verify or trust, got %q", b.Signatures)
	}
	if err := seedImageServers(sc, st, b.ImageServers); err != nil {
		return nil, err
	}
	imgs, err := seedImages(sc, Name+".client_images", b.ClientImages)
	if err != nil {
		return nil, err
	}
	st.ClientImages = imgs
	for i, sn := range b.Nodes {
		n, err := seedGPUNode(sc, fmt.Sprintf("%s.nodes[%d]", Name, i), sn)
		if err != nil {
			return nil, err
		}
		if st.Nodes[n.ID] != nil {
			return nil, sc.Errorf(fmt.Sprintf("%s.nodes[%d].id", Name, i), "duplicate node id %s", n.ID)
		}
		st.Nodes[n.ID] = n
	}
	for i, sc2 := range b.BareMetal {
		if err := seedBareMetal(sc, st, fmt.Sprintf("%s.bare_metal[%d]", Name, i), sc2); err != nil {
			return nil, err
		}
	}
	return st, nil
}

func seedImageServers(sc *scenarios.Scenario, st *State, list []seedImageServer) error {
	for i, s := range list {
		path := fmt.Sprintf("%s.image_servers[%d]", Name, i)
		if s.ID == "" {
			return sc.Errorf(path+".id", "an image server needs an id (e.g. ID_1)")
		}
		if st.imageServer(s.ID) != nil {
			return sc.Errorf(path+".id", "duplicate image server %s", s.ID)
		}
		imgs, err := seedImages(sc, path, s.Images)
		if err != nil {
			return err
		}
		st.ImageServers = append(st.ImageServers, &ImageServer{ID: s.ID, IP: s.IP, Port: s.Port, Images: imgs})
	}
	return nil
}

func seedImages(sc *scenarios.Scenario, path string, list []seedImage) ([]*Image, error) {
	out := []*Image{}
	for i, img := range list {
		if img.Name == "" {
			return nil, sc.Errorf(fmt.Sprintf("%s.images[%d].name", path, i), "an image needs a file name")
		}
		size, err := parseSize(img.Size)
		if err != nil {
			return nil, sc.Errorf(fmt.Sprintf("%s.images[%d].size", path, i), "%v", err)
		}
		out = append(out, &Image{Name: img.Name, Size: size})
	}
	return out, nil
}

// parseSize reads "2.1G", "700M" or a byte count; empty is 2 GiB.
func parseSize(s string) (int64, error) {
	if s == "" {
		return 2 << 30, nil
	}
	mult := float64(1)
	switch {
	case strings.HasSuffix(s, "G"):
		mult, s = 1<<30, strings.TrimSuffix(s, "G")
	case strings.HasSuffix(s, "M"):
		mult, s = 1<<20, strings.TrimSuffix(s, "M")
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f <= 0 {
		return 0, fmt.Errorf("size %q is not like 2.1G, 700M or a byte count", s)
	}
	return int64(f * mult), nil
}

func seedGPUNode(sc *scenarios.Scenario, path string, s seedNode) (*Node, error) {
	if !nodeIDPattern.MatchString(s.ID) {
		return nil, sc.Errorf(path+".id", "a node id is 64 lower-case hex digits, got %q", s.ID)
	}
	n := &Node{
		ID: s.ID, Name: orDefault(s.Name, "dbc-node-"+s.ID[:8]), Version: orDefault(s.Version, DefaultClientVersion),
		IP: orDefault(s.IP, "115.231.234.34"), OS: orDefault(s.OS, "Ubuntu 20.04.3 LTS"),
		CPUType: orDefault(s.CPU.Type, "Intel(R) Xeon(R) Gold 6248R CPU @ 3.00GHz"), CPUHz: orDefault(s.CPU.Hz, "3000.000"),
		CPUCores: orInt(s.CPU.Cores, 96), PhysicalCPUs: orInt(s.CPU.PhysicalCPUs, 2),
		GPUs: 8, GPUType: orDefault(s.GPU.Type, "GeForce RTX 3090"), MemGB: orInt(s.MemGB, 512),
		DiskType: orDefault(s.Disk.Type, "SSD"), DiskSystemGB: orInt(s.Disk.SystemGB, systemDiskGB),
		DiskDataGB: orInt(s.Disk.DataGB, 4000), DataPath: orDefault(s.Disk.Path, "/data"),
		DataFiles: s.DataFiles, Tasks: map[string]*Task{}, Networks: map[string]*Network{},
		Transfers: map[string]*Transfer{}, Sessions: map[string]string{},
	}
	if s.GPU.Count != nil {
		n.GPUs = *s.GPU.Count
	}
	if n.GPUs < 0 || s.CPU.Cores < 0 || s.MemGB < 0 || s.Disk.DataGB < 0 {
		return nil, sc.Errorf(path, "hardware sizes must not be negative")
	}
	if s.Disk.Type != "" && s.Disk.Type != "SSD" && s.Disk.Type != "HDD" {
		return nil, sc.Errorf(path+".disk.type", "want SSD or HDD, got %q", s.Disk.Type)
	}
	r, err := seedRentState(sc, path, s.seedRent)
	if err != nil {
		return nil, err
	}
	n.Status, n.Renter, n.RenterSigners, n.RentOrder, n.RentUntil = r.status, r.renter, r.signers, r.rentOrder, r.until
	if s.Images == nil {
		s.Images = []seedImage{{Name: "ubuntu.qcow2", Size: "2.1G"}}
	}
	if n.Images, err = seedImages(sc, path, s.Images); err != nil {
		return nil, err
	}
	return n, nil
}

type rentSeed struct {
	status, renter, rentOrder string
	signers                   []string
	until                     *time.Time
}

// seedRentState checks a node's rent state: online nodes have no renter,
// rented ones need one (a wallet, a dev path such as //Alice, or a
// multisig account given by its signers and threshold).
func seedRentState(sc *scenarios.Scenario, path string, s seedRent) (rentSeed, error) {
	r := rentSeed{status: orDefault(s.Status, NodeRented), rentOrder: s.RentOrder, until: s.RentUntil}
	switch r.status {
	case NodeOnline, NodeVerify:
		if s.Renter != "" || s.RenterMultisig != nil {
			return r, sc.Errorf(path+".renter", "a %s node has no renter", r.status)
		}
		return r, nil
	case NodeRented:
	default:
		return r, sc.Errorf(path+".status", "want online, rented or verify, got %q", s.Status)
	}
	if s.RenterMultisig != nil {
		return seedMultisigRenter(sc, path, s, r)
	}
	w, err := wallet(s.Renter)
	if err != nil {
		return r, sc.Errorf(path+".renter", "%v", err)
	}
	r.renter = w
	if r.rentOrder == "" {
		r.rentOrder = "1"
	}
	return r, nil
}

func seedMultisigRenter(sc *scenarios.Scenario, path string, s seedRent, r rentSeed) (rentSeed, error) {
	if s.Renter != "" {
		return r, sc.Errorf(path+".renter", "give renter or renter_multisig, not both")
	}
	m := s.RenterMultisig
	for i, w := range m.Wallets {
		addr, err := wallet(w)
		if err != nil {
			return r, sc.Errorf(fmt.Sprintf("%s.renter_multisig.wallets[%d]", path, i), "%v", err)
		}
		r.signers = append(r.signers, addr)
	}
	if m.Threshold < 1 || m.Threshold > len(m.Wallets) {
		return r, sc.Errorf(path+".renter_multisig.threshold", "want 1..%d, got %d", len(m.Wallets), m.Threshold)
	}
	acct, err := MultisigAccount(r.signers, uint16(m.Threshold))
	if err != nil {
		return r, sc.Errorf(path+".renter_multisig", "%v", err)
	}
	r.renter = acct
	if r.rentOrder == "" {
		r.rentOrder = "1"
	}
	return r, nil
}

// wallet resolves a dev path or checks an SS58 address.
func wallet(s string) (string, error) {
	if s == "" {
		return "", fmt.Errorf("a rented node needs a renter wallet (an SS58 address or //Alice, //Bob)")
	}
	if addr, ok := DevWallets[s]; ok {
		return addr, nil
	}
	if _, err := SS58Decode(s); err != nil {
		return "", fmt.Errorf("renter %q is not an SS58 address: %v", s, err)
	}
	return s, nil
}

func seedBareMetal(sc *scenarios.Scenario, st *State, path string, c seedController) error {
	if !nodeIDPattern.MatchString(c.ID) {
		return sc.Errorf(path+".id", "a node id is 64 lower-case hex digits, got %q", c.ID)
	}
	if st.Controllers[c.ID] != nil {
		return sc.Errorf(path+".id", "duplicate bare-metal node %s", c.ID)
	}
	ctl := &Controller{ID: c.ID, Machines: []string{}}
	for i, m := range c.Machines {
		mp := fmt.Sprintf("%s.machines[%d]", path, i)
		if !nodeIDPattern.MatchString(m.NodeID) {
			return sc.Errorf(mp+".node_id", "a node id is 64 lower-case hex digits, got %q", m.NodeID)
		}
		if st.Machines[m.NodeID] != nil || st.Nodes[m.NodeID] != nil {
			return sc.Errorf(mp+".node_id", "node id %s is used twice", m.NodeID)
		}
		r, err := seedRentState(sc, mp, m.seedRent)
		if err != nil {
			return err
		}
		power := orDefault(m.Power, "on")
		if power != "on" && power != "off" {
			return sc.Errorf(mp+".power", "want on or off, got %q", m.Power)
		}
		st.Machines[m.NodeID] = &Machine{
			NodeID: m.NodeID, Controller: c.ID, UUID: orDefault(m.UUID, m.NodeID[:8]+"-0000-4000-8000-000000000000"),
			IP: m.IP, OS: m.OS, Desc: m.Desc, IPMIHost: m.IPMIHostname, IPMIUser: m.IPMIUsername,
			IPMIPassword: m.IPMIPassword, IPMIPort: orInt(m.IPMIPort, 623), Status: r.status, Renter: r.renter,
			RentOrder: r.rentOrder, RentUntil: r.until, Power: power, BootDev: "disk", Sessions: map[string]string{},
		}
		ctl.Machines = append(ctl.Machines, m.NodeID)
	}
	st.Controllers[c.ID] = ctl
	return nil
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func orInt(n, def int) int {
	if n == 0 {
		return def
	}
	return n
}

// seed stores the scenario's state in the world, then defines the seeded
// VMs (which need the world's generator for ids and passwords).
func seed(tx *state.Tx, sc *scenarios.Scenario) error {
	st, err := seedState(sc)
	if err != nil {
		return err
	}
	tx.SetState(Name, st)
	var b seedBlock
	if err := sc.DecodeBlock(Name, &b); err != nil {
		return err
	}
	for i, sn := range b.Nodes {
		for j, task := range sn.Tasks {
			path := fmt.Sprintf("%s.nodes[%d].tasks[%d]", Name, i, j)
			if err := seedTaskInto(tx, sc, st.Nodes[sn.ID], path, task); err != nil {
				return err
			}
		}
	}
	return nil
}

// seedTaskInto checks a seeded VM with the node's own create checks and
// defines it running or closed.
func seedTaskInto(tx *state.Tx, sc *scenarios.Scenario, n *Node, path string, s seedTask) error {
	if n.Status != NodeRented {
		return sc.Errorf(path, "VMs need a rented node (they belong to its renter)")
	}
	status := orDefault(s.Status, StatusRunning)
	if status != StatusRunning && status != StatusClosed {
		return sc.Errorf(path+".status", "want running or closed, got %q", s.Status)
	}
	if s.ID != "" && (len(s.ID) < 20 || len(s.ID) > 64 || !isAlnum(s.ID) || n.Tasks[s.ID] != nil) {
		return sc.Errorf(path+".id", "a task id is 20-64 letters or digits, unique on the node")
	}
	f := CreateFields{Image: orDefault(s.Image, "ubuntu.qcow2"), Desc: s.Desc, OS: s.OS, SSH: s.SSHPort, RDP: s.RDPPort,
		VNC: s.VNCPort, GPUs: s.GPUs, CPUs: s.CPUs, Mem: s.Mem, Disk: s.Disk, PublicIP: s.PublicIP, CustomPorts: s.Ports}
	spec, err := n.PlanCreate(f, n.Renter)
	if err != nil {
		return sc.Errorf(path, "%s", err.Msg)
	}
	t := n.newTask(tx, spec, Caller{Wallet: n.Renter}, "")
	if s.ID != "" {
		t.ID = s.ID
	}
	t.Status = status
	t.bootLog(tx, n)
	n.Tasks[t.ID] = t
	return nil
}

func isAlnum(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			return false
		}
	}
	return true
}
