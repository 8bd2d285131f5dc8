package imserver

import (
	"encoding/json"
	"fmt"
	"maps"
	"net"
	"net/netip"
	"slices"
	"time"

	"github.com/panelsim/panelsim/state"
)

// CheckState is the invariant check of a world's IMserver state (sim runs
// it after every restore and, in tests, after every scenario load and
// fork): every object belongs to an account that exists, references point
// at objects of the same account, a server's queued task is its own, and no
// address or zone name is held twice. A snapshot that breaks it is refused,
// so no command meets a dangling reference.
func (*Panel) CheckState(tx *state.Tx) *state.DecodeError {
	s := state.PanelState[State](tx, Name)
	return state.FirstBroken(
		s.checkKeys, s.checkCatalog, s.checkSessions, s.checkMoney, s.checkServers, s.checkTasks,
		s.checkNetworks, s.checkIfaces, s.checkDNS, s.checkTickets, s.checkTimes,
	)
}

// checkCatalog checks the presets servers are made from.
func (s *State) checkCatalog() *state.DecodeError {
	for i, p := range s.Presets {
		if err := checkConfig(Config{CPU: p.CPU, CPUType: p.CPUType, RAM: p.RAM, HDDs: p.HDDs}); err != nil {
			return state.Broken("/presets/%d", i)(msgOf(err))
		}
	}
	return nil
}

func (s *State) checkKeys() *state.DecodeError {
	for _, login := range slices.Sorted(maps.Keys(s.Accounts)) {
		a := s.Accounts[login]
		switch {
		case a == nil || a.Login != login:
			return state.Broken("/accounts/%s/login", state.PointerToken(login))("an account sits under its own login")
		case !slices.Contains(twoFactorModes, a.TwoFactor):
			return state.Broken("/accounts/%s/twofactorauth", state.PointerToken(login))(fmt.Sprintf("%q is none of %v", a.TwoFactor, twoFactorModes))
		}
	}
	for _, err := range []*state.DecodeError{
		state.KeyedBy("servers", "id", s.Servers, func(v *Server) int64 { return v.ID }),
		state.KeyedBy("tasks", "id", s.Tasks, func(v *Task) int64 { return v.ID }),
		state.KeyedBy("contracts", "id", s.Contracts, func(v *Contract) int64 { return v.ID }),
		state.KeyedBy("payments", "id", s.Payments, func(v *Payment) int64 { return v.ID }),
		state.KeyedBy("zones", "id", s.Zones, func(v *Zone) int64 { return v.ID }),
		state.KeyedBy("records", "id", s.Records, func(v *Record) int64 { return v.ID }),
		state.KeyedBy("networks", "id", s.Networks, func(v *Network) int64 { return v.ID }),
		state.KeyedBy("ifaces", "id", s.Ifaces, func(v *Iface) int64 { return v.ID }),
		state.KeyedBy("tickets", "id", s.Tickets, func(v *Ticket) int64 { return v.ID }),
	} {
		if err != nil {
			return err
		}
	}
	return nil
}

// twoFactorModes are the values of an account's twofactorauth.
var twoFactorModes = []string{TwoFactorOff, TwoFactorSMS, TwoFactorPasskey}

// owned checks an object's owner is an account.
func (s *State) owned(owner, format string, a ...any) *state.DecodeError {
	if s.Accounts[owner] == nil {
		return state.Broken(format+"/owner", a...)(fmt.Sprintf("no account %q", owner))
	}
	return nil
}

func (s *State) checkSessions() *state.DecodeError {
	for _, id := range slices.Sorted(maps.Keys(s.Sessions)) {
		ss := s.Sessions[id]
		switch {
		case ss == nil || ss.ID != id:
			return state.Broken("/sessions/%s/id", state.PointerToken(id))("a session sits under its own id")
		case s.Accounts[ss.Login] == nil:
			return state.Broken("/sessions/%s/login", state.PointerToken(id))(fmt.Sprintf("no account %q", ss.Login))
		}
	}
	return nil
}

