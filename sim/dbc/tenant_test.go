package dbc_test

import (
	"bytes"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/panelsim/panelsim/sim/dbc"
	"github.com/panelsim/panelsim/state"
)

// aliceEstate is what //Alice holds on node1 for the tenant matrix: a VM
// (shut off, with its vda and vdb) in a LAN of hers, a snapshot of it, an
// image download under way, her session id, and the rented bare-metal
// machine of the default scenario.
type aliceEstate struct {
	vm, lan, snapshot, session string
}

func (e *env) aliceEstate(t *testing.T) aliceEstate {
	t.Helper()
	a := aliceEstate{lan: "alicenet", snapshot: "snap1"}
	a.session = sessionOf(t, e, alice(t, node1, nil))
	e.post(t, "/api/v1/lan/create", alice(t, node1, map[string]any{"network_name": a.lan, "ip_cidr": "10.20.0.0/24"})).expect(t, 200, 0, "ok")
	a.vm = e.createVM(t, map[string]any{"network_name": a.lan})
	e.srv.Advance(3 * time.Minute)
	e.post(t, "/api/v1/tasks/shutdown/"+a.vm, alice(t, node1, nil)).expect(t, 200, 0)
	e.srv.Advance(30 * time.Second)
	e.post(t, "/api/v1/snapshot/create/"+a.vm, alice(t, node1, map[string]any{"snapshot_name": a.snapshot, "desc": "d", "image_server": "ID_1"})).expect(t, 200, 0, "ok")
	e.srv.Advance(10 * time.Minute)
	e.post(t, "/api/v1/images/download", alice(t, node1, map[string]any{"image_server": "ID_1", "image_filename": "ubuntu-2204.qcow2", "local_dir": "/data"})).expect(t, 200, 0)
	return a
}

// routeProbe is how the matrix reaches a route on Alice's objects: the
// path (after /api/v1/), the node and the additional parameters a real
// client would send, valid, so only the caller's authority is wrong.
type routeProbe struct {
	path string
	node string
	add  map[string]any
}

// additional is the probe's parameters, an empty object when it has none.
func (rp routeProbe) additional() any {
	if rp.add == nil {
		return nil
	}
	return rp.add
}

// tenantRoutes builds the probe of every route that acts on a rented
// node, a VM, a disk, a snapshot, a LAN or a rented machine.
func tenantRoutes(a aliceEstate) map[string]routeProbe {
	vm := func(verb string, add map[string]any) routeProbe {
		return routeProbe{verb + "/" + a.vm, node1, add}
	}
	img := map[string]any{"image_server": "ID_1", "image_filename": "ubuntu-2204.qcow2"}
	return map[string]routeProbe{
		"mining_nodes/session_id":  {"mining_nodes/session_id", node1, nil},
		"mining_nodes/free_memory": {"mining_nodes/free_memory", node1, nil},
		"tasks":                    {"tasks", node1, nil},
		"tasks/start": {"tasks/start", node1, map[string]any{
			"image_name": "ubuntu.qcow2", "ssh_port": "5690", "vnc_port": "5910", "gpu_count": "1",
			"cpu_cores": "4", "mem_size": "8", "disk_size": "50", "network_name": a.lan,
		}},
		"tasks/{id}":              {"tasks/" + a.vm, node1, nil},
		"tasks/start/{id}":        vm("tasks/start", nil),
		"tasks/shutdown":          vm("tasks/shutdown", nil),
		"tasks/poweroff":          vm("tasks/poweroff", nil),
		"tasks/stop":              vm("tasks/stop", nil),
		"tasks/restart":           vm("tasks/restart", nil),
		"tasks/reset":             vm("tasks/reset", nil),
		"tasks/delete":            vm("tasks/delete", nil),
		"tasks/logs":              vm("tasks/logs", nil),
		"tasks/modify":            vm("tasks/modify", map[string]any{"new_cpu_cores": "2"}),
		"tasks/passwd":            vm("tasks/passwd", map[string]any{"username": "dbc", "password": "st0len"}),
		"disk/list":               vm("disk/list", nil),
		"disk/resize":             vm("disk/resize", map[string]any{"disk": "vdb", "size": 10}),
		"disk/add":                vm("disk/add", map[string]any{"size": 10}),
		"disk/delete":             vm("disk/delete", map[string]any{"disk": "vdb"}),
		"snapshot/list":           {"snapshot/list/" + a.vm + "/" + a.snapshot, node1, nil},
		"snapshot/create":         vm("snapshot/create", map[string]any{"snapshot_name": "snap2", "desc": "d", "image_server": "ID_1"}),
		"snapshot/delete":         {"snapshot/delete/" + a.vm + "/" + a.snapshot, node1, nil},
		"images":                  {"images", node1, nil},
		"images/upload":           {"images/upload", node1, map[string]any{"image_server": "ID_1", "image_filename": "ubuntu.qcow2"}},
		"images/download":         {"images/download", node1, map[string]any{"image_server": "ID_1", "image_filename": "centos-7.qcow2", "local_dir": "/data"}},
		"images/uploadprogress":   {"images/uploadprogress", node1, img},
		"images/downloadprogress": {"images/downloadprogress", node1, img},
		"images/upload_stop":      {"images/upload_stop", node1, img},
		"images/download_stop":    {"images/download_stop", node1, img},
		"images/delete":           {"images/delete", node1, map[string]any{"image_filename": "ubuntu.qcow2"}},
		"lan":                     {"lan", node1, nil},
		"lan/create":              {"lan/create", node1, map[string]any{"network_name": "bobsnet", "ip_cidr": "10.30.0.0/24"}},
		"lan/delete":              {"lan/delete/" + a.lan, node1, nil},
		"bare_metal/power":        {"bare_metal/power", bmMachine, map[string]any{"command": "off"}},
		"bare_metal/bootdev":      {"bare_metal/bootdev", bmMachine, map[string]any{"device": "pxe"}},
	}
}

