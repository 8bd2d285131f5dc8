package ispmgr

import (
	"net/netip"
	"strconv"
	"strings"

	"github.com/panelsim/panelsim/internal/ordered"
)

// The roles of an ISPmanager address.
const (
	roleShared   = "shared"
	roleAssigned = "assigned"
)

// IPAddr is an address of the ISPmanager server (func=ipaddr): shared by
// every user or assigned to one.
type IPAddr struct {
	ID    int64  `json:"id"`
	IP    string `json:"ip"`
	Role  string `json:"role"`
	Owner string `json:"owner,omitempty"`
	Note  string `json:"note,omitempty"`
	// Allocated marks an address taken from the IPmanager networks; it is
	// released there when ISPmanager lets it go.
	Allocated bool `json:"allocated,omitempty"`
}

// removeIPAddr forgets an ISPmanager address, releasing it in IPmanager
// if it was allocated there.
func (st *State) removeIPAddr(ip string) {
	if a := st.IPAddrs[ip]; a != nil && a.Allocated {
		delete(st.IPs, ip)
	}
	delete(st.IPAddrs, ip)
}

// Space is an IPmanager address space: a group of networks and the users
// who may use them (func=userspace).
type Space struct {
	ID    int64    `json:"id"`
	Name  string   `json:"name"`
	Note  string   `json:"note,omitempty"`
	Users []string `json:"users,omitempty"`
}

// Net is an IPmanager network (func=ipnet), named by its CIDR prefix.
type Net struct {
	ID      int64  `json:"id"`
	Name    string `json:"name"`
	Gateway string `json:"gateway,omitempty"`
	Space   string `json:"userspace,omitempty"`
	Note    string `json:"note,omitempty"`
}

// IP is an address allocated in IPmanager (func=ip), named by its value.
type IP struct {
	ID     int64  `json:"id"`
	IP     string `json:"ip"`
	Domain string `json:"domain,omitempty"`
	IPType string `json:"iptype,omitempty"`
	Note   string `json:"note,omitempty"`
	Net    string `json:"ipnet"`
}

// family names an address family the way IPmanager does.
func family(a netip.Addr) string {
	if a.Is4() {
		return "ipv4"
	}
	return "ipv6"
}

// ---- ISPmanager ipaddr ----

// defaultIPAddr is the address new objects of owner get: its first
// assigned address, else the first shared one ("" if none).
func (st *State) defaultIPAddr(owner string) string {
	var best *IPAddr
	for _, a := range st.IPAddrs {
		if a.Role == roleAssigned && a.Owner == owner && (best == nil || best.Role != roleAssigned || a.ID < best.ID) {
			best = a
		}
		if a.Role == roleShared && (best == nil || (best.Role == roleShared && a.ID < best.ID)) {
			best = a
		}
	}
	if best == nil {
		return ""
	}
	return best.IP
}

// ipUsableBy says whether owner may put objects on the address.
func (st *State) ipUsableBy(ip, owner string) bool {
	a := st.IPAddrs[ip]
	return a != nil && (a.Role == roleShared || a.Owner == owner)
}

var ipaddrCols = []column{{name: "id", numeric: true}, {name: "name"}, {name: "iprole"}, {name: "owner"}, {name: "note"}}

// ipaddrList is func=ipaddr: users see the shared addresses and their own.
func ipaddrList(c *call) (result, *mgrError) {
	visible := func(a *IPAddr) bool { return a.Role == roleShared || c.st.sees(c.user, a.Owner) }
	return listResult{key: "id", cols: ipaddrCols, elems: listElems(c.st.IPAddrs, visible, ipaddrElem)}, nil
}

func ipaddrElem(a *IPAddr) *Node {
	e := newNode("elem")
	e.AddText("id", strconv.FormatInt(a.ID, 10))
	e.AddText("name", a.IP)
	e.AddText("iprole", a.Role)
	e.AddText("owner", a.Owner)
	e.AddText("note", a.Note)
	return e
}

// findIPAddr finds an address by id or by value.
func (st *State) findIPAddr(elid string) *IPAddr {
	if a := st.IPAddrs[elid]; a != nil {
		return a
	}
	for _, a := range st.IPAddrs {
		if strconv.FormatInt(a.ID, 10) == elid {
			return a
		}
	}
	return nil
}

