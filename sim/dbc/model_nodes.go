package dbc

import (
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/panelsim/panelsim/state"
)

// MiningNodes lists every GPU node the client knows (no node addressed),
// sorted by id, in the client's hand-built JSON (reply_node_list: a space
// before "message" and none inside the entries).
func (st *State) MiningNodes() RawBody {
	items := make([]string, 0, len(st.Nodes))
	for _, id := range slices.Sorted(maps.Keys(st.Nodes)) {
		n := st.Nodes[id]
		items = append(items, `{"node_id":`+jsonString(n.ID)+`,"name":`+jsonString(n.Name)+`,"version":`+jsonString(n.Version)+`}`)
	}
	return RawBody(`{"errcode":0, "message":{"mining_nodes":[` + strings.Join(items, ",") + `]}}`)
}

// NodeInfo is a GPU node's hardware as /mining_nodes reports it; every
// value is a string, as the node sends them.
type NodeInfo struct {
	Version    string       `json:"version"`
	NodeType   string       `json:"node_type"`
	IP         string       `json:"ip"`
	OS         string       `json:"os"`
	CPU        CPUInfo      `json:"cpu"`
	GPU        GPUInfo      `json:"gpu"`
	Mem        MemInfo      `json:"mem"`
	DiskSystem DiskSysInfo  `json:"disk_system"`
	DiskData   []DiskData   `json:"disk_data"`
	Images     []ImageEntry `json:"images"`
}

// CPUInfo is the cpu block of NodeInfo.
type CPUInfo struct {
	Type         string `json:"type"`
	Hz           string `json:"hz"`
	Cores        string `json:"cores"`
	UsedUsage    string `json:"used_usage"`
	PhysicalCPUs string `json:"physical_cpus"`
}

// GPUInfo is the gpu block of NodeInfo.
type GPUInfo struct {
	GPUCount string `json:"gpu_count"`
	GPUUsed  string `json:"gpu_used"`
}

// MemInfo is the mem block of NodeInfo.
type MemInfo struct {
	Size      string `json:"size"`
	Free      string `json:"free"`
	UsedUsage string `json:"used_usage"`
}

// DiskSysInfo is the system disk of NodeInfo.
type DiskSysInfo struct {
	Type string `json:"type"`
	Size string `json:"size"`
}

// DiskData is a data disk of NodeInfo.
type DiskData struct {
	Path      string `json:"path"`
	Type      string `json:"type"`
	Size      string `json:"size"`
	Free      string `json:"free"`
	UsedUsage string `json:"used_usage"`
}

// ImageEntry is an image with the correct key (node info, image centres).
type ImageEntry struct {
	ImageName string `json:"image_name"`
	ImageSize string `json:"image_size"`
}

// NodeImageEntry is an image of a node's /images listing, whose key the
// real node spells "image_name:" (colon inside the key).
type NodeImageEntry struct {
	ImageName string `json:"image_name:"`
	ImageSize string `json:"image_size"`
}

// MiningNode answers /mining_nodes for one node (no authority needed);
// image_server, when given, must be one the client knows.
func (st *State) MiningNode(req *Request) (*NodeInfo, *Error) {
	// The client reads image_server leniently (a non-string is none).
	server := req.loose("image_server")
	if server != "" && st.imageServer(server) == nil {
		return nil, clientError("image_server not exist")
	}
	n := st.Nodes[req.Node()]
	if n == nil {
		if st.Machines[req.Node()] != nil || st.Controllers[req.Node()] != nil {
			return nil, nodeDefault(msgBareMetal)
		}
		return nil, timeoutError("query node info")
	}
	return n.info(), nil
}

