package dbc_test

import (
	"testing"
	"time"

	"github.com/panelsim/panelsim/panelsimtest"
	"github.com/panelsim/panelsim/scenarios"
)

// TestNoLostUpdates plays every pair of a data-changing VM operation
// (disk/resize, disk/add, disk/delete, snapshot/create) followed, inside
// its window, by any other action on the VM. Whatever the second answers,
// an operation answered "ok" is never lost: both take effect (the first
// is completed before the second is checked), or the second is refused
// and the first still takes effect.
func TestNoLostUpdates(t *testing.T) {
	type op struct {
		name, path string
		add        map[string]any
	}
	firsts := []struct {
		op
		holds func(t *testing.T, e *env, id string)
	}{
		{op{"resize vdb +50", "disk/resize/", map[string]any{"disk": "vdb", "size": 50}}, func(t *testing.T, e *env, id string) {
			if d := e.disks(t, id)["vdb"]; d != "150G" && d != "160G" {
				t.Fatalf("vdb is %s after +50 (and maybe +10)", d)
			}
		}},
		{op{"add 20G", "disk/add/", map[string]any{"size": 20}}, func(t *testing.T, e *env, id string) {
			if d := e.disks(t, id)["vdc"]; d != "20G" {
				t.Fatalf("vdc is %q, want the added 20G", d)
			}
		}},
		{op{"delete vdb", "disk/delete/", map[string]any{"disk": "vdb"}}, func(t *testing.T, e *env, id string) {
			// A later disk/add may reuse the name, never the 100G disk.
			if d := e.disks(t, id)["vdb"]; d == "100G" {
				t.Fatalf("the deleted vdb (%s) is back", d)
			}
		}},
		{op{"snapshot snap1", "snapshot/create/", map[string]any{"snapshot_name": "snap1", "desc": "d", "image_server": "ID_1"}}, func(t *testing.T, e *env, id string) {
			e.post(t, "/api/v1/snapshot/list/"+id+"/snap1", alice(t, node1, nil)).expect(t, 200, 0)
		}},
	}
	seconds := []op{
		{"start", "tasks/start/", nil}, {"restart", "tasks/restart/", nil}, {"shutdown", "tasks/shutdown/", nil},
		{"stop", "tasks/stop/", nil}, {"reset", "tasks/reset/", nil}, {"delete", "tasks/delete/", nil},
		{"modify", "tasks/modify/", map[string]any{"new_cpu_cores": "4"}},
		{"passwd", "tasks/passwd/", map[string]any{"username": "dbc", "password": "p4ss"}},
		{"resize vdb +10", "disk/resize/", map[string]any{"disk": "vdb", "size": 10}},
		{"add 30G", "disk/add/", map[string]any{"size": 30}},
		{"delete vdb", "disk/delete/", map[string]any{"disk": "vdb"}},
		{"snapshot snap2", "snapshot/create/", map[string]any{"snapshot_name": "snap2", "desc": "d", "image_server": "ID_1"}},
		{"delete snap1", "snapshot/delete/", nil},
	}
	for _, first := range firsts {
		for _, second := range seconds {
			t.Run(first.name+" then "+second.name, func(t *testing.T) {
				e := newEnv(t)
				id := e.closedVM(t)
				e.post(t, "/api/v1/"+first.path+id, alice(t, node1, first.add)).expect(t, 200, 0, "ok")
				e.srv.Advance(time.Second)
				path := "/api/v1/" + second.path + id
				if second.name == "delete snap1" {
					path += "/snap1"
				}
				add := second.add
				if add == nil {
					add = map[string]any{}
				}
				a := e.post(t, path, alice(t, node1, add))
				if a.Status != 200 {
					t.Fatalf("%s answered HTTP %d: %s", second.name, a.Status, a.Body)
				}
				e.srv.Advance(time.Hour)
				switch {
				case second.name == "delete" && a.Errcode == 0:
					// Deleting the VM supersedes what was done to it.
					e.post(t, "/api/v1/tasks/"+id, alice(t, node1, nil)).expect(t, 200, -3)
				case second.name == "delete snap1" && first.name == "snapshot snap1":
					e.post(t, "/api/v1/snapshot/list/"+id+"/snap1", alice(t, node1, nil)).expect(t, 200, 1)
				case second.name == "delete vdb" && first.name == "resize vdb +50" && a.Errcode == 0:
					if d, ok := e.disks(t, id)["vdb"]; ok {
						t.Fatalf("vdb (%s) survived its deletion", d)
					}
				default:
					first.holds(t, e, id)
				}
				if a.Errcode == 0 && second.name == "add 30G" && !hasSize(e.disks(t, id), "30G") {
					t.Fatalf("the second add was lost: %v", e.disks(t, id))
				}
				if a.Errcode == 0 && (second.name == "start" || second.name == "restart") {
					if s := e.status(t, id); s != "running" {
						t.Fatalf("after %s the VM is %q", second.name, s)
					}
				}
			})
		}
	}
}