// ipaddrEdit is func=ipaddr.edit (elid: the address or its id); a new
// address answers with its id.
func ipaddrEdit(c *call) (result, *mgrError) {
	return editFlow[*IPAddr]{
		lookup:    (*call).lookupIPAddr,
		blankForm: func() result { return ipaddrForm(nil, "") },
		form:      ipaddrForm,
		create:    ipaddrCreate,
		update: func(c *call, a *IPAddr) (result, *mgrError) {
			next := *a
			if e := c.ipaddrParams(&next, a); e != nil {
				return nil, e
			}
			*a = next
			return ok()
		},
	}.run(c, c.p.Get("elid"))
}

// ipaddrCreate adds an ISPmanager address, allocating it in IPmanager
// when it came from there, and answers its id.
func ipaddrCreate(c *call) (result, *mgrError) {
	next := IPAddr{Role: roleShared}
	var fromIPmgr *IP
	var e *mgrError
	if next.IP, fromIPmgr, e = c.newIPAddrValue(); e != nil {
		return nil, e
	}
	if e := c.ipaddrParams(&next, nil); e != nil {
		return nil, e
	}
	if fromIPmgr != nil {
		fromIPmgr.ID = c.tx.NextID(Name + ".ip")
		fromIPmgr.Note = "ISPmanager " + orDefault(next.Owner, "shared")
		c.st.IPs[fromIPmgr.IP] = fromIPmgr
		next.Allocated = true
	}
	next.ID = c.tx.NextID(Name + ".ipaddr")
	c.st.IPAddrs[next.IP] = &next
	return okResult{id: strconv.FormatInt(next.ID, 10)}, nil
}

// ipTypeOf is the IPmanager address type for an ISPmanager iptype=.
func ipTypeOf(iptype string) string {
	if iptype == "" || iptype == "ipv4" || iptype == "ipv6" {
		return "public"
	}
	return iptype
}

// ipaddrParams applies the changeable parameters of an address to a, a
// copy of old (nil for a new address).
func (c *call) ipaddrParams(a, old *IPAddr) *mgrError {
	if e := c.ipaddrRole(a, old); e != nil {
		return e
	}
	c.setIfSent("note", &a.Note)
	return nil
}

// ipaddrForm is the form of an address (a nil one: the new-address form).
func ipaddrForm(a *IPAddr, elid string) result {
	f := fieldsNode()
	if a == nil {
		f.Add("name")
		f.AddText("iprole", roleShared)
		return formResult{fields: f}
	}
	f.AddText("name", a.IP)
	f.AddText("iprole", a.Role)
	f.AddText("owner", a.Owner)
	f.AddText("note", a.Note)
	return formResult{elid: elid, fields: f}
}

// newIPAddrValue is the address of a new ISPmanager address: name= as
// given, or, with only iptype= (how the official billing module asks for a
// dedicated address), the next free address of the IPmanager networks,
// which is then also allocated there.
func (c *call) newIPAddrValue() (string, *IP, *mgrError) {
	ip := c.p.Get("name")
	if ip == "" && c.p.Get("iptype") != "" {
		alloc := c.st.allocateAny(c.p.Get("iptype"))
		if alloc == nil {
			return "", nil, badValue("iptype", c.p.Get("iptype"))
		}
		if c.st.IPAddrs[alloc.IP] != nil {
			return "", nil, exists("ipaddr", alloc.IP)
		}
		return alloc.IP, alloc, nil
	}
	if ip == "" {
		return "", nil, missed("name")
	}
	addr, err := netip.ParseAddr(ip)
	if err != nil {
		return "", nil, badValue("name", ip)
	}
	if c.st.IPAddrs[addr.String()] != nil {
		return "", nil, exists("ipaddr", addr.String())
	}
	return addr.String(), nil, nil
}

// allocateAny takes the next free host address of the IPmanager networks
// (in name order) that is not already an ISPmanager address. iptype is the
// family the billing module asks for (ipv4, the default, or ipv6); any
// other value is an IPmanager address type and means IPv4.
func (st *State) allocateAny(iptype string) *IP {
	v6 := iptype == "ipv6"
	for _, name := range ordered.Keys(st.Nets) {
		n := st.Nets[name]
		p := netip.MustParsePrefix(n.Name)
		if p.Addr().Is6() != v6 {
			continue
		}
		a := p.Addr()
		for i := 0; i < 1<<16 && p.Contains(a); i, a = i+1, a.Next() {
			s := a.String()
			if usable(p, a) && st.IPs[s] == nil && st.IPAddrs[s] == nil && s != n.Gateway {
				return &IP{IP: s, IPType: ipTypeOf(iptype), Net: n.Name}
			}
		}
	}
	return nil
}

