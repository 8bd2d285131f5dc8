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
type snapshotDoc map[string]any

func takeSnapshot(t *testing.T, c *simtest.Client) snapshotDoc {
	t.Helper()
	r := c.Get("/_panelsim/state").Expect(t, http.StatusOK)
	dec := json.NewDecoder(bytes.NewReader(r.Body))
	dec.UseNumber()
	var doc snapshotDoc
	if err := dec.Decode(&doc); err != nil {
		t.Fatal(err)
	}
	return doc
}

func (d snapshotDoc) im() map[string]any {
	return d["panels"].(map[string]any)["imserver"].(map[string]any)
}

func (d snapshotDoc) obj(kind, key string) map[string]any {
	return d.im()[kind].(map[string]any)[key].(map[string]any)
}

func (d snapshotDoc) queue() []any {
	q, _ := d["queue"].([]any)
	return q
}

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

// refused PUTs a broken snapshot: it must be refused with the pointer of
// its problem, and the world must stay exactly as it was.
func refused(t *testing.T, c *simtest.Client, doc snapshotDoc, pointer string) {
	t.Helper()
	before := c.Get("/_panelsim/state").Expect(t, http.StatusOK).Body
	body, _ := json.Marshal(doc)
	r := c.JSON(http.MethodPut, "/_panelsim/state", body)
	r.Expect(t, http.StatusBadRequest)
	var e struct{ Error, Field string }
	r.Decode(t, &e)
	if e.Field != pointer {
		t.Errorf("refused at %q (%s), want %q", e.Field, e.Error, pointer)
	}
	if after := c.Get("/_panelsim/state").Expect(t, http.StatusOK).Body; !bytes.Equal(before, after) {
		t.Error("a refused restore changed the world")
	}
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
