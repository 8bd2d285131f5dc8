package dci6_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/panelsim/panelsim/internal/simtest"
	"github.com/panelsim/panelsim/panelsimtest"
)

// snapshotDoc is a world's snapshot as loose JSON, to break on purpose.
type snapshotDoc simtest.Snapshot

func takeSnapshot(t *testing.T, c *simtest.Client) snapshotDoc {
	return snapshotDoc(c.Snapshot(t))
}

// obj is one of the snapshot's DCI objects.
func (d snapshotDoc) obj(kind, key string) map[string]any {
	return simtest.Snapshot(d).Object("dci6", kind, key)
}

func (d snapshotDoc) queue() []any { return simtest.Snapshot(d).Queue() }

// refused PUTs a broken snapshot: refused at pointer, nothing changed.
func refused(t *testing.T, c *simtest.Client, doc snapshotDoc, pointer string) {
	t.Helper()
	c.RestoreRefused(t, simtest.Snapshot(doc), pointer)
}

// withRunningTask is a world where the admin powered server 4 off and the
// task's one step is under way.
func withRunningTask(t testing.TB) (*panelsimtest.Server, *simtest.Client, string) {
	t.Helper()
	srv, c := start(t)
	tok := login(t, c, "admin@example.com")
	c.JSON("POST", "/api/dci/v3/server/4/power_off", `{}`, "X-Xsrf-Token", tok).Expect(t, 200)
	srv.Advance(time.Second)
	return srv, c, tok
}

// Snapshots whose DCI part is inconsistent are refused by the panel's
// invariant check with the pointer of the problem; each of these was taken
// before and then broke a handler (a nil rack, configuration or owner read
// through a server or an address, a task without steps).
func TestRestoreRefusesInconsistentDCIState(t *testing.T) {
	_, c, _ := withRunningTask(t)
	cases := []struct {
		name, pointer string
		edit          func(d snapshotDoc)
	}{
		{"an address of no server", "/panels/dci6/ips/1/server_id", func(d snapshotDoc) { d.obj("ips", "1")["server_id"] = 0 }},
		{"an address without a status (the fuzz target's finding)", "/panels/dci6/ips/1/status", func(d snapshotDoc) { d.obj("ips", "1")["status"] = nil }},
		{"a server in no rack", "/panels/dci6/servers/1/rack_id", func(d snapshotDoc) { d.obj("servers", "1")["rack_id"] = 0 }},
		{"a server of no configuration", "/panels/dci6/servers/1/configuration", func(d snapshotDoc) { d.obj("servers", "1")["configuration"] = "nope" }},
		{"a server in no chassis", "/panels/dci6/servers/1/chassis_id", func(d snapshotDoc) { d.obj("servers", "1")["chassis_id"] = 777 }},
		{"a rack in no location", "/panels/dci6/racks/1/location_id", func(d snapshotDoc) { d.obj("racks", "1")["location_id"] = 777 }},
		{"a token of no user", "/panels/dci6/tokens/E6900A56BE7DF0FB28ED7BE7/user_id", func(d snapshotDoc) {
			d.obj("tokens", "E6900A56BE7DF0FB28ED7BE7")["user_id"] = 777
		}},
		{"a power task that does not exist", "/panels/dci6/servers/4/power_task", func(d snapshotDoc) { d.obj("servers", "4")["power_task"] = 777 }},
		{"a task without steps", "/panels/dci6/tasks/1/steps", func(d snapshotDoc) { d.obj("tasks", "1")["steps"] = []any{} }},
		{"a task past its last step", "/panels/dci6/tasks/1/current", func(d snapshotDoc) { d.obj("tasks", "1")["current"] = 5 }},
		{"a task of no status", "/panels/dci6/tasks/1/status", func(d snapshotDoc) { d.obj("tasks", "1")["status"] = "later" }},
		{"a step of no task", "/queue/0/args/task", func(d snapshotDoc) {
			d.queue()[0].(map[string]any)["args"] = map[string]any{"task": 777}
		}},
		{"a step twice", "/queue/1/args/task", func(d snapshotDoc) { d["queue"] = append(d.queue(), d.queue()[0]) }},
		{"an unfinished task no step advances", "/panels/dci6/tasks/1/status", func(d snapshotDoc) { d["queue"] = []any{} }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			doc := takeSnapshot(t, c)
			tc.edit(doc)
			refused(t, c.For(t), doc, tc.pointer)
		})
	}
	tok := login(t, c, "client@example.com")
	c.Get("/api/dci/v3/ip", "X-Xsrf-Token", tok).Expect(t, http.StatusOK)
	c.Get("/api/dci/v3/server", "X-Xsrf-Token", tok).Expect(t, http.StatusOK)
}

// A broken snapshot is vetted without running anything: a step already
// due when it is restored must not run on the dangling reference before
// the world is refused (it would crash on the missing server).
func TestRestoreRunsNoStepOfARefusedSnapshot(t *testing.T) {
	_, c, _ := withRunningTask(t)
	doc := takeSnapshot(t, c)
	step := doc.queue()[0].(map[string]any)
	doc["now"] = step["due"] // the power step is due at the restore
	doc.obj("tasks", "1")["server_id"] = 777
	doc.obj("servers", "4")["power_task"] = 0
	refused(t, c, doc, "/panels/dci6/tasks/1/server_id")
	c.Get("/_panelsim/health").Expect(t, http.StatusOK)
}