func (n *Node) info() *NodeInfo {
	usedCPUs, usedMem := n.runningUse("")
	usedGPUs := n.GPUs - n.freeGPUs("")
	data := n.DiskDataGB - n.freeData()
	i := &NodeInfo{
		Version: n.Version, NodeType: "compute_node", IP: maskIP(n.IP), OS: n.OS,
		CPU:        CPUInfo{n.CPUType, n.CPUHz, strconv.Itoa(n.CPUCores), percent(usedCPUs, n.CPUCores), strconv.Itoa(n.PhysicalCPUs)},
		GPU:        GPUInfo{strconv.Itoa(n.GPUs), strconv.Itoa(usedGPUs)},
		Mem:        MemInfo{gb(n.MemGB), gb(max(n.MemGB-usedMem, 0)), percent(usedMem, n.MemGB)},
		DiskSystem: DiskSysInfo{n.DiskType, gb(n.DiskSystemGB)},
		DiskData:   []DiskData{{n.DataPath, n.DiskType, gb(n.DiskDataGB), gb(max(n.DiskDataGB-data, 0)), percent(data, n.DiskDataGB)}},
		Images:     []ImageEntry{},
	}
	for _, img := range n.Images {
		i.Images = append(i.Images, ImageEntry{img.Name, humanSize(img.Size)})
	}
	return i
}

// maskIP hides the last two octets the way the node does in node info.
func maskIP(ip string) string {
	parts := strings.Split(ip, ".")
	if len(parts) != 4 {
		return ip
	}
	return parts[0] + "." + parts[1] + ".*.*"
}

// SessionID hands the renting wallet its stable session id. Only a wallet
// or multisig signature may ask: a session id gets the bare "check
// authority failed".
func (st *State) SessionID(tx *state.Tx, req *Request) (map[string]string, *Error) {
	id := req.Node()
	var r rentable
	switch {
	case st.Nodes[id] != nil:
		r = st.Nodes[id].rent()
	case st.Machines[id] != nil:
		r = st.Machines[id].rent()
	default:
		return nil, timeoutError("get session_id")
	}
	if !req.walletSignValid() && !req.multisigValid() {
		tx.CoverAuth(Name, authMissing)
		return nil, authorityError("")
	}
	probe := *req
	probe.SessionID, probe.SessionIDSign = "", ""
	c, err := st.authorize(tx, r, &probe)
	if err != nil {
		return nil, err
	}
	return map[string]string{"session_id": (*r.sessions)[c.Wallet]}, nil
}

// FreeMemory drops the node's page cache; it only needs authority.
func (st *State) FreeMemory(tx *state.Tx, req *Request) *Error {
	_, _, err := st.enterNode(tx, req, "free memory")
	return err
}

// NodeView is a node as the inspection hook shows it: rent state, the
// session ids handed out and the VMs with their owners.
type NodeView struct {
	ID        string            `json:"id"`
	Kind      string            `json:"kind"`
	Status    string            `json:"status"`
	Renter    string            `json:"renter,omitempty"`
	RentOrder string            `json:"rent_order,omitempty"`
	Sessions  map[string]string `json:"sessions"`
	Tasks     []TaskView        `json:"tasks,omitempty"`
	Power     string            `json:"power,omitempty"`
	BootDev   string            `json:"bootdev,omitempty"`
}

// TaskView is a VM in the inspection hook.
type TaskView struct {
	TaskID string `json:"task_id"`
	Wallet string `json:"wallet"`
	Status string `json:"status"`
	GPUs   int    `json:"gpu_count"`
	CPUs   int    `json:"cpu_cores"`
	MemGB  int    `json:"mem_gb"`
}

// Inspect lists every GPU node and bare-metal machine, sorted by id, for
// GET /_panelsim/dbc/nodes.
func Inspect(tx *state.Tx) []NodeView {
	st := stateOf(tx)
	out := []NodeView{}
	for _, id := range slices.Sorted(maps.Keys(st.Nodes)) {
		n := st.Nodes[id]
		v := NodeView{ID: id, Kind: "gpu", Status: n.Status, Renter: n.Renter, RentOrder: n.RentOrder, Sessions: copyMap(n.Sessions)}
		for _, t := range n.sortedTasks() {
			v.Tasks = append(v.Tasks, TaskView{t.ID, t.Wallet, t.Status, t.Spec.GPUs, t.Spec.CPUs, t.Spec.MemGB})
		}
		out = append(out, v)
	}
	for _, id := range slices.Sorted(maps.Keys(st.Machines)) {
		m := st.Machines[id]
		out = append(out, NodeView{ID: id, Kind: "bare_metal", Status: m.Status, Renter: m.Renter, RentOrder: m.RentOrder,
			Sessions: copyMap(m.Sessions), Power: m.Power, BootDev: m.BootDev})
	}
	return out
}

func copyMap(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}