// ipaddrRole applies iprole and owner; assigning counts against the
// owner's address limit.
func (c *call) ipaddrRole(a *IPAddr, old *IPAddr) *mgrError {
	if v := c.p.Get("iprole"); v != "" {
		if v != roleShared && v != roleAssigned {
			return badValue("iprole", v)
		}
		a.Role = v
	}
	if a.Role == roleShared {
		a.Owner = ""
		return nil
	}
	if v := c.p.Get("owner"); v != "" {
		a.Owner = v
	}
	if a.Owner == "" {
		return missed("owner")
	}
	o := c.st.Users[a.Owner]
	if o == nil || o.Level >= levelAdmin {
		return badValue("owner", a.Owner)
	}
	if old != nil && old.Role == roleAssigned && old.Owner == a.Owner {
		return nil
	}
	n := 0
	for _, x := range c.st.IPAddrs {
		if x.Role == roleAssigned && x.Owner == a.Owner {
			n++
		}
	}
	return checkLimit(o, "ipaddrs", n)
}

// lookupIPAddr finds the address an elid names (its value or its id).
func (c *call) lookupIPAddr(elid string) (*IPAddr, *mgrError) {
	if a := c.st.findIPAddr(elid); a != nil {
		return a, nil
	}
	return nil, notFound("ipaddr", elid)
}

func ipaddrDelete(c *call) (result, *mgrError) {
	return forEachElid(c, c.lookupIPAddr, func(a *IPAddr) { c.st.removeIPAddr(a.IP) })
}

// ---- IPmanager ----

// spaceHas says whether a user may use the networks of a space.
func (s *Space) has(user string) bool {
	for _, u := range s.Users {
		if u == user {
			return true
		}
	}
	return false
}

// netVisible says whether the caller sees a network.
func (c *call) netVisible(n *Net) bool {
	if n == nil {
		return false
	}
	if c.user.Level >= levelAdmin {
		return true
	}
	s := c.st.Spaces[n.Space]
	return s != nil && s.has(c.user.Name)
}

var ipCols = []column{{name: "id", numeric: true}, {name: "ip"}, {name: "domain"}, {name: "iptype"}, {name: "note"}, {name: "family"}, {name: "ipnet"}}

// ipList is func=ip (level user): addresses in the networks the caller sees.
func ipList(c *call) (result, *mgrError) {
	visible := func(ip *IP) bool { return c.netVisible(c.st.Nets[ip.Net]) }
	return listResult{key: "ip", cols: ipCols, elems: listElems(c.st.IPs, visible, ipElem)}, nil
}

func ipElem(ip *IP) *Node {
	e := newNode("elem")
	e.AddText("id", strconv.FormatInt(ip.ID, 10))
	e.AddText("ip", ip.IP)
	e.AddText("domain", ip.Domain)
	e.AddText("iptype", ip.IPType)
	e.AddText("note", ip.Note)
	e.AddText("family", family(netip.MustParseAddr(ip.IP)))
	e.AddText("ipnet", ip.Net)
	return e
}

// ipEdit is func=ip.edit: elid is the address itself; a new address
// answers with its id.
func ipEdit(c *call) (result, *mgrError) {
	return editFlow[*IP]{
		lookup: (*call).lookupIP,
		blankForm: func() result {
			f := fieldsNode()
			f.AddText("family", "ipv4")
			f.Add("ip")
			return formResult{fields: f}
		},
		form: func(ip *IP, _ string) result {
			f := fieldsNode()
			f.AddText("family", family(netip.MustParseAddr(ip.IP)))
			f.AddText("ip", ip.IP)
			f.AddText("domain", ip.Domain)
			f.AddText("iptype", ip.IPType)
			f.AddText("note", ip.Note)
			f.AddText("ipnet", ip.Net)
			return formResult{elid: ip.IP, fields: f}
		},
		create: func(c *call) (result, *mgrError) {
			created, e := c.allocateIP()
			if e != nil {
				return nil, e
			}
			created.ID = c.tx.NextID(Name + ".ip")
			c.ipFields(created)
			c.st.IPs[created.IP] = created
			return okResult{id: strconv.FormatInt(created.ID, 10)}, nil
		},
		update: func(c *call, ip *IP) (result, *mgrError) {
			c.ipFields(ip)
			return ok()
		},
	}.run(c, c.p.Get("elid"))
}

