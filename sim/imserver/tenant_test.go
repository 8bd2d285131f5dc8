package imserver_test

import (
	"bytes"
	"maps"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/panelsim/panelsim/panelsimtest"
	"github.com/panelsim/panelsim/sim/imserver"
	"github.com/panelsim/panelsim/state"
)

// tenantsYAML has two accounts: alice probes, bob owns what she aims at.
// Each has a server in a private network, a contract and (bob) a zone.
const tenantsYAML = `
imserver:
  accounts:
    - login: alice
      password: alicepass
      contracts: [{id: 11, balance: 5000, default: true}]
      servers:
        - {id: 6001, name: a1, status: running, preset: 1}
      networks:
        - {name: front, subnet: 10.1.0.0/24, servers: [6001]}
    - login: bob
      password: bobpass
      contracts: [{id: 21, balance: 5000, default: true}]
      servers:
        - {id: 7001, name: b1, status: running, preset: 1}
        - {id: 7002, name: b2, status: stopped, preset: 1}
      dns_zones:
        - name: bob.example
          records:
            - {name: www, type: A, content: 192.0.2.10}
      networks:
        - {name: back, subnet: 10.2.0.0/24, servers: [7001]}
`

// bobs are the ids of bob's objects, as strings for the gateway.
type bobs struct {
	zone, record, network, iface, ticket string
}

// missing is an id no object of any kind has.
const missing = "999999"

// setUpBob finds bob's seeded objects, opens a ticket and queues a task
// on his stopped server (so it is busy: a probe must still be "not found").
func setUpBob(t testing.TB, a *api) (alice string, b bobs) {
	t.Helper()
	bob := a.login("bob", "bobpass")
	b.zone = idOf(into[[]struct{ ID int64 }](t, a.ok(bob, "get_dns_zones"))[0].ID)
	b.record = idOf(into[[]struct{ ID int64 }](t, a.ok(bob, "get_dns_records", "zone", b.zone))[0].ID)
	b.network = idOf(into[[]struct{ ID int64 }](t, a.ok(bob, "get_networks"))[0].ID)
	for _, i := range into[[]struct {
		ID   int64
		Type string
	}](t, a.ok(bob, "get_interfaces", "id", "7001")) {
		if i.Type == "private" {
			b.iface = idOf(i.ID)
		}
	}
	b.ticket = a.str(a.ok(bob, "add_ticket", "subject", "help", "message", "server b1 is slow", "serverid", "7001"))
	a.ok(bob, "run_server", "id", "7002")
	if b.iface == "" {
		t.Fatal("bob's server has no private interface")
	}
	return a.login("alice", "alicepass"), b
}

// gwProbe is one command of the matrix aimed at bob's object (foreign),
// and the code it must get; the same command with missing instead of
// foreign must get the same answer, reason included.
type gwProbe struct {
	cmd     string
	kv      []string
	code    string
	foreign string
}

// gwCommand is a command's row in the matrix: its probes, or why it has
// none (it lists the caller's own objects, checked by
// TestTenantListsShowOnlyOwnObjects, or acts on the catalog or the
// caller alone).
type gwCommand struct {
	probes       func(b bobs) []gwProbe
	listed, none bool
}

func onServer(cmd, code string, kv ...string) gwCommand {
	return gwCommand{probes: func(bobs) []gwProbe {
		var out []gwProbe
		for _, id := range []string{"7001", "7002"} {
			out = append(out, gwProbe{cmd: cmd, kv: append([]string{"id", id}, kv...), code: code, foreign: id})
		}
		return out
	}}
}

func on(cmd, code string, pick func(b bobs) string, kv ...string) gwCommand {
	return gwCommand{probes: func(b bobs) []gwProbe {
		id := pick(b)
		full := make([]string, len(kv))
		for i, v := range kv {
			full[i] = strings.ReplaceAll(v, "$ID", id)
		}
		return []gwProbe{{cmd: cmd, kv: full, code: code, foreign: id}}
	}}
}

