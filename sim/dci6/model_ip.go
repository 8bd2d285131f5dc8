package dci6

import (
	"cmp"
	"fmt"
	"maps"
	"math/big"
	"net/netip"
	"slices"

	"github.com/panelsim/panelsim/internal/ordered"
	"github.com/panelsim/panelsim/state"
)

// Pool is an IPmanager pool: a named set of networks.
type Pool struct {
	ID        int64  `json:"id"`
	Name      string `json:"name"`
	Note      string `json:"note"`
	Userspace int64  `json:"userspace"`
	Public    bool   `json:"public"`
}

// IPNet is an IPmanager network (a CIDR block with a gateway).
type IPNet struct {
	ID        int64        `json:"id"`
	Prefix    netip.Prefix `json:"prefix"`
	Gateway   string       `json:"gateway"`
	PoolID    int64        `json:"pool_id"`
	VLAN      string       `json:"vlan"`
	Note      string       `json:"note"`
	Userspace int64        `json:"userspace"`
}

// IP is an address given to a server.
type IP struct {
	ID         int64      `json:"id"`
	Addr       netip.Addr `json:"addr"`
	NetID      int64      `json:"net_id"`
	ServerID   int64      `json:"server_id"`
	Domain     string     `json:"domain"`
	Status     string     `json:"status"`
	StatusInfo string     `json:"status_info,omitempty"`
}

// IP statuses (the seed's list).
const (
	ipAllocating     = "allocating"
	ipDeleting       = "deleting"
	ipOK             = "ok"
	ipFail           = "fail"
	ipAllocationFail = "allocation_fail"
)

// Task names of IP changes.
const (
	taskIPAdd    = "ip_add"
	taskIPDelete = "ip_delete"
)

func familyOf(a netip.Addr) string {
	if a.Is4() {
		return "ipv4"
	}
	return "ipv6"
}

// afOf is the address family number IPmanager reports (AF_INET, AF_INET6).
func afOf(a netip.Addr) int {
	if a.Is4() {
		return 2
	}
	return 10
}

func (n *IPNet) family() string { return familyOf(n.Prefix.Addr()) }

func lastAddr(p netip.Prefix) netip.Addr {
	b := p.Addr().AsSlice()
	bits := p.Bits()
	for i := range b {
		for j := 0; j < 8; j++ {
			if i*8+j >= bits {
				b[i] |= 0x80 >> j
			}
		}
	}
	a, _ := netip.AddrFromSlice(b)
	return a
}

// usable says whether a may be given to a server: inside the network and
// neither its network address, its broadcast address nor its gateway.
func (n *IPNet) usable(a netip.Addr) bool {
	if !n.Prefix.Contains(a) || a == n.Prefix.Addr() || a.String() == n.Gateway {
		return false
	}
	return !(a.Is4() && n.Prefix.Bits() < 31 && a == lastAddr(n.Prefix))
}

// usedAddrs are the addresses servers hold, BMC addresses included (a
// diagnostics run with ipmi_pool takes them from a pool).
func (s *State) usedAddrs() map[netip.Addr]bool {
	used := make(map[netip.Addr]bool, len(s.IPs))
	for _, ip := range s.IPs {
		used[ip.Addr] = true
	}
	for _, sv := range s.Servers {
		if a, err := netip.ParseAddr(sv.IPMI.Address); err == nil {
			used[a] = true
		}
	}
	return used
}

// firstFree finds the lowest free usable address of a network. At most
// len(used)+3 addresses are ever excluded, so the scan is bounded.
func (n *IPNet) firstFree(used map[netip.Addr]bool) (netip.Addr, bool) {
	a := n.Prefix.Addr()
	for i := 0; i < len(used)+4 && n.Prefix.Contains(a); i++ {
		if n.usable(a) && !used[a] {
			return a, true
		}
		a = a.Next()
		if !a.IsValid() {
			break
		}
	}
	return netip.Addr{}, false
}

// sizes returns how many addresses a network holds and how many are usable.
func (n *IPNet) sizes() (size, usable *big.Int) {
	host := n.Prefix.Addr().BitLen() - n.Prefix.Bits()
	size = new(big.Int).Lsh(big.NewInt(1), uint(host))
	usable = new(big.Int).Set(size)
	excluded := int64(1) // the network address
	if n.Prefix.Addr().Is4() && n.Prefix.Bits() < 31 {
		excluded++ // broadcast
	}
	if gw, err := netip.ParseAddr(n.Gateway); err == nil && n.Prefix.Contains(gw) {
		excluded++
	}
	if usable.Cmp(big.NewInt(excluded)) > 0 {
		usable.Sub(usable, big.NewInt(excluded))
	}
	return size, usable
}

