package imserver_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/panelsim/panelsim/internal/simtest"
	"github.com/panelsim/panelsim/panelsimtest"
	"github.com/panelsim/panelsim/sim/imserver"
	"github.com/panelsim/panelsim/state"
)

// snapshotDoc is a world's snapshot as loose JSON, to break on purpose.
type snapshotDoc simtest.Snapshot

func takeSnapshot(t *testing.T, c *simtest.Client) snapshotDoc {
	return snapshotDoc(c.Snapshot(t))
}

func (d snapshotDoc) im() map[string]any { return simtest.Snapshot(d).Panel("imserver") }

// obj is one of the snapshot's IMserver objects.
func (d snapshotDoc) obj(kind, key string) map[string]any {
	return simtest.Snapshot(d).Object("imserver", kind, key)
}

func (d snapshotDoc) queue() []any { return simtest.Snapshot(d).Queue() }

// step finds the first pending step of a kind and its index.
func (d snapshotDoc) step(t *testing.T, kind string) (int, map[string]any) {
	t.Helper()
	for i, s := range d.queue() {
		if st := s.(map[string]any); st["kind"] == kind {
			return i, st
		}
	}
	t.Fatalf("no %s step pending", kind)
	return 0, nil
}

// firstKey is the lowest key of one of the state's maps.
func (d snapshotDoc) firstKey(kind string) string {
	var first string
	for k := range d.im()[kind].(map[string]any) {
		if first == "" || len(k) < len(first) || (len(k) == len(first) && k < first) {
			first = k
		}
	}
	return first
}

// refused PUTs a broken snapshot: refused at pointer, nothing changed.
func refused(t *testing.T, c *simtest.Client, doc snapshotDoc, pointer string) {
	t.Helper()
	c.RestoreRefused(t, simtest.Snapshot(doc), pointer)
}

// Snapshots whose IMserver part is inconsistent are refused by the panel's
// invariant check with the pointer of the first problem, and change
// nothing. Several of these broke a command before (a network whose subnet
// does not parse panicked on the next attach; a server waiting for a task
// that does not exist panicked in every listing).
func TestRestoreRefusesInconsistentIMserverState(t *testing.T) {
	a := newAPI(t, panelsimtest.WithScenarioYAML(tenantsYAML))
	setUpBob(t, a)
	c := a.c
	k := keysOf(takeSnapshot(t, c))
	p := "/panels/imserver"
	cases := []struct {
		name, pointer string
		edit          func(t *testing.T, d snapshotDoc)
	}{
		{"a server of no account", p + "/servers/6001/owner", func(t *testing.T, d snapshotDoc) { d.obj("servers", "6001")["owner"] = "ghost" }},
		{"a server on another's contract", p + "/servers/6001/contract", func(t *testing.T, d snapshotDoc) { d.obj("servers", "6001")["contract"] = 21 }},
		{"a server in no status", p + "/servers/6001/status", func(t *testing.T, d snapshotDoc) { d.obj("servers", "6001")["status"] = "flying" }},
		{"a server of no creation time", p + "/servers/6001/created", func(t *testing.T, d snapshotDoc) {
			d.obj("servers", "6001")["created"] = "0001-01-01T00:00:00Z"
		}},
		{"a zone of no creation time", p + "/zones/" + k.bobsZone + "/created", func(t *testing.T, d snapshotDoc) {
			d.obj("zones", k.bobsZone)["created"] = "0001-01-01T00:00:00Z"
		}},
		{"a network of no creation time (found by FuzzRestoredStateServes)", p + "/networks/" + k.network + "/created", func(t *testing.T, d snapshotDoc) {
			d.obj("networks", k.network)["created"] = ""
		}},
		{"a server of no template", p + "/servers/6001/template", func(t *testing.T, d snapshotDoc) { d.obj("servers", "6001")["template"] = 99 }},
		{"a server waiting for no task", p + "/servers/7002/task", func(t *testing.T, d snapshotDoc) { d.obj("servers", "7002")["task"] = 999 }},
		{"a session of no account", p + "/sessions/" + k.session + "/login", func(t *testing.T, d snapshotDoc) {
			d.obj("sessions", k.session)["login"] = "ghost"
		}},
		{"a payment on another's contract", p + "/payments/" + k.payment + "/contract", func(t *testing.T, d snapshotDoc) {
			pay := d.obj("payments", k.payment)
			pay["contract"] = map[bool]int{true: 21, false: 11}[pay["owner"] == "alice"]
		}},
		{"a network whose subnet is no network", p + "/networks/" + k.network + "/subnet", func(t *testing.T, d snapshotDoc) {
			d.obj("networks", k.network)["subnet"] = "10.9.0.0/33"
		}},
		{"a private address outside its network", p + "/ifaces/" + k.bobsPrivate + "/ip", func(t *testing.T, d snapshotDoc) {
			d.obj("ifaces", k.bobsPrivate)["ip"] = "172.16.0.9"
		}},
		{"a public address held twice", p + "/ifaces/" + k.bobsPublic + "/ip", func(t *testing.T, d snapshotDoc) {
			d.obj("ifaces", k.bobsPublic)["ip"] = d.obj("ifaces", k.alicesPublic)["ip"]
		}},
		{"a zone name held twice", p + "/zones/900/name", func(t *testing.T, d snapshotDoc) {
			z := copyObject(d.obj("zones", k.bobsZone))
			z["id"] = 900
			d.im()["zones"].(map[string]any)["900"] = z
		}},
		{"a record of no zone", p + "/records/" + k.record + "/zone", func(t *testing.T, d snapshotDoc) { d.obj("records", k.record)["zone"] = 999 }},
		{"a task step of no task", "/queue/0/args/task", func(t *testing.T, d snapshotDoc) {
			i, st := d.step(t, "imserver.task")
			if i != 0 {
				t.Fatalf("the task step is at %d", i)
			}
			st["args"] = map[string]any{"task": 999}
		}},
		{"a reply step of no ticket", "/queue/1/args/ticket", func(t *testing.T, d snapshotDoc) {
			i, st := d.step(t, "imserver.ticket_reply")
			if i != 1 {
				t.Fatalf("the reply step is at %d", i)
			}
			st["args"] = map[string]any{"ticket": 999, "messages": 1}
		}},
		{"a queued task no step completes", p + "/tasks/" + k.bobsTask + "/status", func(t *testing.T, d snapshotDoc) {
			i, _ := d.step(t, "imserver.task")
			d["queue"] = append(d.queue()[:i:i], d.queue()[i+1:]...)
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d := takeSnapshot(t, c)
			tc.edit(t, d)
			refused(t, c.For(t), d, tc.pointer)
		})
	}
	alice := a.login("alice", "alicepass")
	a.ok(alice, "get_servers")
	a.ok(alice, "get_interfaces")
}

