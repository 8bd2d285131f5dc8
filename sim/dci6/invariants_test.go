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

// dci is the DCI state of the snapshot; obj one of its objects.
func (d snapshotDoc) dci() map[string]any {
	return d["panels"].(map[string]any)["dci6"].(map[string]any)
}

func (d snapshotDoc) obj(kind, key string) map[string]any {
	return d.dci()[kind].(map[string]any)[key].(map[string]any)
}

func (d snapshotDoc) queue() []any {
	q, _ := d["queue"].([]any)
	return q
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

// withRunningTask is a world where the admin powered server 4 off and the
// task's one step is under way.
func withRunningTask(t *testing.T) (*panelsimtest.Server, *simtest.Client, string) {
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