func (c *call) ipFields(ip *IP) {
	c.setIfSent("domain", &ip.Domain)
	c.setIfSent("iptype", &ip.IPType)
	c.setIfSent("note", &ip.Note)
	if ip.IPType == "" {
		ip.IPType = "public"
	}
}

// canonicalIP is an address in its canonical spelling ("" if invalid).
func canonicalIP(s string) string {
	a, err := netip.ParseAddr(strings.TrimSpace(s))
	if err != nil {
		return ""
	}
	return a.String()
}

// allocateIP checks an address to allocate: the given ip must be valid,
// of the given family, free, inside a network the caller sees (ipnet if
// named) and not the network's own or broadcast address. Without ip the
// next free address of ipnet is taken.
func (c *call) allocateIP() (*IP, *mgrError) {
	var net *Net
	if name := c.p.Get("ipnet"); name != "" {
		net = c.st.findNet(name)
		if net == nil || !c.netVisible(net) {
			return nil, badValue("ipnet", name)
		}
	}
	raw := c.p.Get("ip")
	if raw == "" {
		if net == nil {
			return nil, missed("ip")
		}
		a, ok := c.st.nextFree(net)
		if !ok {
			return nil, errorf(errLimit, "ipnet", net.Name)
		}
		return &IP{IP: a.String(), Net: net.Name}, nil
	}
	a, err := netip.ParseAddr(strings.TrimSpace(raw))
	if err != nil {
		return nil, badValue("ip", raw)
	}
	if f := c.p.Get("family"); f != "" && f != family(a) {
		return nil, badValue("family", f)
	}
	if net == nil {
		net = c.st.netOf(a, c)
	}
	// The network comes first: an address taken in a network the caller
	// does not see is not there for it, like any address outside its own.
	if net == nil || !usable(netip.MustParsePrefix(net.Name), a) {
		return nil, badValue("ip", raw)
	}
	if c.st.IPs[a.String()] != nil {
		return nil, exists("ip", a.String())
	}
	return &IP{IP: a.String(), Net: net.Name}, nil
}

// usable says whether a is a host address of prefix p (IPv4 networks keep
// their network and broadcast addresses; /31 and /32 have none).
func usable(p netip.Prefix, a netip.Addr) bool {
	if !p.Contains(a) {
		return false
	}
	switch {
	case a.Is4() && p.Bits() >= 31, a.Is6() && p.Bits() >= 127:
		return true
	case a.Is6():
		return a != p.Addr() // the subnet-router anycast address
	}
	return a != p.Addr() && a != broadcast(p)
}

func broadcast(p netip.Prefix) netip.Addr {
	b := p.Addr().As4()
	host := uint32(1)<<(32-p.Bits()) - 1
	v := uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3]) | host
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)})
}

// nextFree is the lowest free host address of a network, skipping the
// gateway; the search stops after 65536 addresses.
func (st *State) nextFree(n *Net) (netip.Addr, bool) {
	p := netip.MustParsePrefix(n.Name)
	a := p.Addr()
	for i := 0; i < 1<<16 && p.Contains(a); i++ {
		if usable(p, a) && st.IPs[a.String()] == nil && a.String() != n.Gateway {
			return a, true
		}
		a = a.Next()
	}
	return netip.Addr{}, false
}

// findNet finds a network by CIDR name or id.
func (st *State) findNet(name string) *Net {
	if p, err := netip.ParsePrefix(name); err == nil {
		if n := st.Nets[p.Masked().String()]; n != nil {
			return n
		}
	}
	for _, n := range st.Nets {
		if strconv.FormatInt(n.ID, 10) == name {
			return n
		}
	}
	return nil
}

