package dbc

import (
	"encoding/json"
	"maps"
	"slices"
	"strconv"

	"github.com/panelsim/panelsim/state"
)

func itoa(n int) string { return strconv.Itoa(n) }

// enterController finds a bare-metal node. A request without credentials
// is accepted, as the seed's list/add/delete examples send none; one with
// credentials must be signed as that node (wallet = the node id), as the
// newer DBC-Wiki page has it. The node's own key is not an sr25519 wallet,
// so only its presence is checked.
func (st *State) enterController(req *Request, what string) (*Controller, *Error) {
	ctl := st.Controllers[req.Node()]
	if ctl == nil {
		return nil, timeoutError(what)
	}
	if req.anyCredentials() && (req.Wallet != ctl.ID || req.Nonce == "" || req.Sign == "") {
		return nil, authorityError("nonce check failed")
	}
	return ctl, nil
}

// MachineInfo is a bare-metal server as the bare_metal listing shows it.
// BootDev is panelsim's addition (the real record keeps no boot device; see
// doc.go): it is named after the bare_metal/bootdev route that sets it.
type MachineInfo struct {
	NodeID       string `json:"node_id"`
	UUID         string `json:"uuid"`
	IP           string `json:"ip"`
	OS           string `json:"os"`
	Desc         string `json:"desc"`
	IPMIHostname string `json:"ipmi_hostname"`
	IPMIUsername string `json:"ipmi_username"`
	IPMIPort     int    `json:"ipmi_port"`
	BootDev      string `json:"bootdev"`
}

// ListMachines lists the servers of a bare-metal node.
func (st *State) ListMachines(req *Request) (map[string][]MachineInfo, *Error) {
	ctl, err := st.enterController(req, "list bare metal")
	if err != nil {
		return nil, err
	}
	out := []MachineInfo{}
	for _, id := range ctl.Machines {
		m := st.Machines[id]
		out = append(out, MachineInfo{m.NodeID, m.UUID, m.IP, m.OS, m.Desc, m.IPMIHost, m.IPMIUser, m.IPMIPort, m.BootDev})
	}
	return map[string][]MachineInfo{"bare_metal_nodes": out}, nil
}

// NewMachine is one server of bare_metal/add.
type NewMachine struct {
	UUID         string `json:"uuid"`
	IP           string `json:"ip"`
	OS           string `json:"os"`
	Desc         string `json:"desc"`
	IPMIHostname string `json:"ipmi_hostname"`
	IPMIUsername string `json:"ipmi_username"`
	IPMIPassword string `json:"ipmi_password"`
	IPMIPort     *int   `json:"ipmi_port"`
}

// ParseMachines reads bare_metal/add's bare_metal_nodes list, with its
// required fields.
func ParseMachines(req *Request) ([]NewMachine, *Error) {
	raw, ok := req.Additional["bare_metal_nodes"]
	var list []NewMachine
	if !ok || jsonKind(raw) != '[' || json.Unmarshal(raw, &list) != nil || len(list) == 0 {
		return nil, taskError("bare_metal_nodes is invalid")
	}
	seen := map[string]bool{}
	for i, m := range list {
		switch {
		case m.UUID == "":
			return nil, taskError("bare_metal_nodes[" + itoa(i) + "] uuid is empty")
		case m.IP == "":
			return nil, taskError("bare_metal_nodes[" + itoa(i) + "] ip is empty")
		case m.IPMIHostname == "":
			return nil, taskError("bare_metal_nodes[" + itoa(i) + "] ipmi_hostname is empty")
		case m.IPMIUsername == "":
			return nil, taskError("bare_metal_nodes[" + itoa(i) + "] ipmi_username is empty")
		case m.IPMIPassword == "":
			return nil, taskError("bare_metal_nodes[" + itoa(i) + "] ipmi_password is empty")
		case m.IPMIPort != nil && (*m.IPMIPort <= 0 || *m.IPMIPort > 65535):
			return nil, taskError("bare_metal_nodes[" + itoa(i) + "] ipmi_port is invalid")
		case seen[m.UUID]:
			return nil, taskError("uuid " + m.UUID + " is repeated")
		}
		seen[m.UUID] = true
	}
	return list, nil
}

// AddedMachine is an entry of bare_metal/add's answer.
type AddedMachine struct {
	NodeID string `json:"node_id"`
	UUID   string `json:"uuid"`
}

// AddMachines puts servers online under the bare-metal node, each with a
// new node id; they start unrented and powered off.
func (st *State) AddMachines(tx *state.Tx, req *Request) (map[string][]AddedMachine, *Error) {
	ctl, err := st.enterController(req, "add bare metal")
	if err != nil {
		return nil, err
	}
	list, err := ParseMachines(req)
	if err != nil {
		return nil, err
	}
	for _, m := range list {
		for _, id := range slices.Sorted(maps.Keys(st.Machines)) {
			if st.Machines[id].UUID == m.UUID {
				return nil, taskError("uuid " + m.UUID + " already exists")
			}
		}
	}
	out := []AddedMachine{}
	for _, m := range list {
		port := 623
		if m.IPMIPort != nil {
			port = *m.IPMIPort
		}
		id := randomHex(tx, 64)
		st.Machines[id] = &Machine{
			NodeID: id, Controller: ctl.ID, UUID: m.UUID, IP: m.IP, OS: m.OS, Desc: m.Desc,
			IPMIHost: m.IPMIHostname, IPMIUser: m.IPMIUsername, IPMIPassword: m.IPMIPassword, IPMIPort: port,
			Status: NodeOnline, Power: "off", BootDev: "disk",
		}
		ctl.Machines = append(ctl.Machines, id)
		out = append(out, AddedMachine{id, m.UUID})
	}
	return map[string][]AddedMachine{"bare_metal_nodes": out}, nil
}