// AddIPRequest is the body of POST /dci/v3/server/{id}/ip.
type AddIPRequest struct {
	Domain        *string `json:"domain"`
	Family        *string `json:"family"`
	IPName        *string `json:"ip_name"`
	IPNet         *int64  `json:"ip_net"`
	IPPool        *int64  `json:"ip_pool"`
	SetAsMainIPv4 *bool   `json:"set_as_main_ipv4"`
	Userspace     *int64  `json:"userspace"`
}

func wrongFamily(format string, a ...any) *apiError {
	return &apiError{Code: codeWrongFamily, Msg: fmt.Sprintf(format, a...), Value: map[string]any{"field": "family"}}
}

// candidateNets are the networks an allocation may draw from, in id order.
func (s *State) candidateNets(req AddIPRequest, family string) ([]*IPNet, error) {
	var nets []*IPNet
	switch {
	case req.IPNet != nil && *req.IPNet != 0:
		n := s.Nets[*req.IPNet]
		if n == nil {
			return nil, fieldError("ip_net", "no network with id %d", *req.IPNet)
		}
		if req.IPPool != nil && *req.IPPool != 0 && n.PoolID != *req.IPPool {
			return nil, fieldError("ip_net", "network %d is not in pool %d", n.ID, *req.IPPool)
		}
		nets = []*IPNet{n}
	case req.IPPool != nil && *req.IPPool != 0:
		if s.Pools[*req.IPPool] == nil {
			return nil, fieldError("ip_pool", "no pool with id %d", *req.IPPool)
		}
		for _, id := range slices.Sorted(maps.Keys(s.Nets)) {
			if s.Nets[id].PoolID == *req.IPPool {
				nets = append(nets, s.Nets[id])
			}
		}
	default:
		for _, id := range slices.Sorted(maps.Keys(s.Nets)) {
			if p := s.Pools[s.Nets[id].PoolID]; p != nil && p.Public {
				nets = append(nets, s.Nets[id])
			}
		}
	}
	if req.Userspace != nil && *req.Userspace != 0 {
		nets = filterNets(nets, func(n *IPNet) bool { return n.Userspace == *req.Userspace })
	}
	all := len(nets)
	nets = filterNets(nets, func(n *IPNet) bool { return n.family() == family })
	if all > 0 && len(nets) == 0 {
		return nil, wrongFamily("No %s network in the chosen pool or network", family)
	}
	return nets, nil
}

func filterNets(nets []*IPNet, keep func(*IPNet) bool) []*IPNet {
	var out []*IPNet
	for _, n := range nets {
		if keep(n) {
			out = append(out, n)
		}
	}
	return out
}

// pickAddress resolves the request to a network and a free address.
func (s *State) pickAddress(req AddIPRequest, used map[netip.Addr]bool) (*IPNet, netip.Addr, error) {
	family := ""
	if req.Family != nil {
		family = *req.Family
		if family != "ipv4" && family != "ipv6" {
			return nil, netip.Addr{}, fieldError("family", "must be ipv4 or ipv6, got %q", family)
		}
	}
	var want netip.Addr
	if req.IPName != nil && *req.IPName != "" {
		a, err := netip.ParseAddr(*req.IPName)
		if err != nil || a.Zone() != "" {
			return nil, netip.Addr{}, fieldError("ip_name", "%q is not an IP address", *req.IPName)
		}
		// ::ffff:203.0.113.9 is the IPv4 address 203.0.113.9.
		a = a.Unmap()
		if family != "" && familyOf(a) != family {
			return nil, netip.Addr{}, wrongFamily("Address %s is not %s", a, family)
		}
		want, family = a, familyOf(a)
	}
	if family == "" {
		family = "ipv4"
	}
	nets, err := s.candidateNets(req, family)
	if err != nil {
		return nil, netip.Addr{}, err
	}
	if want.IsValid() {
		return s.claimAddress(nets, want, used)
	}
	for _, n := range nets {
		if a, ok := n.firstFree(used); ok {
			return n, a, nil
		}
	}
	return nil, netip.Addr{}, &apiError{Code: codePoolExhausted, Msg: "No free " + family + " address left", Value: map[string]any{"family": family}}
}