// checkMoney checks contracts and payments: each payment is booked on a
// contract of its own account.
func (s *State) checkMoney() *state.DecodeError {
	for _, id := range slices.Sorted(maps.Keys(s.Contracts)) {
		if err := s.owned(s.Contracts[id].Owner, "/contracts/%d", id); err != nil {
			return err
		}
	}
	for _, id := range slices.Sorted(maps.Keys(s.Payments)) {
		p := s.Payments[id]
		if err := s.owned(p.Owner, "/payments/%d", id); err != nil {
			return err
		}
		if c := s.Contracts[p.Contract]; c == nil || c.Owner != p.Owner {
			return state.Broken("/payments/%d/contract", id)(fmt.Sprintf("no contract %d of %q", p.Contract, p.Owner))
		}
		if !contains(paymentTypes, p.Type) {
			return state.Broken("/payments/%d/type", id)(fmt.Sprintf("%q is not a payment type", p.Type))
		}
	}
	return nil
}

// paymentTypes are the movements of money get_payments shows.
var paymentTypes = []string{PaymentTopUp, PaymentCharge, PaymentRefund}

// serverStatuses are the stable states a server can be in.
var serverStatuses = []string{StatusRunning, StatusStopped, StatusPaused, StatusArchived, StatusError}

func (s *State) checkServers() *state.DecodeError {
	for _, id := range slices.Sorted(maps.Keys(s.Servers)) {
		sv := s.Servers[id]
		if err := s.owned(sv.Owner, "/servers/%d", id); err != nil {
			return err
		}
		switch c := s.Contracts[sv.Contract]; {
		case c == nil || c.Owner != sv.Owner:
			return state.Broken("/servers/%d/contract", id)(fmt.Sprintf("no contract %d of %q", sv.Contract, sv.Owner))
		case !contains(serverStatuses, sv.Status):
			return state.Broken("/servers/%d/status", id)(fmt.Sprintf("%q is not a server status", sv.Status))
		case sv.Template != 0 && !slices.ContainsFunc(s.Templates, func(t Template) bool { return t.ID == sv.Template }):
			return state.Broken("/servers/%d/template", id)(fmt.Sprintf("no template %d", sv.Template))
		case sv.ISO != 0 && !slices.ContainsFunc(s.ISOs, func(i ISO) bool { return i.ID == sv.ISO }):
			return state.Broken("/servers/%d/iso", id)(fmt.Sprintf("no ISO image %d", sv.ISO))
		case sv.Price < 0:
			return state.Broken("/servers/%d/price", id)("a price is not negative")
		}
		if err := checkConfig(sv.Config); err != nil {
			return state.Broken("/servers/%d/config", id)(msgOf(err))
		}
		if sv.Task != 0 {
			if t := s.Tasks[sv.Task]; t == nil || t.ServerID != id || t.Status != TaskQueued {
				return state.Broken("/servers/%d/task", id)(fmt.Sprintf("task %d is not a queued task of this server", sv.Task))
			}
		}
	}
	return nil
}

// taskStatuses are the get_logs statuses.
var taskStatuses = map[int]bool{TaskQueued: true, TaskDone: true, TaskFailed: true}

// checkTasks checks the get_logs journal: a queued task is the one its
// server waits for, on a server of its own account (a finished task may
// outlive its server: a deleted server's log stays readable).
func (s *State) checkTasks() *state.DecodeError {
	for _, id := range slices.Sorted(maps.Keys(s.Tasks)) {
		t := s.Tasks[id]
		if err := s.owned(t.Owner, "/tasks/%d", id); err != nil {
			return err
		}
		if !taskStatuses[t.Status] {
			return state.Broken("/tasks/%d/status", id)(fmt.Sprintf("%d is not a task status", t.Status))
		}
		if _, known := actions[t.Cmd]; !known {
			return state.Broken("/tasks/%d/cmd", id)(fmt.Sprintf("%q is not a command that queues a task", t.Cmd))
		}
		if t.Status != TaskQueued {
			continue
		}
		sv := s.Servers[t.ServerID]
		if sv == nil || sv.Task != id || sv.Owner != t.Owner {
			return state.Broken("/tasks/%d/serverid", id)(fmt.Sprintf("the queued task is not what server %d of %q waits for", t.ServerID, t.Owner))
		}
		if msg := s.changeProblem(t, sv); msg != "" {
			return state.Broken("/tasks/%d/change", id)(msg)
		}
	}
	return state.CheckFinished("/tasks", &s.Finished, s.Tasks, (*Task).finished)
}

