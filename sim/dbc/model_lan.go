package dbc

import (
	"maps"
	"net/netip"
	"regexp"
	"slices"

	"github.com/panelsim/panelsim/state"
)

var lanName = regexp.MustCompile(`^[A-Za-z0-9]{6,10}$`)

// ParseLAN checks lan/create's network_name (6-10 letters or digits) and
// ip_cidr (an IPv4 network in CIDR form, prefix 8-30).
func ParseLAN(req *Request) (string, netip.Prefix, *Error) {
	name, ok := req.str("network_name")
	if !ok || !lanName.MatchString(name) {
		return "", netip.Prefix{}, taskError("network name must be 6-10 letters or digits")
	}
	cidr, ok := req.str("ip_cidr")
	if !ok {
		return "", netip.Prefix{}, taskError("ip_cidr is invalid")
	}
	p, err := netip.ParsePrefix(cidr)
	if err != nil || !p.Addr().Is4() || p.Bits() < 8 || p.Bits() > 30 || p.Masked() != p {
		return "", netip.Prefix{}, taskError("ip_cidr is invalid")
	}
	return name, p, nil
}

// CreateLAN creates a VM network on the node for the caller.
func (st *State) CreateLAN(tx *state.Tx, req *Request) *Error {
	n, c, err := st.enterNode(tx, req, "create local area network")
	if err != nil {
		return err
	}
	name, cidr, err := ParseLAN(req)
	if err != nil {
		return err
	}
	if n.Networks[name] != nil {
		return taskError("network name already exists")
	}
	for _, id := range slices.Sorted(maps.Keys(n.Networks)) {
		other, _ := netip.ParsePrefix(n.Networks[id].CIDR)
		if other.Overlaps(cidr) {
			return taskError("ip_cidr overlaps network " + id)
		}
	}
	if n.Networks == nil {
		n.Networks = map[string]*Network{}
	}
	vni := 1000 + len(n.Networks) + int(tx.NextID("dbc.vni"))
	n.Networks[name] = &Network{Name: name, CIDR: cidr.String(), Owner: c.Wallet, VNI: vni, Bridge: "br" + name}
	tx.Note("dbc: lan %s %s created on %s", name, cidr, n.ID)
	return n.useLAN(tx, name)
}

// timingLANIdle is how long a network may go without a VM before the node
// deletes it (VxlanManager::ClearEmptyNetwork: three days).
const timingLANIdle = "dbc.lan_idle"

// stepLANIdle checks whether a network has stayed unused for dbc.lan_idle.
const stepLANIdle = "dbc.lan_idle"

type lanIdleStep struct {
	Node string `json:"node"`
	Name string `json:"name"`
}

// useLAN records that a VM joined or left a network (or that it was
// created) and, when no VM uses it, schedules the idle check.
func (n *Node) useLAN(tx *state.Tx, name string) *Error {
	net := n.Networks[name]
	if net == nil {
		return nil
	}
	net.LastUse = tx.Now()
	if n.lanMembers(name) > 0 {
		return nil
	}
	if err := tx.After(tx.Timing(timingLANIdle), stepLANIdle, lanIdleStep{n.ID, name}); err != nil {
		return &Error{Status: statusInternal, Code: CodeMisc, Msg: err.Error()}
	}
	return nil
}

// lanMembers counts the VMs on a network.
func (n *Node) lanMembers(name string) int {
	count := 0
	for _, t := range n.Tasks {
		if t.Spec.NetworkName == name {
			count++
		}
	}
	return count
}

// runLANIdleStep deletes a network that no VM has used for dbc.lan_idle;
// one used since is kept (its own check comes later).
func runLANIdleStep(tx *state.Tx, a lanIdleStep) error {
	n := stateOf(tx).Nodes[a.Node]
	if n == nil {
		return nil
	}
	net := n.Networks[a.Name]
	if net == nil || n.lanMembers(a.Name) > 0 || tx.Now().Sub(net.LastUse) < tx.Timing(timingLANIdle) {
		return nil
	}
	delete(n.Networks, a.Name)
	tx.Note("dbc: lan %s on %s unused since %s, deleted", a.Name, n.ID, net.LastUse.Format(timeFormat))
	return nil
}

// DeleteLAN removes a network no VM uses.
func (st *State) DeleteLAN(tx *state.Tx, req *Request, name string) *Error {
	n, c, err := st.enterNode(tx, req, "delete local area network")
	if err != nil {
		return err
	}
	net := n.Networks[name]
	if net == nil || net.Owner != c.Wallet {
		return taskError("network not exist")
	}
	for _, id := range slices.Sorted(maps.Keys(n.Tasks)) {
		if n.Tasks[id].Spec.NetworkName == name {
			return taskError("network is in use by task " + id)
		}
	}
	delete(n.Networks, name)
	return nil
}

// LANInfo is an entry of the /lan listing.
type LANInfo struct {
	NetworkName string   `json:"network_name"`
	IPCIDR      string   `json:"ip_cidr"`
	BridgeName  string   `json:"bridge_name"`
	VxlanVNI    string   `json:"vxlan_vni"`
	Tasks       []string `json:"tasks"`
}

// ListLANs lists the caller's networks on the node.
func (st *State) ListLANs(tx *state.Tx, req *Request) ([]LANInfo, *Error) {
	n, c, err := st.enterNode(tx, req, "list local area network")
	if err != nil {
		return nil, err
	}
	out := []LANInfo{}
	for _, name := range slices.Sorted(maps.Keys(n.Networks)) {
		net := n.Networks[name]
		if net.Owner != c.Wallet {
			continue
		}
		info := LANInfo{net.Name, net.CIDR, net.Bridge, itoa(net.VNI), []string{}}
		for _, t := range n.sortedTasks() {
			if t.Spec.NetworkName == name {
				info.Tasks = append(info.Tasks, t.ID)
			}
		}
		out = append(out, info)
	}
	return out, nil
}
