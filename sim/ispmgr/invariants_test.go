package ispmgr_test

import (
	"net/http"
	"testing"

	"github.com/panelsim/panelsim/internal/simtest"
)

// tables is the mgr5 state of a snapshot as plain JSON, table by table.
type tables map[string]map[string]map[string]any

// edited takes the world's snapshot and lets edit change its ispmgr
// state, to be PUT back.
func (e *env) edited(t *testing.T, edit func(st tables, top map[string]any)) simtest.Snapshot {
	t.Helper()
	snap := e.c.Snapshot(t)
	panel := snap.Panel("ispmgr")
	st := tables{}
	for k, v := range panel {
		if m, ok := v.(map[string]any); ok {
			st[k] = map[string]map[string]any{}
			for id, obj := range m {
				st[k][id], _ = obj.(map[string]any)
			}
		}
	}
	edit(st, panel)
	for k, v := range st {
		panel[k] = v
	}
	return snap
}

// TestRestoreRefusesBrokenMgr5State PUTs snapshots whose mgr5 state the
// panel could never reach: each is refused with the JSON pointer of the
// problem, and the world stays byte for byte as it was.
func TestRestoreRefusesBrokenMgr5State(t *testing.T) {
	e := newEnv(t)
	const p = "/panels/ispmgr"
	cases := []struct {
		pointer string
		edit    func(st tables, top map[string]any)
	}{
		{p + "/webdomains/vasya.example.com/owner", func(st tables, _ map[string]any) { st["webdomains"]["vasya.example.com"]["owner"] = "ghost" }},
		{p + "/webdomains/vasya.example.com/owner", func(st tables, _ map[string]any) { st["webdomains"]["vasya.example.com"]["owner"] = "root" }},
		{p + "/webdomains/vasya.example.com/name", func(st tables, _ map[string]any) { st["webdomains"]["vasya.example.com"]["name"] = "other.example.com" }},
		{p + "/emaildomains/vasya.example.com/owner", func(st tables, _ map[string]any) { st["emaildomains"]["vasya.example.com"]["owner"] = "ghost" }},
		{p + "/mailboxes/info@gone.example.com/domain", func(st tables, _ map[string]any) {
			st["mailboxes"]["info@gone.example.com"] = map[string]any{"id": 9, "name": "info", "domain": "gone.example.com", "owner": "vasya", "password": "x", "active": true}
		}},
		{p + "/mailboxes/info@vasya.example.com/owner", func(st tables, _ map[string]any) { st["mailboxes"]["info@vasya.example.com"]["owner"] = "petya" }},
		{p + "/zones/vasya.example.com/owner", func(st tables, _ map[string]any) { st["zones"]["vasya.example.com"]["owner"] = "ghost" }},
		{p + "/dbs/vasya_wp/owner", func(st tables, _ map[string]any) { st["dbs"]["vasya_wp"]["owner"] = "ghost" }},
		{p + "/dbs/vasya_wp/server", func(st tables, _ map[string]any) { st["dbs"]["vasya_wp"]["server"] = "nowhere" }},
		{p + "/users/petya/owner", func(st tables, _ map[string]any) { st["users"]["petya"]["owner"] = "vasya" }},
		{p + "/users/vasya/level", func(st tables, _ map[string]any) { st["users"]["vasya"]["level"] = 99 }},
		{p + "/users/vasya/limits/webdomains", func(st tables, _ map[string]any) {
			st["users"]["vasya"]["limits"] = map[string]any{"webdomains": -1}
		}},
		{p + "/users/vasya/limits/ghosts", func(st tables, _ map[string]any) {
			st["users"]["vasya"]["limits"] = map[string]any{"ghosts": 1}
		}},
		{p + "/ipaddrs/192.0.2.10/owner", func(st tables, _ map[string]any) { st["ipaddrs"]["192.0.2.10"]["owner"] = "vasya" }},
		{p + "/ipaddrs/192.0.2.10/role", func(st tables, _ map[string]any) { st["ipaddrs"]["192.0.2.10"]["role"] = "stolen" }},
		{p + "/ips/192.0.2.10/ipnet", func(st tables, _ map[string]any) { st["ips"]["192.0.2.10"]["ipnet"] = "10.0.0.0/8" }},
		{p + "/ips/192.0.2.10/ipnet", func(st tables, _ map[string]any) { st["ips"]["192.0.2.10"]["ipnet"] = "198.51.100.0/24" }},
		{p + "/ips/192.0.2.010/ip", func(st tables, _ map[string]any) {
			st["ips"]["192.0.2.010"] = st["ips"]["192.0.2.10"]
			st["ips"]["192.0.2.010"]["ip"] = "192.0.2.010"
			delete(st["ips"], "192.0.2.10")
		}},
		{p + "/ipnets/192.0.2.0~125/name", func(st tables, _ map[string]any) {
			st["ipnets"]["192.0.2.0/25"] = map[string]any{"id": 9, "name": "192.0.2.0/25"}
		}},
		{p + "/ipnets/bogus/name", func(st tables, _ map[string]any) { st["ipnets"]["bogus"] = map[string]any{"id": 9, "name": "bogus"} }},
		{p + "/ipnets/192.0.2.0~124/userspace", func(st tables, _ map[string]any) { st["ipnets"]["192.0.2.0/24"]["userspace"] = "private" }},
		{p + "/userspaces/public/users/0", func(st tables, _ map[string]any) { st["userspaces"]["public"]["users"] = []string{"ghost"} }},
	}
	for _, tc := range cases {
		t.Run(tc.pointer, func(t *testing.T) {
			e := e.as(t)
			e.c.RestoreRefused(t, e.edited(t, tc.edit), tc.pointer)
		})
	}
	// The unedited snapshot goes back in: the check refuses only what is broken.
	if status, field := e.c.Restore(t, e.edited(t, func(tables, map[string]any) {})); status != http.StatusOK {
		t.Fatalf("the world's own snapshot is refused at %q", field)
	}
}

// Deleting a reseller hands its users to the administrators, so the world
// stays whole (no user owned by a deleted account) and a fork of it passes
// the invariant check.
func TestDeletingAResellerKeepsItsUsersWhole(t *testing.T) {
	e := newEnv(t)
	expectOK(t, e.sjson("ok", "/ispmgr", "func", "user.delete", "elid", "reseller1", "authinfo", root))
	doc := e.sjson("form.user.edit", "/ispmgr", "func", "user.edit", "elid", "petya", "authinfo", root)
	if owner := str(doc, "owner"); owner != "" {
		t.Fatalf("petya is still owned by %q", owner)
	}
	e.c.JSON(http.MethodPost, "/_panelsim/worlds", `{"name":"copy","from":"default"}`).Expect(t, http.StatusCreated)
	if status, field := e.c.Restore(t, e.edited(t, func(tables, map[string]any) {})); status != http.StatusOK {
		t.Fatalf("the world's own snapshot is refused at %q", field)
	}
}