func (s *State) claimAddress(nets []*IPNet, a netip.Addr, used map[netip.Addr]bool) (*IPNet, netip.Addr, error) {
	for _, n := range nets {
		if !n.Prefix.Contains(a) {
			continue
		}
		if !n.usable(a) {
			return nil, netip.Addr{}, fieldError("ip_name", "%s is the network, broadcast or gateway address of %s", a, n.Prefix)
		}
		if used[a] {
			return nil, netip.Addr{}, &apiError{Code: codeIPTaken, Msg: fmt.Sprintf("IP address %s is already in use", a), Value: map[string]any{"ip_name": a.String()}}
		}
		return n, a, nil
	}
	return nil, netip.Addr{}, fieldError("ip_name", "%s is in none of the chosen networks", a)
}

// AddIP gives a server an address: the one named, or the first free one of
// a network, a pool, or any public pool.
func AddIP(tx *state.Tx, serverID int64, req AddIPRequest) (TaskRef, error) {
	s := st(tx)
	sv := s.Servers[serverID]
	if sv == nil {
		return TaskRef{}, notFound("server", serverID)
	}
	n, a, err := s.pickAddress(req, s.usedAddrs())
	if err != nil {
		return TaskRef{}, err
	}
	main := req.SetAsMainIPv4 != nil && *req.SetAsMainIPv4
	if main && !a.Is4() {
		return TaskRef{}, wrongFamily("set_as_main_ipv4 needs an ipv4 address, got %s", a)
	}
	ip := &IP{ID: tx.NextID("dci6.ip"), Addr: a, NetID: n.ID, ServerID: sv.ID, Status: ipAllocating}
	if req.Domain != nil {
		ip.Domain = *req.Domain
	}
	t, err := startTask(tx, s, taskIPAdd, sv.ID, planSteps(tx.Timing(timingIPAdd), []stepPlan{{"allocate", 1}}), nil)
	if err != nil {
		return TaskRef{}, err
	}
	t.IPID = ip.ID
	s.IPs[ip.ID] = ip
	if a.Is4() && (main || sv.MainIPv4 == 0) {
		sv.MainIPv4 = ip.ID
	}
	if a.Is6() && sv.MainIPv6 == 0 {
		sv.MainIPv6 = ip.ID
	}
	if sv.Domain == "" && ip.Domain != "" {
		sv.Domain = ip.Domain
	}
	return TaskRef{ID: sv.ID, Task: t.ID}, nil
}

func ipAddDone(s *State, t *Task, _ *state.Tx) {
	if ip := s.IPs[t.IPID]; ip != nil {
		ip.Status = ipOK
	}
}

// ipAddFail marks the address allocation_fail; it stays listed (until
// removed) but is no longer the server's main address.
func ipAddFail(s *State, t *Task, _ *state.Tx) {
	ip := s.IPs[t.IPID]
	if ip == nil {
		return
	}
	ip.Status, ip.StatusInfo = ipAllocationFail, t.Error.Msg
	s.dropMain(ip)
}

// dropMain moves a server's main address off ip to its first working one.
func (s *State) dropMain(ip *IP) {
	sv := s.Servers[ip.ServerID]
	if sv.MainIPv4 == ip.ID {
		sv.MainIPv4 = s.firstIPOf(sv.ID, true)
	}
	if sv.MainIPv6 == ip.ID {
		sv.MainIPv6 = s.firstIPOf(sv.ID, false)
	}
}

// RemoveIP takes an address from a server.
func RemoveIP(tx *state.Tx, serverID, ipID int64) (TaskRef, error) {
	s := st(tx)
	sv := s.Servers[serverID]
	if sv == nil {
		return TaskRef{}, notFound("server", serverID)
	}
	ip := s.IPs[ipID]
	if ip == nil || ip.ServerID != serverID {
		return TaskRef{}, notFound("ip", ipID)
	}
	if ip.Status == ipAllocating || ip.Status == ipDeleting {
		return TaskRef{}, &apiError{Code: codeBusy, Msg: fmt.Sprintf("IP address %s is busy (%s)", ip.Addr, ip.Status), Value: map[string]any{"ip": ip.ID}}
	}
	t, err := startTask(tx, s, taskIPDelete, sv.ID, planSteps(tx.Timing(timingIPDelete), []stepPlan{{"delete", 1}}), nil)
	if err != nil {
		return TaskRef{}, err
	}
	t.IPID = ip.ID
	ip.Status = ipDeleting
	return TaskRef{ID: sv.ID, Task: t.ID}, nil
}

func ipDeleteDone(s *State, t *Task, _ *state.Tx) {
	ip := s.IPs[t.IPID]
	if ip == nil {
		return
	}
	delete(s.IPs, ip.ID)
	s.dropMain(ip)
}