// changeProblem says what is wrong with a queued task's change, the
// payload its completion applies ("" when nothing is).
func (s *State) changeProblem(t *Task, sv *Server) string {
	decode := func(v any) string {
		if err := state.DecodeStrict(t.Change, v); err != nil {
			return fmt.Sprintf("not a %s change: %v", t.Cmd, err)
		}
		return ""
	}
	switch t.Cmd {
	case CmdUpdate:
		var u serverUpdate
		if msg := decode(&u); msg != "" {
			return msg
		}
		if u.Config != nil {
			if err := checkConfig(*u.Config); err != nil {
				return msgOf(err)
			}
		}
	case CmdReinstall:
		var r reinstallChange
		if msg := decode(&r); msg != "" {
			return msg
		}
		if !slices.ContainsFunc(s.Templates, func(tp Template) bool { return tp.ID == r.Template }) {
			return fmt.Sprintf("no template %d", r.Template)
		}
	case CmdEth:
		var e ethChange
		if msg := decode(&e); msg != "" {
			return msg
		}
		return s.ethProblem(e, sv)
	}
	return ""
}

// ethProblem checks an eth_action change: an attach to a network of the
// server's account at an address inside it, a detach of one of the
// server's private interfaces.
func (s *State) ethProblem(e ethChange, sv *Server) string {
	switch e.Action {
	case EthAttach:
		n := s.Networks[e.Network]
		if n == nil || n.Owner != sv.Owner {
			return fmt.Sprintf("no network %d of %q", e.Network, sv.Owner)
		}
		if a, err := netip.ParseAddr(e.IP); err != nil || !netip.MustParsePrefix(n.Subnet).Contains(a) {
			return fmt.Sprintf("%q is not an address of network %d", e.IP, n.ID)
		}
	case EthDetach:
		if i := s.Ifaces[e.Iface]; i == nil || i.Server != sv.ID || i.Network == 0 {
			return fmt.Sprintf("no private interface %d on server %d", e.Iface, sv.ID)
		}
	default:
		return fmt.Sprintf("action %q is neither attach nor detach", e.Action)
	}
	return ""
}

func (s *State) checkNetworks() *state.DecodeError {
	for _, id := range slices.Sorted(maps.Keys(s.Networks)) {
		n := s.Networks[id]
		if err := s.owned(n.Owner, "/networks/%d", id); err != nil {
			return err
		}
		if p, err := netip.ParsePrefix(n.Subnet); err != nil || p != p.Masked() || !p.Addr().Is4() {
			return state.Broken("/networks/%d/subnet", id)(fmt.Sprintf("%q is not an IPv4 network", n.Subnet))
		}
		if _, err := time.Parse(timeLayout, n.Created); err != nil {
			return state.Broken("/networks/%d/created", id)(fmt.Sprintf("%q is not a time as the panel writes it (%s)", n.Created, timeLayout))
		}
	}
	return nil
}