func gatewayMatrix() map[string]gwCommand {
	zone := func(b bobs) string { return b.zone }
	record := func(b bobs) string { return b.record }
	network := func(b bobs) string { return b.network }
	ticket := func(b bobs) string { return b.ticket }
	contract := func(bobs) string { return "21" }
	server := func(bobs) string { return "7001" }
	return map[string]gwCommand{
		"logout": {none: true}, "get_account": {none: true}, "get_presets": {none: true},
		"get_templates": {none: true}, "get_isos": {none: true}, "add_network": {none: true},
		"get_dns_zones": {listed: true}, "get_networks": {listed: true}, "get_contracts": {listed: true},
		// Zone names are one namespace (one name server set serves every
		// account): add_dns_zone of bob's name is 0032, as for any taken
		// name; TestZoneNamesAreOneNamespace pins it.
		"add_dns_zone": {none: true},

		"get_servers":        onServer("get_servers", "0020"),
		"get_servers_status": onServer("get_servers_status", "0020"),
		"run_server":         onServer("run_server", "0020"),
		"stop_server":        onServer("stop_server", "0020"),
		"pause_server":       onServer("pause_server", "0020"),
		"reload_server":      onServer("reload_server", "0020"),
		"archive_server":     onServer("archive_server", "0020"),
		"del_server":         onServer("del_server", "0020"),
		"reinstall_server":   onServer("reinstall_server", "0020", "template", "2"),
		"update_server":      onServer("update_server", "0020", "json", `{"server_name":"mine"}`),
		"eth_action":         onServer("eth_action", "0020", "action", "attach", "network", "1"),
		"get_logs":           onServer("get_logs", "0020"),
		"get_interfaces":     onServer("get_interfaces", "0020"),
		"get_stats":          onServer("get_stats", "0020"),
		"mount_iso":          onServer("mount_iso", "0020", "iso", "1"),
		"umount_iso":         onServer("umount_iso", "0020"),
		"add_ticket":         on("add_ticket", "0020", server, "subject", "x", "message", "y", "serverid", "$ID"),

		"get_dns_records": on("get_dns_records", "0023", zone, "zone", "$ID"),
		"add_dns_record":  on("add_dns_record", "0023", zone, "zone", "$ID", "name", "evil", "type", "A", "content", "192.0.2.66"),
		"del_dns_zone":    on("del_dns_zone", "0023", zone, "id", "$ID"),
		"del_dns_record":  on("del_dns_record", "0023", record, "id", "$ID"),
		"del_network":     on("del_network", "0023", network, "id", "$ID"),
		"get_tickets":     on("get_tickets", "0023", ticket, "id", "$ID"),
		"reply_ticket":    on("reply_ticket", "0023", ticket, "id", "$ID", "message", "me too"),
		"close_ticket":    on("close_ticket", "0023", ticket, "id", "$ID"),
		"get_balance":     on("get_balance", "0031", contract, "contract", "$ID"),
		"get_payments":    on("get_payments", "0031", contract, "contract", "$ID"),
		"add_server":      on("add_server", "0031", contract, "json", `{"preset":1,"contract":$ID}`),
	}
}

// crossProbes aim alice's own server at bob's network and interface: the
// reference, not the server, is what is foreign.
func crossProbes(b bobs) []gwProbe {
	return []gwProbe{
		{cmd: "eth_action", kv: []string{"id", "6001", "action", "attach", "network", b.network}, code: "0023", foreign: b.network},
		{cmd: "eth_action", kv: []string{"id", "6001", "action", "detach", "interface", b.iface}, code: "0023", foreign: b.iface},
	}
}

// The matrix names every command of the gateway but login (which has no
// session to be a tenant with) and none it lacks, so a command added later
// fails here until its tenant boundary is probed.
func TestTenantMatrixCoversEveryCommand(t *testing.T) {
	matrix := gatewayMatrix()
	cmds := imserver.Commands()
	for name, public := range cmds {
		if _, ok := matrix[name]; !ok && !public {
			t.Errorf("command %s is not in the tenant matrix", name)
		}
	}
	for name := range matrix {
		if public, ok := cmds[name]; !ok || public {
			t.Errorf("the tenant matrix names %s, which is no session command of the gateway", name)
		}
	}
}

// One account trying every command on another's servers, tickets, DNS
// zones and records, networks, interfaces and contracts gets the code a
// missing object gets, with the same reason; the world is byte for byte as
// before, and every probe is journaled.
func TestTenantMatrixRefusesOthersObjects(t *testing.T) {
	a := newAPI(t, panelsimtest.WithScenarioYAML(tenantsYAML))
	alice, b := setUpBob(t, a)
	before := a.srv.Snapshot()
	matrix := gatewayMatrix()
	probes := crossProbes(b)
	for _, name := range slices.Sorted(maps.Keys(matrix)) {
		if matrix[name].probes != nil {
			probes = append(probes, matrix[name].probes(b)...)
		}
	}
	for _, p := range probes {
		t.Run(p.cmd+"/"+strings.Join(p.kv, "="), func(t *testing.T) {
			sa := a.with(t)
			foreign := sa.refusal(alice, p.cmd, p.code, p.kv)
			absent := sa.refusal(alice, p.cmd, p.code, swap(p.kv, p.foreign, missing))
			if !bytes.Equal(foreign.body, absent.body) {
				t.Errorf("bob's object answers %s, a missing one %s", foreign.body, absent.body)
			}
			if want := sameID(p.foreign).ReplaceAllString(foreign.reason, missing); want != absent.reason {
				t.Errorf("bob's object is told apart by its reason: %q, a missing one %q", foreign.reason, absent.reason)
			}
		})
	}
	if after := a.srv.Snapshot(); !bytes.Equal(before, after) {
		t.Error("refused probes changed the world")
	}
	journaledCmds(t, a.srv, alice, probes)
}

type refusal struct {
	body   []byte
	reason string
}

// refusal sends a command and checks it is refused with code.
func (a *api) refusal(sess, cmd, code string, kv []string) refusal {
	a.t.Helper()
	r := a.c.Get("/api?" + values(append([]string{"cmd", cmd, "sess", sess}, kv...)...).Encode())
	ans := a.decode(r)
	if ans.Success || ans.code() != code {
		a.t.Fatalf("%s %v: want error %s, got %s", cmd, kv, code, ans.raw)
	}
	return refusal{body: r.Body, reason: r.Header.Get("X-Panelsim-Reason")}
}