func (s *State) firstIPOf(serverID int64, v4 bool) int64 {
	for _, id := range slices.Sorted(maps.Keys(s.IPs)) {
		ip := s.IPs[id]
		if ip.ServerID == serverID && ip.Addr.Is4() == v4 && ip.Status == ipOK {
			return id
		}
	}
	return 0
}

func ipDeleteFail(s *State, t *Task, _ *state.Tx) {
	if ip := s.IPs[t.IPID]; ip != nil {
		ip.Status, ip.StatusInfo = ipFail, t.Error.Msg
	}
}

func (s *State) ipView(ip *IP, withServer bool) IPView { return s.ipViewIn(ip, withServer, nil) }

// ipViewIn is ipView with its address texts from room (nil: their own
// allocations).
func (s *State) ipViewIn(ip *IP, withServer bool, room *viewRoom) IPView {
	n := s.Nets[ip.NetID]
	v := IPView{Domain: ip.Domain, Family: familyOf(ip.Addr), Gateway: n.Gateway, ID: ip.ID, Name: room.addr(ip.Addr),
		Network: room.prefix(n.Prefix), Status: ip.Status, StatusInfo: noStatusInfo}
	if ip.StatusInfo != "" {
		v.StatusInfo = map[string]any{"msg": ip.StatusInfo}
	}
	if withServer {
		name := ""
		if sv := s.Servers[ip.ServerID]; sv != nil {
			name = sv.Name
		}
		v.Server = &name
	}
	return v
}

// ipsOf is a server's addresses in id order.
func (s *State) ipsOf(serverID int64) []*IP {
	var mine []*IP
	for _, ip := range s.IPs {
		if ip.ServerID == serverID {
			mine = append(mine, ip)
		}
	}
	slices.SortFunc(mine, byIPID)
	return mine
}

// byIPID orders addresses by id.
func byIPID(a, b *IP) int { return cmp.Compare(a.ID, b.ID) }

// ipsByServer indexes every address by server, each list in id order, so
// a long server list reads the addresses once.
func (s *State) ipsByServer() map[int64][]*IP {
	idx := make(map[int64][]*IP, len(s.Servers))
	for _, id := range ordered.Keys(s.IPs) {
		ip := s.IPs[id]
		idx[ip.ServerID] = append(idx[ip.ServerID], ip)
	}
	return idx
}

// ipViews are a server's addresses, from room (nil: their own
// allocations).
func (s *State) ipViews(ips []*IP, room *viewRoom) []IPView {
	out := room.ipViews(len(ips))
	for i, ip := range ips {
		out[i] = s.ipViewIn(ip, false, room)
	}
	return out
}

type ipRow struct {
	s  *State
	ip *IP
}

var dciIPFields = fieldSet[ipRow]{
	"id":        func(r ipRow) any { return r.ip.ID },
	"name":      func(r ipRow) any { return r.ip.Addr.String() },
	"domain":    func(r ipRow) any { return r.ip.Domain },
	"family":    func(r ipRow) any { return familyOf(r.ip.Addr) },
	"gateway":   func(r ipRow) any { return r.s.Nets[r.ip.NetID].Gateway },
	"network":   func(r ipRow) any { return r.s.Nets[r.ip.NetID].Prefix.String() },
	"server":    func(r ipRow) any { return r.s.Servers[r.ip.ServerID].Name },
	"server_id": func(r ipRow) any { return r.ip.ServerID },
	"status":    func(r ipRow) any { return r.ip.Status },
	"ipnet":     func(r ipRow) any { return r.ip.NetID },
	"ippool":    func(r ipRow) any { return r.s.Nets[r.ip.NetID].PoolID },
	"ip_addr":   func(r ipRow) any { return r.ip.Addr.String() },
}

func (s *State) ipRows(keep func(*IP) bool) []ipRow {
	rows := make([]ipRow, 0, len(s.IPs))
	for _, id := range slices.Sorted(maps.Keys(s.IPs)) {
		if ip := s.IPs[id]; keep(ip) {
			rows = append(rows, ipRow{s, ip})
		}
	}
	return rows
}

// ListIPs lists the DCI addresses the caller may see; serverID 0 means all.
func ListIPs(tx *state.Tx, c Caller, serverID int64, lq ListQuery) (ListView[IPView], error) {
	s := st(tx)
	rows := func() ([]ipRow, error) {
		if serverID != 0 {
			if _, err := s.visibleServer(c, serverID); err != nil {
				return nil, err
			}
		}
		return s.ipRows(func(ip *IP) bool {
			sv := s.Servers[ip.ServerID]
			return (serverID == 0 || ip.ServerID == serverID) && (c.Admin || sv.OwnerID == c.UserID)
		}), nil
	}
	return listWith(lq, dciIPFields, rows, func(r ipRow) IPView { return s.ipView(r.ip, true) })
}