// netOf is the most specific visible network containing a.
func (st *State) netOf(a netip.Addr, c *call) *Net {
	var best *Net
	bestBits := -1
	for _, name := range ordered.Keys(st.Nets) {
		n := st.Nets[name]
		p := netip.MustParsePrefix(n.Name)
		if p.Contains(a) && p.Bits() > bestBits && c.netVisible(n) {
			best, bestBits = n, p.Bits()
		}
	}
	return best
}

// lookupIP finds the allocated address an elid names (in any spelling),
// if it lies in a network the caller sees.
func (c *call) lookupIP(elid string) (*IP, *mgrError) {
	ip := c.st.IPs[canonicalIP(elid)]
	if ip == nil || !c.netVisible(c.st.Nets[ip.Net]) {
		return nil, notFound("ip", elid)
	}
	return ip, nil
}

func ipDelete(c *call) (result, *mgrError) {
	return forEachElid(c, c.lookupIP, func(ip *IP) { delete(c.st.IPs, ip.IP) })
}

var netCols = []column{{name: "id", numeric: true}, {name: "name"}, {name: "family"}, {name: "gateway"},
	{name: "userspace"}, {name: "used", numeric: true}, {name: "note"}}

// ipnetList is func=ipnet: the networks the caller sees, with usage.
func ipnetList(c *call) (result, *mgrError) {
	used := map[string]int{}
	for _, ip := range c.st.IPs {
		used[ip.Net]++
	}
	elem := func(n *Net) *Node {
		e := newNode("elem")
		e.AddText("id", strconv.FormatInt(n.ID, 10))
		e.AddText("name", n.Name)
		e.AddText("family", family(netip.MustParsePrefix(n.Name).Addr()))
		e.AddText("gateway", n.Gateway)
		e.AddText("userspace", n.Space)
		e.AddText("used", itoa(used[n.Name]))
		e.AddText("note", n.Note)
		return e
	}
	return listResult{key: "name", cols: netCols, elems: listElems(c.st.Nets, c.netVisible, elem)}, nil
}

// ipnetEdit is func=ipnet.edit (elid: the prefix or its id); users see
// the forms of their networks, changes are for administrators. A new
// network answers with its id.
func ipnetEdit(c *call) (result, *mgrError) {
	return editFlow[*Net]{
		lookup: func(c *call, elid string) (*Net, *mgrError) {
			n := c.st.findNet(elid)
			if n == nil || !c.netVisible(n) {
				return nil, notFound("ipnet", elid)
			}
			return n, nil
		},
		blankForm: nameOnlyForm,
		form: func(n *Net, _ string) result {
			f := fieldsNode()
			f.AddText("name", n.Name)
			f.AddText("gateway", n.Gateway)
			f.AddText("userspace", n.Space)
			f.AddText("note", n.Note)
			return formResult{elid: n.Name, fields: f}
		},
		create: func(c *call) (result, *mgrError) {
			p, e := c.newNetPrefix()
			if e != nil {
				return nil, e
			}
			next := Net{Name: p.String()}
			if e := c.netFields(&next); e != nil {
				return nil, e
			}
			next.ID = c.tx.NextID(Name + ".ipnet")
			c.st.Nets[next.Name] = &next
			return okResult{id: strconv.FormatInt(next.ID, 10)}, nil
		},
		update: func(c *call, n *Net) (result, *mgrError) {
			next := *n
			if e := c.netFields(&next); e != nil {
				return nil, e
			}
			*n = next
			return ok()
		},
		submitLevel: levelAdmin,
	}.run(c, c.p.Get("elid"))
}

// newNetPrefix checks a new network: a CIDR prefix without host bits that
// overlaps no existing network.
func (c *call) newNetPrefix() (netip.Prefix, *mgrError) {
	name, e := c.require("name")
	if e != nil {
		return netip.Prefix{}, e
	}
	p, err := netip.ParsePrefix(name)
	if err != nil || p.Masked() != p {
		return netip.Prefix{}, badValue("name", name)
	}
	if c.st.Nets[p.String()] != nil {
		return netip.Prefix{}, exists("ipnet", p.String())
	}
	for _, k := range ordered.Keys(c.st.Nets) {
		if netip.MustParsePrefix(k).Overlaps(p) {
			return netip.Prefix{}, badValue("name", name)
		}
	}
	return p, nil
}

