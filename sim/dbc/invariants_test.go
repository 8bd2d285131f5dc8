package dbc_test

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/panelsim/panelsim/internal/simtest"
)

// obj walks a decoded JSON document by keys.
func obj(t *testing.T, v any, keys ...string) map[string]any {
	t.Helper()
	for _, k := range keys {
		m, ok := v.(map[string]any)
		if !ok || m[k] == nil {
			t.Fatalf("no %q in the snapshot", k)
		}
		v = m[k]
	}
	return v.(map[string]any)
}

// edited is the world's snapshot after edit changed it (snap is the whole
// snapshot, dbc its DBC panel state), to be PUT back.
func (e *env) edited(t *testing.T, edit func(t *testing.T, snap, dbc map[string]any)) simtest.Snapshot {
	t.Helper()
	snap := e.c.Snapshot(t)
	edit(t, snap, snap.Panel("dbc"))
	return snap
}

// TestRestoreRefusesBrokenDBCState PUTs snapshots no client could have
// brought the DBC state to: each is refused with the JSON pointer of the
// problem and the world stays byte for byte as it was.
func TestRestoreRefusesBrokenDBCState(t *testing.T) {
	e := newEnv(t)
	vm := e.runningVM(t)
	other := e.createVM(t, map[string]any{"ssh_port": "5685", "vnc_port": "5905"})
	e.srv.Advance(3 * time.Minute)
	e.post(t, "/api/v1/lan/create", alice(t, node1, map[string]any{"network_name": "alicenet", "ip_cidr": "10.20.0.0/24"})).expect(t, 200, 0, "ok")
	n := "/panels/dbc/nodes/" + node1
	task := func(t *testing.T, dbc map[string]any, id string) map[string]any {
		return obj(t, dbc, "nodes", node1, "tasks", id)
	}
	step := func(args map[string]any) func(t *testing.T, snap, _ map[string]any) {
		return func(t *testing.T, snap, _ map[string]any) {
			queue, _ := snap["queue"].([]any)
			raw, _ := json.Marshal(args)
			snap["queue"] = append([]any{map[string]any{"due": "2025-01-01T10:00:00Z", "seq": 1, "kind": "dbc.task", "args": json.RawMessage(raw)}}, queue...)
		}
	}
	cases := []struct {
		pointer string
		edit    func(t *testing.T, snap, dbc map[string]any)
	}{
		{n + "/status", func(t *testing.T, _, dbc map[string]any) { obj(t, dbc, "nodes", node1)["status"] = "stolen" }},
		{n + "/renter", func(t *testing.T, _, dbc map[string]any) { delete(obj(t, dbc, "nodes", node1), "renter") }},
		{n + "/renter", func(t *testing.T, _, dbc map[string]any) { obj(t, dbc, "nodes", node1)["status"] = "online" }},
		{n + "/tasks/" + vm + "/wallet", func(t *testing.T, _, dbc map[string]any) { task(t, dbc, vm)["wallet"] = bobAddr }},
		{n + "/tasks/" + vm + "/id", func(t *testing.T, _, dbc map[string]any) { task(t, dbc, vm)["id"] = other }},
		{n + "/tasks/" + vm + "/spec/network_name", func(t *testing.T, _, dbc map[string]any) {
			obj(t, task(t, dbc, vm), "spec")["network_name"] = "nonet"
		}},
		{n + "/tasks", func(t *testing.T, _, dbc map[string]any) { obj(t, task(t, dbc, vm), "spec")["cpus"] = 95 }},
		{n + "/tasks", func(t *testing.T, _, dbc map[string]any) { obj(t, task(t, dbc, vm), "spec")["mem_gb"] = 500 }},
		{n + "/tasks", func(t *testing.T, _, dbc map[string]any) { obj(t, task(t, dbc, vm), "spec")["gpus"] = 8 }},
		{n + "/tasks/" + other + "/spec/vnc_port", func(t *testing.T, _, dbc map[string]any) {
			obj(t, task(t, dbc, other), "spec")["vnc_port"] = obj(t, task(t, dbc, vm), "spec")["vnc_port"]
		}},
		{n + "/tasks/" + vm + "/status", func(t *testing.T, _, dbc map[string]any) { task(t, dbc, vm)["status"] = "starting" }},
		{n + "/tasks/" + vm + "/snapshots/0/server", func(t *testing.T, _, dbc map[string]any) {
			task(t, dbc, vm)["snapshots"] = []any{map[string]any{"name": "s1", "desc": "", "file": "/data/s1.qcow2", "server": "ID_9", "created": "2025-01-01T00:00:00Z", "status": "none"}}
		}},
		{n + "/tasks/" + vm + "/disks/1", func(t *testing.T, _, dbc map[string]any) {
			d := task(t, dbc, vm)["disks"].([]any)
			task(t, dbc, vm)["disks"] = []any{d[0], d[0]}
		}},
		{n + "/networks/alicenet/owner", func(t *testing.T, _, dbc map[string]any) {
			obj(t, dbc, "nodes", node1, "networks", "alicenet")["owner"] = bobAddr
		}},
		{"/panels/dbc/machines/" + bmMachine + "/controller", func(t *testing.T, _, dbc map[string]any) {
			obj(t, dbc, "machines", bmMachine)["controller"] = "ccd9a2118ba3c95cd458302601f15281edc39d72dcf11a07527893d97ac1a573"
		}},
		{"/panels/dbc/machines/" + bmMachine + "/renter", func(t *testing.T, _, dbc map[string]any) {
			delete(obj(t, dbc, "machines", bmMachine), "renter")
		}},
		{"/queue/0/args/node", step(map[string]any{"node": "ghost", "task": vm, "op": "start", "gen": 1})},
		{"/queue/0/args/op", step(map[string]any{"node": node1, "task": vm, "op": "explode", "gen": 1})},
		{"/queue/0/args/gen", step(map[string]any{"node": node1, "task": vm, "op": "start", "gen": 99})},
	}
	for _, tc := range cases {
		t.Run(tc.pointer, func(t *testing.T) {
			e.c.For(t).RestoreRefused(t, e.edited(t, tc.edit), tc.pointer)
		})
	}
	// The world's own snapshot, pending steps and all, goes back in.
	e.post(t, "/api/v1/tasks/shutdown/"+vm, alice(t, node1, nil)).expect(t, 200, 0)
	if status, field := e.c.Restore(t, e.edited(t, func(*testing.T, map[string]any, map[string]any) {})); status != http.StatusOK {
		t.Fatalf("the world's own snapshot is refused at %q", field)
	}
}
