package ispmgr

import (
	"fmt"
	"net/netip"

	"github.com/panelsim/panelsim/internal/ordered"
	"github.com/panelsim/panelsim/state"
)

// CheckState is the invariant check of a world's mgr5 state (sim runs it
// after every restore and, in tests, after every scenario load and fork):
// every table is keyed by its objects' names, every owner, mail domain,
// database server, network and address space an object names exists,
// addresses and networks parse (handlers rely on it), no address or
// address range is held twice, and limits are what the panel accepts. A
// snapshot that breaks it is refused, so no call meets a dangling name.
//
// Object counts are not compared with the owner's limits: user.edit may
// lower a limit below what the user already has (the objects stay, the
// limit stops new ones), so a world over its limit is one the panel
// itself makes.
func (*Panel) CheckState(tx *state.Tx) *state.DecodeError {
	st := state.PanelState[State](tx, Name)
	return state.FirstBroken(
		st.checkKeys, st.checkUsers, st.checkOwned, st.checkMail, st.checkDBs, st.checkNets, st.checkAddresses, st.checkLogins,
	)
}

// broken is the error at the JSON pointer /table/key/field (field may be
// empty), escaping the key as RFC 6901 asks (network names hold "/").
func broken(table, key, field, format string, a ...any) *state.DecodeError {
	ptr := "/" + table + "/" + state.PointerToken(key)
	if field != "" {
		ptr += "/" + field
	}
	return &state.DecodeError{Pointer: ptr, Msg: fmt.Sprintf(format, a...)}
}

func (st *State) checkKeys() *state.DecodeError {
	for _, err := range []*state.DecodeError{
		state.KeyedBy("users", "name", st.Users, func(u *User) string { return u.Name }),
		state.KeyedBy("presets", "name", st.Presets, func(p *Preset) string { return p.Name }),
		state.KeyedBy("webdomains", "name", st.WebDomains, func(w *WebDomain) string { return w.Name }),
		state.KeyedBy("emaildomains", "name", st.EmailDomains, func(d *EmailDomain) string { return d.Name }),
		state.KeyedBy("mailboxes", "name", st.Mailboxes, (*Mailbox).Address),
		state.KeyedBy("zones", "name", st.Zones, func(z *Zone) string { return z.Name }),
		state.KeyedBy("dbs", "name", st.DBs, func(d *Database) string { return d.Name }),
		state.KeyedBy("dbservers", "name", st.DBServers, func(s *DBServer) string { return s.Name }),
		state.KeyedBy("ftpusers", "name", st.FTPUsers, func(f *FTPUser) string { return f.Name }),
		state.KeyedBy("ipaddrs", "ip", st.IPAddrs, func(a *IPAddr) string { return a.IP }),
		state.KeyedBy("userspaces", "name", st.Spaces, func(s *Space) string { return s.Name }),
		state.KeyedBy("ipnets", "name", st.Nets, func(n *Net) string { return n.Name }),
		state.KeyedBy("ips", "ip", st.IPs, func(ip *IP) string { return ip.IP }),
		state.KeyedBy("sessions", "id", st.Sessions, func(s *Session) string { return s.ID }),
		state.KeyedBy("keys", "key", st.Keys, func(k *Key) string { return k.Key }),
	} {
		if err != nil {
			return err
		}
	}
	return nil
}

// checkUsers: a known level, an owner that is a reseller, and limits the
// panel accepts (known names, not negative).
func (st *State) checkUsers() *state.DecodeError {
	for _, name := range ordered.Keys(st.Users) {
		u := st.Users[name]
		switch {
		case u.Level != levelUser && u.Level != levelReseller && u.Level != levelAdmin:
			return broken("users", name, "level", "level %d is none of 16, 20, 30", u.Level)
		case u.Owner != "" && (st.Users[u.Owner] == nil || st.Users[u.Owner].Level != levelReseller):
			return broken("users", name, "owner", "owner %q is not a reseller", u.Owner)
		}
		if err := checkLimits("users", name, u.Limits); err != nil {
			return err
		}
	}
	for _, name := range ordered.Keys(st.Presets) {
		if err := checkLimits("presets", name, st.Presets[name].Limits); err != nil {
			return err
		}
	}
	return nil
}

func checkLimits(table, key string, limits map[string]int) *state.DecodeError {
	for _, l := range ordered.Keys(limits) {
		switch {
		case !isLimitName(l):
			return broken(table, key, "limits/"+l, "unknown limit %q", l)
		case limits[l] < 0:
			return broken(table, key, "limits/"+l, "a limit must not be negative")
		}
	}
	return nil
}

// ownerOK says whether name can own hosting objects: an existing account
// below the administrators (what ownerFor and the seeder accept).
func (st *State) ownerOK(name string) bool {
	u := st.Users[name]
	return u != nil && u.Level < levelAdmin
}

// ownedBy checks the owner of every object of a table.
func ownedBy[V any](st *State, table string, m map[string]*V, owner func(*V) string) *state.DecodeError {
	for _, k := range ordered.Keys(m) {
		if o := owner(m[k]); !st.ownerOK(o) {
			return broken(table, k, "owner", "owner %q is not a user", o)
		}
	}
	return nil
}