func (c *call) netFields(n *Net) *mgrError {
	p := netip.MustParsePrefix(n.Name)
	if v := c.p.Get("gateway"); v != "" {
		a, err := netip.ParseAddr(v)
		if err != nil || !p.Contains(a) {
			return badValue("gateway", v)
		}
		n.Gateway = a.String()
	}
	if c.p.Has("userspace") {
		s := c.p.Get("userspace")
		if s != "" && c.st.Spaces[s] == nil {
			return badValue("userspace", s)
		}
		n.Space = s
	}
	c.setIfSent("note", &n.Note)
	return nil
}

// ipnetDelete removes empty networks; one with addresses is refused.
func ipnetDelete(c *call) (result, *mgrError) {
	unused := func(id string) (*Net, *mgrError) {
		n := c.st.findNet(id)
		if n == nil {
			return nil, notFound("ipnet", id)
		}
		for _, ip := range ordered.Keys(c.st.IPs) {
			if c.st.IPs[ip].Net == n.Name {
				return nil, errorf(errUsed, "ipnet", n.Name)
			}
		}
		return n, nil
	}
	return forEachElid(c, unused, func(n *Net) { delete(c.st.Nets, n.Name) })
}

var spaceCols = []column{{name: "id", numeric: true}, {name: "name"}, {name: "users"}, {name: "note"}}

// userspaceList is func=userspace (administrators).
func userspaceList(c *call) (result, *mgrError) {
	return listResult{key: "name", cols: spaceCols, elems: listElems(c.st.Spaces, nil, spaceElem)}, nil
}

func spaceElem(s *Space) *Node {
	e := newNode("elem")
	e.AddText("id", strconv.FormatInt(s.ID, 10))
	e.AddText("name", s.Name)
	e.AddText("users", strings.Join(s.Users, ", "))
	e.AddText("note", s.Note)
	return e
}

// userspaceEdit is func=userspace.edit.
func userspaceEdit(c *call) (result, *mgrError) {
	return editFlow[*Space]{
		lookup:    (*call).lookupSpace,
		blankForm: nameOnlyForm,
		form: func(s *Space, _ string) result {
			f := fieldsNode()
			f.AddText("name", s.Name)
			f.AddText("users", strings.Join(s.Users, ", "))
			f.AddText("note", s.Note)
			return formResult{elid: s.Name, fields: f}
		},
		create: func(c *call) (result, *mgrError) {
			name, e := c.require("name")
			if e != nil {
				return nil, e
			}
			if !presetName.MatchString(name) {
				return nil, badValue("name", name)
			}
			if c.st.Spaces[name] != nil {
				return nil, exists("userspace", name)
			}
			next := Space{Name: name}
			if e := c.spaceParams(&next); e != nil {
				return nil, e
			}
			next.ID = c.tx.NextID(Name + ".userspace")
			c.st.Spaces[next.Name] = &next
			return ok()
		},
		update: func(c *call, s *Space) (result, *mgrError) {
			next := *s
			if e := c.spaceParams(&next); e != nil {
				return nil, e
			}
			*s = next
			return ok()
		},
	}.run(c, c.p.Get("elid"))
}

// lookupSpace finds the space an elid names.
func (c *call) lookupSpace(elid string) (*Space, *mgrError) {
	if s := c.st.Spaces[elid]; s != nil {
		return s, nil
	}
	return nil, notFound("userspace", elid)
}

// spaceParams applies the changeable parameters of a space: its users
// (every one must exist) and its note.
func (c *call) spaceParams(s *Space) *mgrError {
	if c.p.Has("users") {
		users := splitList(c.p.Get("users"))
		for _, u := range users {
			if c.st.Users[u] == nil {
				return badValue("users", u)
			}
		}
		s.Users = users
	}
	c.setIfSent("note", &s.Note)
	return nil
}

// splitList splits a comma-separated list of names.
func splitList(s string) []string {
	var out []string
	for _, v := range strings.Split(s, ",") {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

// userspaceDelete removes spaces no network uses.
func userspaceDelete(c *call) (result, *mgrError) {
	unused := func(name string) (string, *mgrError) {
		if _, e := c.lookupSpace(name); e != nil {
			return "", e
		}
		for _, k := range ordered.Keys(c.st.Nets) {
			if c.st.Nets[k].Space == name {
				return "", errorf(errUsed, "userspace", name)
			}
		}
		return name, nil
	}
	return forEachElid(c, unused, func(name string) { delete(c.st.Spaces, name) })
}