// DeleteMachines takes servers offline.
func (st *State) DeleteMachines(req *Request) *Error {
	ctl, err := st.enterController(req, "delete bare metal")
	if err != nil {
		return err
	}
	ids, ok := req.strList("bare_metal_node_ids")
	if !ok || len(ids) == 0 {
		return taskError("bare_metal_node_ids is invalid")
	}
	for _, id := range ids {
		if !contains(ctl.Machines, id) {
			return taskError("node_id " + id + " not exist")
		}
	}
	for _, id := range ids {
		delete(st.Machines, id)
		for i, x := range ctl.Machines {
			if x == id {
				ctl.Machines = append(ctl.Machines[:i], ctl.Machines[i+1:]...)
				break
			}
		}
	}
	return nil
}

// ModifyMachine changes a server's connection and IPMI details (only the
// fields given); the URL names the server, the body's node the bare-metal
// node that owns it.
func (st *State) ModifyMachine(req *Request, id string) *Error {
	ctl, err := st.enterController(req, "modify bare metal")
	if err != nil {
		return err
	}
	if !contains(ctl.Machines, id) {
		return taskError("node_id " + id + " not exist")
	}
	m := st.Machines[id]
	var port *int
	if raw, ok := req.Additional["ipmi_port"]; ok {
		var p int
		if json.Unmarshal(raw, &p) != nil || p <= 0 || p > 65535 {
			return taskError("ipmi_port is invalid")
		}
		port = &p
	}
	if uuid := req.loose("uuid"); uuid != "" && uuid != m.UUID {
		for _, other := range slices.Sorted(maps.Keys(st.Machines)) {
			if st.Machines[other].UUID == uuid {
				return taskError("uuid " + uuid + " already exists")
			}
		}
		m.UUID = uuid
	}
	for _, f := range []struct {
		key string
		dst *string
	}{{"ip", &m.IP}, {"os", &m.OS}, {"desc", &m.Desc}, {"ipmi_hostname", &m.IPMIHost},
		{"ipmi_username", &m.IPMIUser}, {"ipmi_password", &m.IPMIPassword}} {
		if v := req.loose(f.key); v != "" {
			*f.dst = v
		}
	}
	if port != nil {
		m.IPMIPort = *port
	}
	return nil
}

// enterMachine finds a bare-metal server and authorises its renter.
func (st *State) enterMachine(tx *state.Tx, req *Request, what string) (*Machine, *Error) {
	m := st.Machines[req.Node()]
	if m == nil {
		if st.Nodes[req.Node()] != nil {
			return nil, taskError("node is not a bare metal node")
		}
		return nil, timeoutError(what)
	}
	if _, err := st.authorize(tx, m.rent(), req); err != nil {
		return nil, err
	}
	return m, nil
}

// powerStep ends a bare-metal power change.
type powerStep struct {
	Node  string `json:"node"`
	Power string `json:"power"`
	Gen   int    `json:"gen"`
}

const stepPower = "dbc.power"

// Power runs an IPMI power command: status answers the chassis state;
// on, off and reset answer "ok" and take dbc.bare_metal_power to happen.
func (st *State) Power(tx *state.Tx, req *Request) (string, *Error) {
	m, err := st.enterMachine(tx, req, "power control")
	if err != nil {
		return "", err
	}
	cmd, ok := req.str("command")
	if !ok || (cmd != "on" && cmd != "off" && cmd != "reset" && cmd != "status") {
		return "", taskError("command is invalid")
	}
	if cmd == "status" {
		return "Chassis Power is " + m.Power, nil
	}
	target := cmd
	if cmd == "reset" {
		if m.Power != "on" {
			return "", taskError("power is off, can not reset")
		}
		target = "on"
	}
	m.Gen++
	tx.Note("dbc: bare metal %s power %s", m.NodeID, cmd)
	if e := tx.After(tx.Timing("dbc.bare_metal_power"), stepPower, powerStep{m.NodeID, target, m.Gen}); e != nil {
		return "", &Error{Status: statusInternal, Code: CodeMisc, Msg: e.Error()}
	}
	return "ok", nil
}

func runPowerStep(tx *state.Tx, a powerStep) error {
	if m := stateOf(tx).Machines[a.Node]; m != nil && m.Gen == a.Gen {
		m.Power = a.Power
		tx.CoverTask(Name, powerTask, a.Power)
	}
	return nil
}

// BootDev sets the next boot device of a bare-metal server.
func (st *State) BootDev(tx *state.Tx, req *Request) *Error {
	m, err := st.enterMachine(tx, req, "set bootdev")
	if err != nil {
		return err
	}
	dev, ok := req.str("device")
	if !ok || (dev != "pxe" && dev != "disk" && dev != "cdrom" && dev != "bios") {
		return taskError("device is invalid")
	}
	m.BootDev = dev
	return nil
}