func hasSize(disks map[string]string, size string) bool {
	for _, s := range disks {
		if s == size {
			return true
		}
	}
	return false
}

// TestIdleLANsAreCleanedUp: the node deletes a network no VM has used for
// dbc.lan_idle (three days, VxlanManager::ClearEmptyNetwork), counted from
// its creation or from the last VM leaving it; a scenario can shorten it.
func TestIdleLANsAreCleanedUp(t *testing.T) {
	lans := func(e *env) []string {
		var list []struct {
			Name string `json:"network_name"`
		}
		e.post(t, "/api/v1/lan", alice(t, node1, nil)).expect(t, 200, 0).decode(t, &list)
		var out []string
		for _, l := range list {
			out = append(out, l.Name)
		}
		return out
	}
	create := func(e *env, name, cidr string) {
		e.post(t, "/api/v1/lan/create", alice(t, node1, map[string]any{"network_name": name, "ip_cidr": cidr})).expect(t, 200, 0, "ok")
	}

	e := newEnv(t)
	create(e, "idlenet", "192.168.66.0/24")
	create(e, "usednet", "192.168.67.0/24")
	id := e.createVM(t, map[string]any{"network_name": "usednet"})
	e.srv.Advance(72*time.Hour - time.Second)
	if got := lans(e); len(got) != 2 {
		t.Fatalf("before three idle days: %v", got)
	}
	e.srv.Advance(time.Second)
	if got := lans(e); len(got) != 1 || got[0] != "usednet" {
		t.Fatalf("after three idle days: %v, want only the network a VM uses", got)
	}
	e.post(t, "/api/v1/lan/delete/idlenet", alice(t, node1, nil)).expect(t, 200, 1, "network not exist")
	// The clock for usednet starts when its last VM leaves.
	e.post(t, "/api/v1/tasks/delete/"+id, alice(t, node1, nil)).expect(t, 200, 0)
	e.srv.Advance(time.Minute)
	e.srv.Advance(71 * time.Hour)
	if got := lans(e); len(got) != 1 {
		t.Fatalf("71h after its VM left: %v", got)
	}
	e.srv.Advance(time.Hour)
	if got := lans(e); len(got) != 0 {
		t.Fatalf("72h after its VM left: %v", got)
	}

	short := newEnv(t, panelsimtest.WithScenarioYAML("timings:\n  dbc.lan_idle: 10m\n"+string(scenarios.DefaultYAML())))
	create(short, "quicknet", "10.20.0.0/16")
	short.srv.Advance(10 * time.Minute)
	if got := lans(short); len(got) != 0 {
		t.Fatalf("with dbc.lan_idle 10m: %v", got)
	}
}

// TestDiskSystemAgreesWithNode: the task detail's disk_system, the VM's
// vda and the node info's disk_system are the node's one system disk size
// (g_disk_system_size, 350G in the real build; a scenario may set another).
func TestDiskSystemAgreesWithNode(t *testing.T) {
	for _, tc := range []struct {
		name, yaml, want string
	}{
		{"default", "", "350G"},
		{"scenario 500G", "dbc:\n  nodes:\n    - {id: " + node1 + ", renter: //Alice, disk: {system_gb: 500}}\n", "500G"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var opts []panelsimtest.Option
			if tc.yaml != "" {
				opts = append(opts, panelsimtest.WithScenarioYAML(tc.yaml))
			}
			e := newEnv(t, opts...)
			var node struct {
				DiskSystem struct{ Size string } `json:"disk_system"`
			}
			e.post(t, "/api/v1/mining_nodes", map[string]any{"peer_nodes_list": []string{node1}, "additional": map[string]any{}}).expect(t, 200, 0).decode(t, &node)
			id := e.createVM(t, nil)
			e.srv.Advance(3 * time.Minute)
			var info struct {
				DiskSystem string `json:"disk_system"`
			}
			e.post(t, "/api/v1/tasks/"+id, alice(t, node1, nil)).expect(t, 200, 0).decode(t, &info)
			if node.DiskSystem.Size != tc.want || info.DiskSystem != tc.want || e.disks(t, id)["vda"] != tc.want {
				t.Fatalf("node disk_system %q, task disk_system %q, vda %q; want all %s", node.DiskSystem.Size, info.DiskSystem, e.disks(t, id)["vda"], tc.want)
			}
		})
	}
}
