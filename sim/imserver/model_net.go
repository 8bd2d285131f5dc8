package imserver

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/netip"
	"slices"
	"strings"
	"unicode/utf8"
)

// Network is a private network of an account.
type Network struct {
	ID      int64  `json:"id"`
	Owner   string `json:"owner"`
	Name    string `json:"name"`
	Subnet  string `json:"subnet"`
	VLAN    int    `json:"vlan"`
	Created string `json:"created"`
}

// Iface is a network interface of a server: the public one (Network 0)
// every server has, or one attached to a private network.
type Iface struct {
	ID      int64  `json:"id"`
	Server  int64  `json:"server"`
	Name    string `json:"name"`
	Network int64  `json:"network"`
	MAC     string `json:"mac"`
	IP      string `json:"ip"`
}

// NetworkView is an entry of get_networks.
type NetworkView struct {
	ID         int64  `json:"id"`
	Name       string `json:"name"`
	Subnet     string `json:"subnet"`
	VLAN       int    `json:"vlan"`
	Interfaces int    `json:"interfaces"`
	Created    string `json:"created"`
}

// Networks lists the account's private networks.
func (m *model) Networks() []NetworkView {
	out := []NetworkView{}
	for _, id := range slices.Sorted(maps.Keys(m.st.Networks)) {
		n := m.st.Networks[id]
		if n.Owner != m.login {
			continue
		}
		out = append(out, NetworkView{ID: n.ID, Name: n.Name, Subnet: n.Subnet, VLAN: n.VLAN,
			Interfaces: m.ifaceCount(n.ID), Created: n.Created})
	}
	return out
}

func (m *model) ifaceCount(network int64) int {
	k := 0
	for _, i := range m.st.Ifaces {
		if i.Network == network {
			k++
		}
	}
	return k
}

func (m *model) network(id int64) (*Network, error) {
	n := m.st.Networks[id]
	if n == nil || n.Owner != m.login {
		return nil, fail(CodeNotFound, "no network %d on the account", id)
	}
	return n, nil
}

// AddNetwork creates a private network; an empty subnet picks the first
// free 10.0.N.0/24.
func (m *model) AddNetwork(name, subnet string) (int64, error) {
	name = strings.TrimSpace(name)
	if name == "" || utf8.RuneCountInString(name) > maxNameLen {
		return 0, fail(CodeBadValue, "name must be 1..%d characters", maxNameLen)
	}
	var pfx netip.Prefix
	if subnet == "" {
		pfx = m.freeSubnet()
	} else {
		var err error
		if pfx, err = parsePrivateSubnet(subnet); err != nil {
			return 0, err
		}
	}
	for _, n := range m.st.Networks {
		if n.Owner != m.login {
			continue
		}
		if n.Name == name {
			return 0, fail(CodeExists, "a network named %q exists (id %d)", name, n.ID)
		}
		if netip.MustParsePrefix(n.Subnet).Overlaps(pfx) {
			return 0, fail(CodeExists, "subnet %s overlaps network %d (%s)", pfx, n.ID, n.Subnet)
		}
	}
	id := m.tx.NextID("imserver.network")
	m.st.Networks[id] = &Network{ID: id, Owner: m.login, Name: name, Subnet: pfx.String(), VLAN: 1000 + int(id),
		Created: fmtTime(m.now())}
	return id, nil
}

// parsePrivateSubnet accepts an RFC 1918 IPv4 prefix of /16../29.
func parsePrivateSubnet(s string) (netip.Prefix, error) {
	pfx, err := netip.ParsePrefix(strings.TrimSpace(s))
	if err != nil || !pfx.Addr().Is4() {
		return netip.Prefix{}, fail(CodeBadValue, "subnet %q is not an IPv4 CIDR such as 10.0.5.0/24", s)
	}
	if !pfx.Addr().IsPrivate() {
		return netip.Prefix{}, fail(CodeBadValue, "subnet %s is not private (RFC 1918)", pfx)
	}
	if pfx.Bits() < 16 || pfx.Bits() > 29 {
		return netip.Prefix{}, fail(CodeBadValue, "subnet %s must be /16 to /29", pfx)
	}
	if pfx.Masked() != pfx {
		return netip.Prefix{}, fail(CodeBadValue, "subnet %s has host bits set (did you mean %s?)", pfx, pfx.Masked())
	}
	return pfx, nil
}