// snapshotKeys are the keys of the objects the broken snapshots edit.
type snapshotKeys struct {
	session, payment, network, record           string
	bobsZone, bobsTask, bobsPublic, bobsPrivate string
	alicesPublic                                string
}

func keysOf(d snapshotDoc) snapshotKeys {
	k := snapshotKeys{session: d.firstKey("sessions"), payment: d.firstKey("payments"), network: d.firstKey("networks"), record: d.firstKey("records")}
	for key, v := range d.im()["zones"].(map[string]any) {
		if v.(map[string]any)["owner"] == "bob" {
			k.bobsZone = key
		}
	}
	for key, v := range d.im()["tasks"].(map[string]any) {
		if v.(map[string]any)["status"] == json.Number("0") {
			k.bobsTask = key
		}
	}
	for key, v := range d.im()["ifaces"].(map[string]any) {
		i := v.(map[string]any)
		public := i["network"] == json.Number("0")
		switch {
		case public && i["server"] == json.Number("6001"):
			k.alicesPublic = key
		case public && i["server"] == json.Number("7001"):
			k.bobsPublic = key
		case i["server"] == json.Number("7001"):
			k.bobsPrivate = key
		}
	}
	return k
}

// copyObject copies a JSON object.
func copyObject(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// The world's own snapshot, with tasks and replies pending, restores and
// passes the check; the restored tasks then finish.
func TestRestoreTakesAConsistentIMserverSnapshot(t *testing.T) {
	a := newAPI(t, panelsimtest.WithScenarioYAML(tenantsYAML))
	setUpBob(t, a)
	before := a.c.Get("/_panelsim/state").Expect(t, http.StatusOK).Body
	if !strings.Contains(string(before), `"imserver.task"`) {
		t.Fatal("no task pending in the snapshot")
	}
	a.c.Do(http.MethodPut, "/_panelsim/state", before).Expect(t, http.StatusOK)
	if after := a.c.Get("/_panelsim/state").Expect(t, http.StatusOK).Body; !bytes.Equal(before, after) {
		t.Error("a restore of the world's own snapshot changed it")
	}
	a.srv.Advance(time.Hour)
	bob := a.login("bob", "bobpass")
	if st := a.status(bob, "7002"); st.Status != "running" {
		t.Fatalf("the restored run_server did not finish: %+v", st)
	}
}

// The check runs on IMserver after forks and scenario loads in tests: a
// world broken behind the API's back cannot be forked, and a scenario
// load that seeds consistently passes.
func TestInvariantCheckGuardsForksAndScenarioLoads(t *testing.T) {
	a := newAPI(t, panelsimtest.WithScenarioYAML(tenantsYAML))
	setUpBob(t, a)
	a.c.JSON(http.MethodPost, "/_panelsim/worlds", `{"name":"f1","from":"default"}`).Expect(t, http.StatusCreated)
	_ = a.srv.Do(func(tx *state.Tx) error {
		s := state.PanelState[imserver.State](tx, imserver.Name)
		s.Servers[7001].Owner = "ghost"
		return nil
	})
	r := a.c.JSON(http.MethodPost, "/_panelsim/worlds", `{"name":"f2","from":"default"}`).Expect(t, http.StatusInternalServerError)
	if !strings.Contains(string(r.Body), "/panels/imserver/servers/7001/owner") {
		t.Errorf("the broken fork is refused without the pointer: %s", r.Body)
	}
	a.c.Get("/_panelsim/worlds/f2").Expect(t, http.StatusNotFound)
	a.c.Do(http.MethodPost, "/_panelsim/scenario", []byte(tenantsYAML)).Expect(t, http.StatusOK)
	a.ok(a.login("bob", "bobpass"), "get_servers", "id", "7001")
}

// imKinds are the maps of the IMserver state the fuzzer edits; "queue"
// edits the world's pending steps.
var imKinds = []string{"servers", "tasks", "ifaces", "networks", "zones", "records", "tickets", "contracts",
	"payments", "sessions", "accounts", "queue"}

// FuzzRestoredStateServes breaks one field of an IMserver snapshot (tasks
// and a support reply pending) at a time: the restore is refused, or every
// listing and command of both accounts answers in the envelope (never a
// 500) and the clock runs every step without a panic.
func FuzzRestoredStateServes(f *testing.F) {
	a := newAPI(f, panelsimtest.WithScenarioYAML(tenantsYAML))
	setUpBob(f, a)
	base := a.c.Get("/_panelsim/state").Expect(f, http.StatusOK).Body
	for _, s := range []struct {
		kind        uint8
		key         uint16
		field, json string
	}{
		{0, 0, "owner", `"bob"`}, {0, 1, "task", "0"}, {0, 2, "config", `{"cpu":0,"cputype":0,"ram":0,"hdd_list":null}`},
		{1, 0, "serverid", "6001"}, {1, 0, "change", `"x"`}, {2, 1, "network", "0"}, {2, 0, "server", "7002"},
		{3, 0, "subnet", `"10.3.0.0/24"`}, {3, 0, "owner", `"alice"`}, {5, 0, "type", `"CNAME"`}, {6, 0, "messages", "null"},
		{7, 0, "owner", `"bob"`}, {8, 0, "amount", "-99999999"}, {10, 0, "twofactorauth", `"sms"`},
		{11, 0, "args", `{"task":1}`}, {11, 1, "kind", `"imserver.task"`}, {11, 0, "due", `"2020-01-01T00:00:00Z"`},
	} {
		f.Add(s.kind, s.key, s.field, s.json)
	}
	f.Fuzz(func(t *testing.T, kind uint8, key uint16, field, value string) {
		var v any
		if json.Unmarshal([]byte(value), &v) != nil {
			return
		}
		doc := simtest.DecodeSnapshot(t, base)
		if !doc.EditOne("imserver", imKinds[int(kind)%len(imKinds)], int(key), field, v) {
			return
		}
		sa := a.with(t)
		if !sa.c.RestoredOrRefused(t, doc) {
			return
		}
		sa.servesEverything(t)
	})
}

// servesEverything runs every listing and a few commands of both accounts
// (when they can still log in) around a long clock advance: every answer
// is HTTP 200 in the vendor's envelope.
func (a *api) servesEverything(t *testing.T) {
	t.Helper()
	var sessions []string
	for _, acc := range [][2]string{{"alice", "alicepass"}, {"bob", "bobpass"}} {
		if ans := a.get("cmd", "login", "loginUsername", acc[0], "loginPassword", acc[1]); ans.Success {
			sessions = append(sessions, ans.Sess)
		}
	}
	calls := [][]string{{"get_account"}, {"get_servers"}, {"get_servers_status"}, {"get_interfaces"}, {"get_logs"},
		{"get_dns_zones"}, {"get_networks"}, {"get_contracts"}, {"get_balance"}, {"get_payments"}, {"get_tickets"},
		{"get_stats", "id", "7001"}, {"get_stats", "id", "6001"}, {"get_dns_records", "zone", "1"},
		{"eth_action", "id", "6001", "action", "attach", "network", "1"}, {"eth_action", "id", "7001", "action", "attach", "network", "2"},
		{"stop_server", "id", "7001"}, {"reinstall_server", "id", "6001"}, {"add_ticket", "subject", "s", "message", "m", "serverid", "7001"},
		{"add_server", "json", `{"preset":1}`}, {"del_network", "id", "1"}, {"reply_ticket", "id", "1", "message", "m"}}
	for round := 0; round < 2; round++ {
		for _, sess := range sessions {
			for _, call := range calls {
				r := a.c.Get("/api?" + values(append([]string{"cmd", call[0], "sess", sess}, call[1:]...)...).Encode())
				if r.Status != http.StatusOK {
					t.Fatalf("%v: %d %s", call, r.Status, r.Body)
				}
			}
		}
		for _, ran := range a.srv.Advance(3 * time.Hour) {
			if ran.Error != "" {
				t.Logf("step %s: %s", ran.Kind, ran.Error)
			}
		}
	}
}