func swap(kv []string, from, to string) []string {
	out := make([]string, len(kv))
	for i, v := range kv {
		out[i] = sameID(from).ReplaceAllString(v, to)
	}
	return out
}

func sameID(id string) *regexp.Regexp { return regexp.MustCompile(`\b` + regexp.QuoteMeta(id) + `\b`) }

// journaledCmds checks every probe (and its missing-object twin) is in
// the journal under its command.
func journaledCmds(t *testing.T, srv *panelsimtest.Server, sess string, probes []gwProbe) {
	t.Helper()
	entries := srv.Requests(state.JournalFilter{Panel: imserver.Name})
	for _, p := range probes {
		for _, kv := range [][]string{p.kv, swap(p.kv, p.foreign, missing)} {
			q := values(append([]string{"cmd", p.cmd, "sess", sess}, kv...)...).Encode()
			if !slices.ContainsFunc(entries, func(e state.Entry) bool { return e.Op == p.cmd && e.Query == q && e.Status == 200 }) {
				t.Errorf("%s %v is not journaled", p.cmd, kv)
			}
		}
	}
}

// What alice's lists show is hers: bob's servers, statuses, interfaces,
// tasks, zones, networks, contracts, payments and tickets never appear.
func TestTenantListsShowOnlyOwnObjects(t *testing.T) {
	a := newAPI(t, panelsimtest.WithScenarioYAML(tenantsYAML))
	alice, _ := setUpBob(t, a)
	a.ok(alice, "add_ticket", "subject", "mine", "message", "hello")
	var own map[string][]int64
	_ = a.srv.Do(func(tx *state.Tx) error {
		s := state.PanelState[imserver.State](tx, imserver.Name)
		own = map[string][]int64{
			"server": ownedBy(s.Servers, func(v *imserver.Server) bool { return v.Owner == "alice" }),
			"iface": ownedBy(s.Ifaces, func(v *imserver.Iface) bool {
				return s.Servers[v.Server] != nil && s.Servers[v.Server].Owner == "alice"
			}),
			"task":     ownedBy(s.Tasks, func(v *imserver.Task) bool { return v.Owner == "alice" }),
			"zone":     ownedBy(s.Zones, func(v *imserver.Zone) bool { return v.Owner == "alice" }),
			"network":  ownedBy(s.Networks, func(v *imserver.Network) bool { return v.Owner == "alice" }),
			"contract": ownedBy(s.Contracts, func(v *imserver.Contract) bool { return v.Owner == "alice" }),
			"payment":  ownedBy(s.Payments, func(v *imserver.Payment) bool { return v.Owner == "alice" }),
			"ticket":   ownedBy(s.Tickets, func(v *imserver.Ticket) bool { return v.Owner == "alice" }),
		}
		return nil
	})
	for cmd, kind := range map[string]string{
		"get_servers": "server", "get_servers_status": "server", "get_interfaces": "iface", "get_logs": "task",
		"get_dns_zones": "zone", "get_networks": "network", "get_contracts": "contract", "get_payments": "payment",
		"get_tickets": "ticket",
	} {
		items := into[[]struct{ ID int64 }](t, a.ok(alice, cmd))
		for _, it := range items {
			if !slices.Contains(own[kind], it.ID) {
				t.Errorf("%s shows %s %d, which is not alice's", cmd, kind, it.ID)
			}
		}
		if len(items) != len(own[kind]) {
			t.Errorf("%s shows %d, alice has %d", cmd, len(items), len(own[kind]))
		}
	}
	bal := into[struct {
		Contracts []struct{ ID int64 } `json:"contracts"`
	}](t, a.ok(alice, "get_balance"))
	if len(bal.Contracts) != 1 || bal.Contracts[0].ID != 11 {
		t.Errorf("get_balance shows contracts %v, alice has 11 only", bal.Contracts)
	}
}

// DNS zone names are one namespace across accounts (one name server set
// serves them all): a name another account holds is refused as taken,
// the one place an account learns of another's object. It changes nothing.
func TestZoneNamesAreOneNamespace(t *testing.T) {
	a := newAPI(t, panelsimtest.WithScenarioYAML(tenantsYAML))
	alice, _ := setUpBob(t, a)
	before := a.srv.Snapshot()
	a.fails("0032", alice, "add_dns_zone", "name", "bob.example")
	if after := a.srv.Snapshot(); !bytes.Equal(before, after) {
		t.Error("a refused zone changed the world")
	}
	if zones := into[[]struct{ Name string }](t, a.ok(alice, "get_dns_zones")); len(zones) != 0 {
		t.Errorf("alice sees zones %v", zones)
	}
}

// ownedBy is the ids of m's objects that mine says are the tenant's.
func ownedBy[V any](m map[int64]*V, mine func(*V) bool) []int64 {
	var ids []int64
	for id, v := range m {
		if mine(v) {
			ids = append(ids, id)
		}
	}
	return ids
}