func (m *model) freeSubnet() netip.Prefix {
	for n := 0; ; n++ {
		pfx := netip.MustParsePrefix(fmt.Sprintf("10.%d.%d.0/24", n/256, n%256))
		free := true
		for _, net := range m.st.Networks {
			if net.Owner == m.login && netip.MustParsePrefix(net.Subnet).Overlaps(pfx) {
				free = false
			}
		}
		if free {
			return pfx
		}
	}
}

// DelNetwork removes a private network no interface uses any more.
func (m *model) DelNetwork(id int64) (int64, error) {
	n, err := m.network(id)
	if err != nil {
		return 0, err
	}
	if k := m.ifaceCount(n.ID); k > 0 {
		return 0, fail(CodeInUse, "network %d still has %d interfaces (detach them with eth_action)", id, k)
	}
	if k := len(m.pendingAttaches(n.ID)); k > 0 {
		return 0, fail(CodeInUse, "network %d has %d queued attachments (wait for them with get_servers_status)", id, k)
	}
	delete(m.st.Networks, id)
	return id, nil
}

// IfaceView is an entry of get_interfaces.
type IfaceView struct {
	ID       int64  `json:"id"`
	ServerID int64  `json:"serverid"`
	Name     string `json:"name"`
	Type     string `json:"type"`
	Network  int64  `json:"network"`
	MAC      string `json:"mac"`
	IP       string `json:"ip"`
}

// Interfaces lists a server's interfaces (all servers' when id is 0).
func (m *model) Interfaces(server int64) ([]IfaceView, error) {
	ids, err := m.serverIDs(server)
	if err != nil {
		return nil, err
	}
	mine := map[int64]bool{}
	for _, id := range ids {
		mine[id] = true
	}
	out := []IfaceView{}
	for _, id := range slices.Sorted(maps.Keys(m.st.Ifaces)) {
		i := m.st.Ifaces[id]
		if !mine[i.Server] {
			continue
		}
		kind := "private"
		if i.Network == 0 {
			kind = "public"
		}
		out = append(out, IfaceView{ID: i.ID, ServerID: i.Server, Name: i.Name, Type: kind, Network: i.Network, MAC: i.MAC, IP: i.IP})
	}
	return out, nil
}

func (m *model) publicIP(server int64) string {
	for _, id := range slices.Sorted(maps.Keys(m.st.Ifaces)) {
		if i := m.st.Ifaces[id]; i.Server == server && i.Network == 0 {
			return i.IP
		}
	}
	return ""
}

func (m *model) mac() string {
	r := m.tx.Rand()
	return fmt.Sprintf("52:54:00:%02x:%02x:%02x", r.IntN(256), r.IntN(256), r.IntN(256))
}

// addPublicIface gives a new server its eth0 with a public address no
// other server holds (drawn again on a clash, which leaves the draws of a
// world without clashes as they were).
func (m *model) addPublicIface(server int64) {
	r := m.tx.Rand()
	taken := m.publicAddrs()
	ip := ""
	for ip == "" || taken[ip] {
		ip = fmt.Sprintf("185.%d.%d.%d", 100+r.IntN(100), r.IntN(256), 2+r.IntN(250))
	}
	taken[ip] = true
	id := m.tx.NextID("imserver.iface")
	m.st.Ifaces[id] = &Iface{ID: id, Server: server, Name: "eth0", MAC: m.mac(), IP: ip}
}

// publicAddrs is the set of public addresses held, read once per
// transaction (a seed of many servers adds them one by one).
func (m *model) publicAddrs() map[string]bool {
	if m.public == nil {
		m.public = map[string]bool{}
		for _, i := range m.st.Ifaces {
			if i.Network == 0 {
				m.public[i.IP] = true
			}
		}
	}
	return m.public
}

// The eth_action actions.
const (
	EthAttach = "attach"
	EthDetach = "detach"
)

// ethChange is eth_action's change, applied when its task completes.
type ethChange struct {
	Action  string `json:"action"`
	Network int64  `json:"network,omitempty"`
	Iface   int64  `json:"iface,omitempty"`
	IP      string `json:"ip,omitempty"`
}