// checkIfaces checks interfaces: each is a server's, private ones sit in a
// network of the server's account and inside its subnet, every server has
// one public interface, and no address is held twice (public addresses
// across the panel, private ones within their network).
func (s *State) checkIfaces() *state.DecodeError {
	held := map[[2]string]int64{}
	public := map[int64]int64{}
	for _, id := range slices.Sorted(maps.Keys(s.Ifaces)) {
		i := s.Ifaces[id]
		sv := s.Servers[i.Server]
		if sv == nil {
			return state.Broken("/ifaces/%d/server", id)(fmt.Sprintf("no server %d", i.Server))
		}
		if err := s.checkIfaceNet(id, i, sv); err != nil {
			return err
		}
		if i.Network == 0 {
			if other, two := public[i.Server]; two {
				return state.Broken("/ifaces/%d/network", id)(fmt.Sprintf("server %d has public interface %d already", i.Server, other))
			}
			public[i.Server] = id
		}
		place := [2]string{fmt.Sprint(i.Network), i.IP}
		if other, taken := held[place]; taken {
			return state.Broken("/ifaces/%d/ip", id)(fmt.Sprintf("%s is held by interface %d too", i.IP, other))
		}
		held[place] = id
	}
	for _, id := range slices.Sorted(maps.Keys(s.Servers)) {
		if _, ok := public[id]; !ok {
			return state.Broken("/servers/%d", id)("the server has no public interface")
		}
	}
	return nil
}

func (s *State) checkIfaceNet(id int64, i *Iface, sv *Server) *state.DecodeError {
	if hw, err := net.ParseMAC(i.MAC); err != nil || len(hw) != 6 || hw.String() != i.MAC {
		return state.Broken("/ifaces/%d/mac", id)(fmt.Sprintf("%q is not a MAC address as the panel writes one (aa:bb:cc:dd:ee:ff)", i.MAC))
	}
	addr, err := netip.ParseAddr(i.IP)
	if err != nil || !addr.Is4() {
		return state.Broken("/ifaces/%d/ip", id)(fmt.Sprintf("%q is not an IPv4 address", i.IP))
	}
	if i.Network == 0 {
		return nil
	}
	n := s.Networks[i.Network]
	if n == nil || n.Owner != sv.Owner {
		return state.Broken("/ifaces/%d/network", id)(fmt.Sprintf("no network %d of %q", i.Network, sv.Owner))
	}
	if !netip.MustParsePrefix(n.Subnet).Contains(addr) {
		return state.Broken("/ifaces/%d/ip", id)(fmt.Sprintf("%s is outside network %d (%s)", i.IP, n.ID, n.Subnet))
	}
	return nil
}

// checkDNS checks zones and records: zone names are unique across the
// panel (one name server set serves them all) and every record is a zone's.
func (s *State) checkDNS() *state.DecodeError {
	names := map[string]int64{}
	for _, id := range slices.Sorted(maps.Keys(s.Zones)) {
		z := s.Zones[id]
		if err := s.owned(z.Owner, "/zones/%d", id); err != nil {
			return err
		}
		if other, taken := names[z.Name]; taken {
			return state.Broken("/zones/%d/name", id)(fmt.Sprintf("zone %d is named %s too", other, z.Name))
		}
		names[z.Name] = id
	}
	for _, id := range slices.Sorted(maps.Keys(s.Records)) {
		r := s.Records[id]
		if s.Zones[r.Zone] == nil {
			return state.Broken("/records/%d/zone", id)(fmt.Sprintf("no zone %d", r.Zone))
		}
		// The record passes add_dns_record's own content check (on a copy:
		// the check also normalises what it is given).
		probe := *r
		if err := checkContent(&probe, r.Priority); err != nil {
			return state.Broken("/records/%d", id)(err.Error())
		}
	}
	return nil
}

// checkTickets checks tickets belong to accounts; a ticket about a server
// may outlive it (deleting a server keeps its tickets).
func (s *State) checkTickets() *state.DecodeError {
	for _, id := range slices.Sorted(maps.Keys(s.Tickets)) {
		tk := s.Tickets[id]
		if err := s.owned(tk.Owner, "/tickets/%d", id); err != nil {
			return err
		}
		if !contains(ticketStatuses, tk.Status) {
			return state.Broken("/tickets/%d/status", id)(fmt.Sprintf("%q is not a ticket status", tk.Status))
		}
		for i, m := range tk.Messages {
			if !contains(ticketAuthors, m.Author) {
				return state.Broken("/tickets/%d/messages/%d/author", id, i)(fmt.Sprintf("%q writes no ticket", m.Author))
			}
		}
	}
	return nil
}