// The snapshot a world gives restores as it is, and passes the check.
func TestRestoreTakesAConsistentDCISnapshot(t *testing.T) {
	srv, c, tok := withRunningTask(t)
	before := c.Get("/_panelsim/state").Expect(t, http.StatusOK).Body
	c.Do(http.MethodPut, "/_panelsim/state", before).Expect(t, http.StatusOK)
	if after := c.Get("/_panelsim/state").Expect(t, http.StatusOK).Body; !bytes.Equal(before, after) {
		t.Error("a restore of the world's own snapshot changed it")
	}
	w, err := srv.Sim().Worlds().Get("default")
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Sim().CheckInvariants(w); err != nil {
		t.Fatal(err)
	}
	srv.Advance(time.Minute)
	var s struct {
		PowerStatus string `json:"power_status"`
	}
	c.Get("/api/dci/v3/server/4", "X-Xsrf-Token", tok).Expect(t, 200).Decode(t, &s)
	if s.PowerStatus != "off" {
		t.Fatalf("the restored power task did not finish: %s", s.PowerStatus)
	}
	if strings.Contains(string(before), `"queue":[]`) {
		t.Fatal("the snapshot has no pending step to restore")
	}
}

// dciKinds are the maps of the DCI state the fuzzer edits; "queue" edits
// the world's pending steps.
var dciKinds = []string{"servers", "ips", "tasks", "users", "tokens", "keys", "racks", "networks", "pools",
	"configurations", "chassis", "locations", "platforms", "os_templates", "queue"}

// FuzzRestoredStateServes breaks one field of a DCI snapshot (a world with
// a power task and an OS install under way) at a time: the restore is
// refused natively, or the world it gives serves every list and detail as
// admin and user, runs its steps to the end, and never answers 500 or
// panics. Whatever a snapshot may hold, the invariant check must have
// refused what a handler cannot take.
func FuzzRestoredStateServes(f *testing.F) {
	srv, c, tok := withRunningTask(f)
	c.JSON("POST", "/api/dci/v3/server/1/operation_os", `{"os_template_id":1}`, "X-Xsrf-Token", tok).Expect(f, 200)
	base := c.Get("/_panelsim/state").Expect(f, http.StatusOK).Body
	for _, s := range []struct {
		kind        uint8
		key         uint16
		field, json string
	}{
		{0, 0, "owner_id", "0"}, {0, 3, "rack_id", "0"}, {0, 3, "operation", `{"task_id":2}`}, {0, 0, "ports", "null"},
		{1, 0, "server_id", "0"}, {1, 0, "addr", `"203.0.113.1"`}, {2, 0, "current", "-1"}, {2, 1, "steps", `[]`},
		{2, 0, "status", `"running"`}, {2, 0, "fail_at", "7"}, {3, 1, "roles", "null"}, {4, 0, "user_id", "99"},
		{6, 0, "location_id", "0"}, {7, 0, "pool_id", "99"}, {7, 0, "prefix", `"10.0.0.0/8"`}, {9, 0, "platform_id", "0"},
		{14, 0, "args", `{"task":99}`}, {14, 0, "due", `"2020-01-01T00:00:00Z"`}, {14, 1, "kind", `"dci6.task_step"`},
	} {
		f.Add(s.kind, s.key, s.field, s.json)
	}
	f.Fuzz(func(t *testing.T, kind uint8, key uint16, field, value string) {
		var v any
		if json.Unmarshal([]byte(value), &v) != nil {
			return
		}
		doc := simtest.DecodeSnapshot(t, base)
		if !doc.EditOne("dci6", dciKinds[int(kind)%len(dciKinds)], int(key), field, v) {
			return
		}
		c := simtest.New(t, srv)
		if !c.RestoredOrRefused(t, doc) {
			return
		}
		servesEverything(t, srv, c)
	})
}

// servesEverything reads every list and a detail of each server as an
// admin and a @user (when they can still log in), powers a server, and
// runs the clock past every step: nothing may answer 500.
func servesEverything(t *testing.T, srv *panelsimtest.Server, c *simtest.Client) {
	t.Helper()
	var tokens []string
	for _, email := range []string{"admin@example.com", "client@example.com"} {
		r := c.Do(http.MethodPost, "/api/auth/v4/public/token", []byte(`{"email":"`+email+`","password":"secret"}`))
		if r.Status == http.StatusCreated {
			tokens = append(tokens, r.Map(t)["token"].(string))
		}
	}
	paths := []string{"/api/dci/v3/server", "/api/dci/v3/ip", "/api/dci/v3/task", "/api/dci/v3/user", "/api/dci/v3/server/configuration",
		"/api/ip/v3/ip", "/api/ip/v3/ipnet", "/api/ip/v3/ippool", "/api/dci/v3/ipmgr/ip", "/api/dci/v3/os_template",
		"/api/dci/v3/server/1", "/api/dci/v3/server/1/ip", "/api/dci/v3/server/4", "/api/dci/v3/task/1", "/api/dci/v3/task/2",
		"/api/ip/v3/ippool/1", "/api/dci/v3/switch/1/port", "/_panelsim/dci6/sessions"}
	check := func(r *simtest.Response, what string) {
		if r.Status >= 500 {
			t.Fatalf("%s: %d %s", what, r.Status, r.Body)
		}
	}
	for round := 0; round < 2; round++ {
		for _, tok := range tokens {
			for _, p := range paths {
				check(c.Get(p, "X-Xsrf-Token", tok), p)
			}
			for _, p := range []string{"/api/dci/v3/server/2/power_on", "/api/dci/v3/server/5/operation_diag"} {
				check(c.JSON(http.MethodPost, p, `{}`, "X-Xsrf-Token", tok), p)
			}
		}
		for _, ran := range srv.Advance(3 * time.Hour) {
			if ran.Error != "" {
				t.Logf("step %s: %s", ran.Kind, ran.Error)
			}
		}
	}
}
