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