// ListIPMgrIPs lists addresses the way IPmanager (ip/v3) does.
func ListIPMgrIPs(tx *state.Tx, lq ListQuery) (ListView[IPMgrIPView], error) {
	s := st(tx)
	rows := func() ([]ipRow, error) { return s.ipRows(func(*IP) bool { return true }), nil }
	return listWith(lq, dciIPFields, rows, func(r ipRow) IPMgrIPView {
		n := s.Nets[r.ip.NetID]
		return IPMgrIPView{ID: r.ip.ID, Name: r.ip.Addr.String(), IPAddr: r.ip.Addr.String(), Family: afOf(r.ip.Addr),
			IPNet: n.ID, IPNetName: n.Prefix.String(), IPPool: n.PoolID, Domain: r.ip.Domain, Status: r.ip.Status, Server: r.ip.ServerID}
	})
}

func (s *State) usingOf(netID int64) int64 {
	var n int64
	for _, ip := range s.IPs {
		if ip.NetID == netID {
			n++
		}
	}
	return n
}

var netFields = fieldSet[*IPNet]{
	"id":        func(n *IPNet) any { return n.ID },
	"name":      func(n *IPNet) any { return n.Prefix.String() },
	"family":    func(n *IPNet) any { return int64(afOf(n.Prefix.Addr())) },
	"gateway":   func(n *IPNet) any { return n.Gateway },
	"userspace": func(n *IPNet) any { return n.Userspace },
	"vlan":      func(n *IPNet) any { return n.VLAN },
	"note":      func(n *IPNet) any { return n.Note },
	"ippool":    func(n *IPNet) any { return n.PoolID },
}

// ListNets lists IPmanager networks with their usage.
func ListNets(tx *state.Tx, lq ListQuery) (ListView[IPNetView], error) {
	s := st(tx)
	rows := func() ([]*IPNet, error) { return sortedValues(s.Nets), nil }
	return listWith(lq, netFields, rows, func(n *IPNet) IPNetView {
		size, usable := n.sizes()
		return IPNetView{ID: n.ID, Name: n.Prefix.String(), Family: afOf(n.Prefix.Addr()), Mask: n.Prefix.Bits(),
			Gateway: n.Gateway, Userspace: n.Userspace, VLAN: n.VLAN, Note: n.Note, Size: size.String(),
			UsingIP: fmt.Sprint(s.usingOf(n.ID)), TotalIP: usable.String(), IPPool: n.PoolID}
	})
}

var poolFields = fieldSet[*Pool]{
	"id":        func(p *Pool) any { return p.ID },
	"name":      func(p *Pool) any { return p.Name },
	"userspace": func(p *Pool) any { return p.Userspace },
	"note":      func(p *Pool) any { return p.Note },
	"is_public": func(p *Pool) any { return onOff(p.Public) },
}

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}

// ListPools lists IPmanager pools with usage per family.
func ListPools(tx *state.Tx, lq ListQuery) (ListView[PoolView], error) {
	s := st(tx)
	rows := func() ([]*Pool, error) { return sortedValues(s.Pools), nil }
	return listWith(lq, poolFields, rows, s.poolView)
}

func (s *State) poolView(p *Pool) PoolView {
	using := map[string]*big.Int{"ipv4": new(big.Int), "ipv6": new(big.Int)}
	totals := map[string]*big.Int{"ipv4": new(big.Int), "ipv6": new(big.Int)}
	for _, id := range slices.Sorted(maps.Keys(s.Nets)) {
		n := s.Nets[id]
		if n.PoolID != p.ID {
			continue
		}
		_, usable := n.sizes()
		totals[n.family()].Add(totals[n.family()], usable)
		using[n.family()].Add(using[n.family()], big.NewInt(s.usingOf(n.ID)))
	}
	sum := func(m map[string]*big.Int) string { return new(big.Int).Add(m["ipv4"], m["ipv6"]).String() }
	return PoolView{ID: p.ID, Name: p.Name, Userspace: p.Userspace, Note: p.Note, IsPublic: onOff(p.Public),
		UsingIP: sum(using), UsingIPv4: using["ipv4"].String(), UsingIPv6: using["ipv6"].String(),
		TotalIP: sum(totals), TotalIPv4: totals["ipv4"].String(), TotalIPv6: totals["ipv6"].String()}
}