func (st *State) checkOwned() *state.DecodeError {
	for _, err := range []*state.DecodeError{
		ownedBy(st, "webdomains", st.WebDomains, webOwner),
		ownedBy(st, "emaildomains", st.EmailDomains, mailDomOwner),
		ownedBy(st, "mailboxes", st.Mailboxes, mailboxOwner),
		ownedBy(st, "zones", st.Zones, zoneOwner),
		ownedBy(st, "dbs", st.DBs, dbOwner),
		ownedBy(st, "ftpusers", st.FTPUsers, ftpOwner),
	} {
		if err != nil {
			return err
		}
	}
	return nil
}

// checkMail: a mailbox lives in an existing mail domain and belongs to
// that domain's owner.
func (st *State) checkMail() *state.DecodeError {
	for _, addr := range ordered.Keys(st.Mailboxes) {
		m := st.Mailboxes[addr]
		d := st.EmailDomains[m.Domain]
		switch {
		case d == nil:
			return broken("mailboxes", addr, "domain", "no mail domain %q", m.Domain)
		case d.Owner != m.Owner:
			return broken("mailboxes", addr, "owner", "owner %q, but the mail domain is %q's", m.Owner, d.Owner)
		}
	}
	return nil
}

// checkDBs: a database on a named server is on one that exists.
func (st *State) checkDBs() *state.DecodeError {
	for _, name := range ordered.Keys(st.DBs) {
		if s := st.DBs[name].Server; s != "" && st.DBServers[s] == nil {
			return broken("dbs", name, "server", "no database server %q", s)
		}
	}
	return nil
}

// checkAddresses: ISPmanager addresses and IPmanager allocations are
// addresses in their canonical spelling (so none is held twice under two
// spellings); an assigned address has an owner, a shared one none; an
// allocation lies in its network.
func (st *State) checkAddresses() *state.DecodeError {
	for _, ip := range ordered.Keys(st.IPAddrs) {
		a := st.IPAddrs[ip]
		switch {
		case canonicalIP(ip) != ip:
			return broken("ipaddrs", ip, "ip", "%q is not an address in canonical form", ip)
		case a.Role != roleShared && a.Role != roleAssigned:
			return broken("ipaddrs", ip, "role", "role %q is neither shared nor assigned", a.Role)
		case a.Role == roleAssigned && !st.ownerOK(a.Owner):
			return broken("ipaddrs", ip, "owner", "owner %q is not a user", a.Owner)
		case a.Role == roleShared && a.Owner != "":
			return broken("ipaddrs", ip, "owner", "a shared address has no owner")
		case a.Allocated && st.IPs[ip] == nil:
			return broken("ipaddrs", ip, "allocated", "allocated in IPmanager, but no IPmanager address %s", ip)
		}
	}
	for _, ip := range ordered.Keys(st.IPs) {
		n := st.Nets[st.IPs[ip].Net]
		switch {
		case canonicalIP(ip) != ip:
			return broken("ips", ip, "ip", "%q is not an address in canonical form", ip)
		case n == nil:
			return broken("ips", ip, "ipnet", "no network %q", st.IPs[ip].Net)
		case !netip.MustParsePrefix(n.Name).Contains(netip.MustParseAddr(ip)):
			return broken("ips", ip, "ipnet", "%s is not in %s", ip, n.Name)
		}
	}
	return nil
}

// checkNets: networks are prefixes without host bits that overlap no
// other, in an existing address space; spaces name existing users. It
// runs before the addresses are placed in their networks.
func (st *State) checkNets() *state.DecodeError {
	seen := map[string]netip.Prefix{}
	for _, name := range ordered.Keys(st.Nets) {
		p, err := netip.ParsePrefix(name)
		if err != nil || p.Masked() != p {
			return broken("ipnets", name, "name", "%q is not a network prefix", name)
		}
		for other, q := range seen {
			if q.Overlaps(p) {
				return broken("ipnets", name, "name", "%s overlaps %s", name, other)
			}
		}
		seen[name] = p
		if s := st.Nets[name].Space; s != "" && st.Spaces[s] == nil {
			return broken("ipnets", name, "userspace", "no address space %q", s)
		}
	}
	for _, name := range ordered.Keys(st.Spaces) {
		for i, u := range st.Spaces[name].Users {
			if st.Users[u] == nil {
				return broken("userspaces", name, fmt.Sprintf("users/%d", i), "no user %q", u)
			}
		}
	}
	return nil
}

// checkLogins: sessions and one-time keys are of existing accounts (a
// deleted account's are deleted with it).
func (st *State) checkLogins() *state.DecodeError {
	for _, id := range ordered.Keys(st.Sessions) {
		if u := st.Sessions[id].User; st.Users[u] == nil {
			return broken("sessions", id, "user", "no user %q", u)
		}
	}
	for _, k := range ordered.Keys(st.Keys) {
		if u := st.Keys[k].User; u != "" && st.Users[u] == nil {
			return broken("keys", k, "user", "no user %q", u)
		}
	}
	return nil
}