// EthAction queues attaching the server to a private network or detaching
// one of its private interfaces.
func (m *model) EthAction(server int64, action string, network, iface int64) (int64, error) {
	s, err := m.actionable(server, CmdEth, actions[CmdEth].from)
	if err != nil {
		return 0, err
	}
	var ch ethChange
	switch action {
	case EthAttach:
		ch, err = m.planAttach(s, network)
	case EthDetach:
		ch, err = m.planDetach(s, iface)
	default:
		err = fail(CodeBadValue, "action must be attach or detach, got %q", action)
	}
	if err != nil {
		return 0, err
	}
	return s.ID, m.queue(s, CmdEth, ch)
}

func (m *model) planAttach(s *Server, network int64) (ethChange, error) {
	if network == 0 {
		return ethChange{}, fail(CodeMissingParam, "attach needs network")
	}
	n, err := m.network(network)
	if err != nil {
		return ethChange{}, err
	}
	for _, i := range m.st.Ifaces {
		if i.Server == s.ID && i.Network == n.ID {
			return ethChange{}, fail(CodeExists, "server %d is already in network %d (interface %d)", s.ID, n.ID, i.ID)
		}
	}
	ip, ok := m.freeAddr(n)
	if !ok {
		return ethChange{}, fail(CodeInUse, "network %d (%s) has no free address", n.ID, n.Subnet)
	}
	return ethChange{Action: EthAttach, Network: n.ID, IP: ip}, nil
}

func (m *model) planDetach(s *Server, iface int64) (ethChange, error) {
	if iface == 0 {
		return ethChange{}, fail(CodeMissingParam, "detach needs interface")
	}
	i := m.st.Ifaces[iface]
	if i == nil || i.Server != s.ID {
		return ethChange{}, fail(CodeNotFound, "server %d has no interface %d", s.ID, iface)
	}
	if i.Network == 0 {
		return ethChange{}, fail(CodeWrongState, "interface %d is the public interface and cannot be detached", iface)
	}
	return ethChange{Action: EthDetach, Iface: iface}, nil
}

// freeAddr picks the lowest host address not used in the network (.1 is
// the gateway).
func (m *model) freeAddr(n *Network) (string, bool) {
	pfx := netip.MustParsePrefix(n.Subnet)
	used := map[string]bool{}
	for _, i := range m.st.Ifaces {
		if i.Network == n.ID {
			used[i.IP] = true
		}
	}
	for _, ip := range m.pendingAttaches(n.ID) {
		used[ip] = true
	}
	a := pfx.Addr().Next().Next()
	for pfx.Contains(a) {
		next := a.Next()
		if !pfx.Contains(next) {
			break // a is the broadcast address
		}
		if !used[a.String()] {
			return a.String(), true
		}
		a = next
	}
	return "", false
}

// pendingAttaches are the addresses queued eth_action attaches hold in a
// network: they are taken although no interface has them yet.
func (m *model) pendingAttaches(network int64) []string {
	var ips []string
	for _, id := range slices.Sorted(maps.Keys(m.st.Tasks)) {
		t := m.st.Tasks[id]
		if t.Status != TaskQueued || t.Cmd != CmdEth {
			continue
		}
		var ch ethChange
		if json.Unmarshal(t.Change, &ch) == nil && ch.Action == EthAttach && ch.Network == network {
			ips = append(ips, ch.IP)
		}
	}
	return ips
}

func (m *model) applyEth(s *Server, ch ethChange) {
	if ch.Action == EthDetach {
		delete(m.st.Ifaces, ch.Iface)
		return
	}
	if m.st.Networks[ch.Network] == nil {
		return // the network went away while the task was queued
	}
	names := map[string]bool{}
	for _, i := range m.st.Ifaces {
		if i.Server == s.ID {
			names[i.Name] = true
		}
	}
	name := "eth1"
	for n := 2; names[name]; n++ {
		name = fmt.Sprintf("eth%d", n)
	}
	id := m.tx.NextID("imserver.iface")
	m.st.Ifaces[id] = &Iface{ID: id, Server: s.ID, Name: name, Network: ch.Network, MAC: m.mac(), IP: ch.IP}
}
