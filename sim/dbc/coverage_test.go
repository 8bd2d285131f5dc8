package dbc_test

import (
	"testing"
	"time"

	"github.com/panelsim/panelsim/panelsimtest"
	"github.com/panelsim/panelsim/sim"
	"github.com/panelsim/panelsim/state"
)

// dbcCoverage is the dbc part of the server's merged coverage report.
func dbcCoverage(t *testing.T, e *env) sim.PanelCoverage {
	t.Helper()
	p, ok := e.srv.Coverage().Panel("dbc")
	if !ok {
		t.Fatal("no dbc in the coverage report")
	}
	return p
}

// wantExactly checks that a dimension counted exactly want: every name
// listed with its count, and nothing else (in the universe or outside it).
func wantExactly(t *testing.T, what string, d sim.Dimension, want map[string]int64) {
	t.Helper()
	for name, n := range want {
		if got := d.Counts[name]; got != n {
			t.Errorf("%s %q counted %d, want %d", what, name, got, n)
		}
	}
	for name, n := range d.Counts {
		if _, listed := want[name]; !listed && n != 0 {
			t.Errorf("%s %q counted %d, want 0", what, name, n)
		}
	}
	if len(d.Outside) != 0 {
		t.Errorf("%s counted outside the universe: %v", what, d.Outside)
	}
}

// Each way the node (or the client's precheck before it) takes a
// request's credentials is counted once per request that takes it.
func TestCoverageCountsEachAuthPath(t *testing.T) {
	e := newEnv(t, panelsimtest.WithScenarioYAML(authScenario("verify", true)))
	signed := alice(t, node1, nil)
	e.post(t, "/api/v1/tasks", signed).expect(t, 200, 0)
	e.post(t, "/api/v1/tasks", signed).expect(t, 200, -3, "check authority failed: nonce check failed")
	e.post(t, "/api/v1/tasks", walletBody(t, dev(t, "Bob"), aliceAddr, node1, nil)).expect(t, 200, -3, "check authority failed: nonce check failed")
	e.post(t, "/api/v1/tasks", walletBody(t, dev(t, "Bob"), bobAddr, node1, nil)).expect(t, 200, -3, "check authority failed: wallet not rented")
	e.post(t, "/api/v1/tasks", multisigBody(t, msigNode, "2", "Alice", "Bob")).expect(t, 200, 0)

	sid := sessionOf(t, e, alice(t, node1, nil)) // a signature too
	session := map[string]any{"peer_nodes_list": []string{node1}, "additional": map[string]any{},
		"session_id": sid, "session_id_sign": dev(t, "Alice").sign(t, sid)}
	e.post(t, "/api/v1/tasks", session).expect(t, 200, 0)
	session["session_id_sign"] = dev(t, "Bob").sign(t, sid)
	e.post(t, "/api/v1/tasks", session).expect(t, 200, -3, "check authority failed: session_id is invalid")

	bare := map[string]any{"peer_nodes_list": []string{node1}, "additional": map[string]any{}}
	e.post(t, "/api/v1/tasks", bare).expect(t, 400, -25, "wallet_sign and multisig_wallets all invalid")
	e.post(t, "/api/v1/lan/delete/nope", bare).expect(t, 200, -3, "check authority failed: nonce check failed")

	e.post(t, "/api/v1/tasks", alice(t, expiring, nil)).expect(t, 200, 0)
	e.srv.Advance(time.Hour)
	e.post(t, "/api/v1/tasks", alice(t, expiring, nil)).expect(t, 200, -3, "check authority failed: wallet not rented")
	// Routes without credentials count no auth path.
	e.post(t, "/api/v1/images/servers", bare).expect(t, 200, 0)

	d := dbcCoverage(t, e)
	wantExactly(t, "auth path", d.Auth, map[string]int64{
		"signature": 3, "replayed_nonce": 1, "bad_signature": 1, "not_renter": 1, "multisig": 1,
		"session": 1, "bad_session": 1, "missing_credentials": 2, "rent_expired": 1,
	})
	if d.Auth.Covered != 9 || d.Auth.Total != 9 {
		t.Errorf("auth paths %d/%d, want 9/9", d.Auth.Covered, d.Auth.Total)
	}
}

// Snapshot uploads, image transfers and bare-metal power changes are
// async operations whose ends are counted, beside the VM operations; a
// power change taken over by a later one never ends.
func TestCoverageCountsTransfersSnapshotUploadsAndPower(t *testing.T) {
	e := newEnv(t)
	id := e.closedVM(t)
	e.post(t, "/api/v1/snapshot/create/"+id, alice(t, node1, map[string]any{"snapshot_name": "s", "image_server": "ID_2"})).expect(t, 200, 0, "ok")
	e.srv.Advance(5 * time.Minute)

	img := func(node, verb string, add map[string]any) answer {
		return e.post(t, "/api/v1/images/"+verb, alice(t, node, add))
	}
	img(node1, "download", map[string]any{"image_server": "ID_1", "image_filename": "ubuntu-2204.qcow2", "local_dir": "/data"}).expect(t, 200, 0, "ok")
	e.srv.Advance(5 * time.Minute)
	img(node1, "upload", map[string]any{"image_server": "ID_2", "image_filename": "windows-10.qcow2"}).expect(t, 200, 0, "ok")
	e.srv.Advance(time.Minute)
	img(node1, "upload_stop", map[string]any{"image_filename": "windows-10.qcow2"}).expect(t, 200, 0, "ok")
	img(node1, "upload_stop", map[string]any{"image_filename": "windows-10.qcow2"}).expect(t, 200, 0, "ok") // nothing left to stop

	power := func(cmd string) {
		e.post(t, "/api/v1/bare_metal/power", alice(t, bmMachine, map[string]any{"command": cmd})).expect(t, 200, 0, "ok")
	}
	power("off")
	e.srv.Advance(10 * time.Second)
	power("on")
	e.srv.Advance(10 * time.Second)
	power("off")
	power("reset") // takes over the off: the machine is still on
	e.srv.Advance(10 * time.Second)

	if err := e.srv.SetFaults(state.FaultRule{Name: "dl", Match: state.FaultMatch{Route: "images/download"},
		Action: state.FaultAction{FailTask: &state.FailTaskSpec{}}}); err != nil {
		t.Fatal(err)
	}
	img(node2, "download", map[string]any{"image_server": "ID_2", "image_filename": "centos-7.qcow2", "local_dir": "/data"}).expect(t, 200, 0, "ok")
	e.srv.Advance(10 * time.Minute)

	d := dbcCoverage(t, e)
	wantExactly(t, "task state", d.Tasks, map[string]int64{
		"create/done": 1, "shutdown/done": 1, "snapshot_create/done": 1, "snapshot_upload/done": 1,
		"image_download/done": 1, "image_download/failed": 1, "image_upload/stopped": 1, "image_upload/done": 0,
		"bare_metal_power/off": 1, "bare_metal_power/on": 2,
	})
	if d.Tasks.Covered != 9 {
		t.Errorf("task states covered %d, want 9", d.Tasks.Covered)
	}
}