// tenantExemptRoutes name nothing a renter holds, and why.
var tenantExemptRoutes = map[string]string{
	"version":           "the client's version: no node",
	"mining_nodes":      "the chain's public node list",
	"images/servers":    "the image centres, shared by every wallet",
	"bare_metal":        "the bare-metal controller's own machine list: no credentials in the client (reference §9)",
	"bare_metal/add":    "the bare-metal controller's own route: no credentials in the client (reference §9)",
	"bare_metal/delete": "the bare-metal controller's own route: no credentials in the client (reference §9)",
	"bare_metal/modify": "the bare-metal controller's own route: no credentials in the client (reference §9)",
}

// TestTenantMatrixCoversEveryRoute fails when a route the panel serves is
// neither probed nor exempted with a reason.
func TestTenantMatrixCoversEveryRoute(t *testing.T) {
	routes := tenantRoutes(aliceEstate{vm: "vm", lan: "lan", snapshot: "snap"})
	served := map[string]bool{}
	for _, op := range (&dbc.Panel{}).Universe().Operations {
		served[op] = true
		_, probed := routes[op]
		_, exempt := tenantExemptRoutes[op]
		if probed == exempt {
			t.Errorf("route %s: probed %v, exempted %v; want exactly one", op, probed, exempt)
		}
	}
	for op := range routes {
		if !served[op] {
			t.Errorf("the matrix probes %s, which the panel does not serve", op)
		}
	}
}

// TestNonRenterReachesNothing tries every route on Alice's node, VM, disks,
// snapshot, LAN and machine as //Bob, who signs correctly but rents
// nothing there: with his own wallet signature, and with Alice's session
// id signed by him. Each answers the node's authority refusal, leaves the
// world byte for byte as it was, and is journaled.
func TestNonRenterReachesNothing(t *testing.T) {
	e := newEnv(t)
	a := e.aliceEstate(t)
	bob := dev(t, "Bob")
	routes := tenantRoutes(a)
	credentials := []struct {
		name string
		body func(rp routeProbe) map[string]any
		want func(op string) string
	}{
		{"wallet", func(rp routeProbe) map[string]any {
			return walletBody(t, bob, bobAddr, rp.node, rp.additional())
		}, func(string) string { return "check authority failed: wallet not rented" }},
		{"stolen session", func(rp routeProbe) map[string]any {
			return map[string]any{"peer_nodes_list": nodes(rp.node), "additional": orEmpty(rp.additional()),
				"session_id": a.session, "session_id_sign": bob.sign(t, a.session)}
		}, func(op string) string {
			if op == "mining_nodes/session_id" {
				return "check authority failed" // only a wallet may ask for one
			}
			return "check authority failed: session_id is invalid"
		}},
	}
	for _, cred := range credentials {
		for _, op := range slices.Sorted(maps.Keys(routes)) {
			rp := routes[op]
			t.Run(cred.name+"/"+op, func(t *testing.T) {
				before := e.srv.Snapshot()
				journaled := len(e.srv.Requests(state.JournalFilter{Panel: "dbc"}))
				e.post(t, "/api/v1/"+rp.path, cred.body(rp)).expect(t, 200, -3, cred.want(op))
				if after := e.srv.Snapshot(); !bytes.Equal(before, after) {
					t.Fatalf("the refused call changed the world:\nbefore %s\nafter  %s", before, after)
				}
				entries := e.srv.Requests(state.JournalFilter{Panel: "dbc"})
				if len(entries) != journaled+1 || !strings.HasSuffix(entries[len(entries)-1].Path, rp.path) {
					t.Fatalf("journal: %d entries, want %d ending with /%s", len(entries), journaled+1, rp.path)
				}
			})
		}
	}
}