// ticketStatuses and ticketAuthors are what get_tickets can show.
var (
	ticketStatuses = []string{TicketOpen, TicketAnswered, TicketClosed}
	ticketAuthors  = []string{"client", "support"}
)

// CheckSteps checks the panel's pending steps: a task step completes a
// queued task that exists, each queued task has exactly one, and a
// support reply answers a ticket that exists.
func (*Panel) CheckSteps(tx *state.Tx, queue []state.Step) *state.DecodeError {
	s := state.PanelState[State](tx, Name)
	stepOf := map[int64]int{}
	for i, step := range queue {
		switch step.Kind {
		case stepTask:
			var a taskArgs
			if err := json.Unmarshal(step.Args, &a); err != nil {
				return state.Broken("/queue/%d/args", i)(err.Error())
			}
			if t := s.Tasks[a.Task]; t == nil || t.Status != TaskQueued {
				return state.Broken("/queue/%d/args/task", i)(fmt.Sprintf("no queued task %d", a.Task))
			}
			if first, seen := stepOf[a.Task]; seen {
				return state.Broken("/queue/%d/args/task", i)(fmt.Sprintf("task %d already completes at step %d", a.Task, first))
			}
			stepOf[a.Task] = i
		case stepTicketReply:
			var a ticketArgs
			if err := json.Unmarshal(step.Args, &a); err != nil {
				return state.Broken("/queue/%d/args", i)(err.Error())
			}
			if s.Tickets[a.Ticket] == nil {
				return state.Broken("/queue/%d/args/ticket", i)(fmt.Sprintf("no ticket %d", a.Ticket))
			}
		}
	}
	for _, id := range slices.Sorted(maps.Keys(s.Tasks)) {
		if _, coming := stepOf[id]; !coming && s.Tasks[id].Status == TaskQueued {
			return state.Broken("/panels/%s/tasks/%d/status", Name, id)("the task is queued and no step in the queue completes it")
		}
	}
	return nil
}

// checkTimes checks the times a listing shows as "YYYY-MM-DD HH:MM:SS"
// (the contract's DateTime): a zero time would be shown as "", which no
// client parses, so an object the panel made always has them.
func (s *State) checkTimes() *state.DecodeError {
	var bad *state.DecodeError
	need := func(t time.Time, format string, a ...any) {
		if bad == nil && t.IsZero() {
			bad = state.Broken(format, a...)("no time: listings show it as " + timeLayout)
		}
	}
	for _, id := range slices.Sorted(maps.Keys(s.Servers)) {
		need(s.Servers[id].Created, "/servers/%d/created", id)
	}
	for _, id := range slices.Sorted(maps.Keys(s.Tasks)) {
		need(s.Tasks[id].Posted, "/tasks/%d/datepost", id)
	}
	for _, id := range slices.Sorted(maps.Keys(s.Zones)) {
		need(s.Zones[id].Created, "/zones/%d/created", id)
	}
	for _, id := range slices.Sorted(maps.Keys(s.Contracts)) {
		need(s.Contracts[id].Date, "/contracts/%d/date", id)
	}
	for _, id := range slices.Sorted(maps.Keys(s.Payments)) {
		need(s.Payments[id].Date, "/payments/%d/date", id)
	}
	for _, id := range slices.Sorted(maps.Keys(s.Tickets)) {
		tk := s.Tickets[id]
		need(tk.Created, "/tickets/%d/created", id)
		need(tk.Updated, "/tickets/%d/updated", id)
		for i, m := range tk.Messages {
			need(m.Date, "/tickets/%d/messages/%d/date", id, i)
		}
	}
	return bad
}
