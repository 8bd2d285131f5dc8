package sim_test

import (
	"strings"
	"testing"

	"github.com/panelsim/panelsim/internal/simtest"
	"github.com/panelsim/panelsim/panelsimtest"
	"github.com/panelsim/panelsim/sim"
	"github.com/panelsim/panelsim/state"
)

func getCoverage(t *testing.T, c *simtest.Client, query string) sim.CoverageReport {
	t.Helper()
	var rep sim.CoverageReport
	c.Get("/_panelsim/coverage"+query).Expect(t, 200).Decode(t, &rep)
	return rep
}

func panelOf(t *testing.T, rep sim.CoverageReport, name string) sim.PanelCoverage {
	t.Helper()
	p, ok := rep.Panel(name)
	if !ok {
		t.Fatalf("no panel %s in %+v", name, rep)
	}
	return p
}

// wantCounts checks exact counts of named entries in a dimension.
func wantCounts(t *testing.T, what string, d sim.Dimension, want map[string]int64) {
	t.Helper()
	for name, n := range want {
		if got := d.Count(name); got != n {
			t.Errorf("%s %q counted %d, want %d (all: %v, outside: %v)", what, name, got, n, d.Counts, d.Outside)
		}
	}
}

// dciLogin logs in as the default admin and returns a client sending the token.
func dciLogin(t *testing.T, c *simtest.Client) *simtest.Client {
	t.Helper()
	var tok struct {
		Token string `json:"token"`
	}
	c.JSON("POST", "/api/auth/v4/public/token", map[string]string{"email": "admin@example.com", "password": "secret"}).Expect(t, 201).Decode(t, &tok)
	return c.With("X-Xsrf-Token", tok.Token)
}

// A known subset of DCImanager calls is counted exactly: operations,
// statuses, native codes, task states, auth paths and fault firings.
func TestCoverageCountsAKnownSubsetExactly(t *testing.T) {
	srv := panelsimtest.RunT(t)
	c := simtest.New(t, srv)
	c.JSON("POST", "/api/auth/v4/public/token", map[string]string{"email": "admin@example.com", "password": "wrong"}).Expect(t, 401)
	admin := dciLogin(t, c)
	admin.Get("/api/dci/v3/server").Expect(t, 200)
	admin.Get("/dci/v3/server").Expect(t, 200) // the alias is the same operation
	c.With("X-Xsrf-Token", "nope").Get("/api/dci/v3/server").Expect(t, 401)
	admin.Get("/api/dci/v3/nothing-here").Expect(t, 404)
	admin.Do("POST", "/api/dci/v3/server/1/power_off", nil).Expect(t, 200)
	if err := srv.World("default").SetFaults(state.FaultRule{
		Name: "down", Panel: "dci6", Match: state.FaultMatch{Route: "/api/dci/v3/user"},
		Action: state.FaultAction{Error: &state.NativeErrorSpec{Code: "3080"}},
	}); err != nil {
		t.Fatal(err)
	}
	admin.Get("/api/dci/v3/user").Expect(t, 404)
	srv.World("default").Advance(srv.Sim().Scenario().Timings["dci6.power"])

	rep := getCoverage(t, c, "")
	if rep.World != "" || len(rep.Worlds) != 1 {
		t.Fatalf("merged report names world %q, worlds %v", rep.World, rep.Worlds)
	}
	d := panelOf(t, rep, "dci6")
	wantCounts(t, "operation", d.Operations, map[string]int64{
		"/api/auth/v4/public/token": 2, "/api/dci/v3/server": 3, "/api/dci/v3/server/:id/power_off": 1,
		"/api/dci/v3/user": 1, "/api/dci/v3/server/:id": 0,
	})
	if d.Operations.Outside["/api/dci/*"] != 1 {
		t.Errorf("an unknown route is counted outside the universe: %v", d.Operations.Outside)
	}
	if d.Operations.Covered != 4 || d.Operations.Total != len(srv.Sim().Panels()[0].Universe().Operations) {
		t.Errorf("operations %d/%d", d.Operations.Covered, d.Operations.Total)
	}
	wantCounts(t, "code", d.Codes, map[string]int64{"3002": 1, "3001": 1, "1106": 1, "3080": 1, "3003": 0})
	if d.Codes.Covered != 4 {
		t.Errorf("codes covered %d, want 4: %v", d.Codes.Covered, d.Codes.Counts)
	}
	for st, n := range map[string]int64{"200": 3, "201": 1, "401": 2, "404": 2} {
		if d.Statuses[st] != n {
			t.Errorf("status %s counted %d, want %d (%v)", st, d.Statuses[st], n, d.Statuses)
		}
	}
	wantCounts(t, "task state", d.Tasks, map[string]int64{"power_off/power_off": 1, "power_off/complete": 1, "power_off/fail": 0})
	wantCounts(t, "auth path", d.Auth, map[string]int64{"password": 1, "token": 3, "token_expiry": 0})
	wantCounts(t, "fault rule", rep.Faults.Rules, map[string]int64{"down": 1})
	wantCounts(t, "fault action", rep.Faults.Actions, map[string]int64{"error": 1, "status": 0})
	if im := panelOf(t, rep, "imserver"); im.Operations.Covered != 0 || len(im.Operations.Never) != im.Operations.Total {
		t.Errorf("imserver was never called: %+v", im.Operations)
	}
	if !strings.Contains(rep.Summary(), "dci6: 4/") {
		t.Errorf("summary:\n%s", rep.Summary())
	}
}

// Coverage is per world and merged; a fork starts counting afresh, a reset
// keeps the counts, a deleted world still counts in the merged report, and
// DELETE forgets.
func TestCoverageAcrossForkResetDeleteAndClear(t *testing.T) {
	srv := panelsimtest.RunT(t)
	c := simtest.New(t, srv)
	hit := func(c *simtest.Client) { c.Get("/api/dci/v3/server").Expect(t, 401) }
	hit(c)
	hit(c)
	c.JSON("POST", "/_panelsim/worlds", map[string]string{"name": "f", "from": "default"}).Expect(t, 201)
	op := func(rep sim.CoverageReport) int64 {
		return panelOf(t, rep, "dci6").Operations.Count("/api/dci/v3/server")
	}
	if n := op(getCoverage(t, c, "?world=f")); n != 0 {
		t.Fatalf("a fresh fork counted %d", n)
	}
	hit(c.World("f"))
	if n := op(getCoverage(t, c.World("f"), "")); n != 1 {
		t.Fatalf("fork (by prefix) counted %d, want 1", n)
	}
	if n := op(getCoverage(t, c, "?world=default")); n != 2 {
		t.Fatalf("default counted %d, want 2", n)
	}
	if n := op(getCoverage(t, c, "")); n != 3 {
		t.Fatalf("merged counted %d, want 3", n)
	}
	c.Do("POST", "/_panelsim/reset", nil).Expect(t, 200)
	if n := op(getCoverage(t, c, "?world=default")); n != 2 {
		t.Fatalf("after a reset default counted %d, want 2 (a reset keeps coverage)", n)
	}
	c.Do("DELETE", "/_panelsim/worlds/f", nil).Expect(t, 204)
	rep := getCoverage(t, c, "")
	if n := op(rep); n != 3 || len(rep.Worlds) != 1 {
		t.Fatalf("after deleting the fork, merged counted %d (worlds %v), want 3", n, rep.Worlds)
	}
	c.Get("/_panelsim/coverage?world=f").Expect(t, 404)
	c.Get("/_panelsim/coverage?format=xml").Expect(t, 400)
	c.Do("DELETE", "/_panelsim/coverage", nil).Expect(t, 200)
	if n := op(getCoverage(t, c, "")); n != 0 {
		t.Fatalf("after DELETE merged counted %d", n)
	}
}

func TestCoverageTextAndHTML(t *testing.T) {
	srv := panelsimtest.RunT(t)
	c := simtest.New(t, srv)
	c.Get("/api/dci/v3/server").Expect(t, 401)
	text := string(c.Get("/_panelsim/coverage?format=text").Expect(t, 200).Body)
	lines := strings.Split(strings.TrimSpace(text), "\n")
	if len(lines) != 5 || !strings.HasPrefix(lines[0], "dci6: 1/") || !strings.Contains(lines[0], " operations, 1/") {
		t.Fatalf("summary:\n%s", text)
	}
	html := string(c.Get("/_panelsim/coverage?format=html").Expect(t, 200).Body)
	if !strings.Contains(html, "/api/dci/v3/server") || !strings.Contains(html, "<meter") {
		t.Fatalf("html report lacks the operation:\n%s", html)
	}
}

// mgr5 coverage counts each func per out= format ("user?out=json"), while
// the journal and a fault rule's func match keep naming the func alone.
func TestCoverageCountsMgr5FuncsPerOutFormat(t *testing.T) {
	srv := panelsimtest.RunT(t)
	c := simtest.New(t, srv)
	c.Get("/ispmgr?func=user&out=xml&authinfo=root:secret").Expect(t, 200)
	c.Get("/ispmgr?func=user&out=json&authinfo=root:secret").Expect(t, 200)
	c.Form("POST", "/ispmgr", "func=user&out=json&authinfo=root:secret").Expect(t, 200)
	c.Get("/ispmgr?func=user&authinfo=root:secret").Expect(t, 200)           // the browser page
	c.Get("/ispmgr?func=user&out=bogus&authinfo=root:secret").Expect(t, 200) // an unknown out is the page too
	c.Get("/ispmgr?func=nosuchfunc&out=xml&authinfo=root:secret").Expect(t, 200)
	if err := srv.World("default").SetFaults(state.FaultRule{
		Name: "users-down", Panel: "ispmgr", Match: state.FaultMatch{Func: "user"},
		Action: state.FaultAction{Status: 503, Body: "down"},
	}); err != nil {
		t.Fatal(err)
	}
	c.Get("/ispmgr?func=user&out=text&authinfo=root:secret").Expect(t, 503)
	c.Get("/ispmgr?func=whoami&out=sjson&authinfo=root:secret").Expect(t, 200)

	rep := getCoverage(t, c, "")
	d := panelOf(t, rep, "ispmgr")
	wantCounts(t, "operation", d.Operations, map[string]int64{
		"user?out=xml": 1, "user?out=json": 2, "user?out=html": 2, "user?out=text": 1,
		"whoami?out=sjson": 1, "user?out=sjson": 0, "whoami?out=xml": 0, "user": 0,
	})
	if d.Operations.Covered != 5 {
		t.Errorf("operations covered %d, want 5: never %d", d.Operations.Covered, len(d.Operations.Never))
	}
	if len(d.Operations.Outside) != 1 || d.Operations.Outside["nosuchfunc?out=xml"] != 1 {
		t.Errorf("an unknown func is counted outside the universe, per format: %v", d.Operations.Outside)
	}
	var ispmgr sim.Panel
	for _, p := range srv.Sim().Panels() {
		if p.Name() == "ispmgr" {
			ispmgr = p
		}
	}
	funcs := map[string]bool{}
	for _, op := range ispmgr.Universe().Operations {
		fn, _, _ := strings.Cut(op, "?")
		funcs[fn] = true
	}
	if want := len(funcs) * 9; d.Operations.Total != want {
		t.Errorf("operations total %d, want every func (%d) in each of the 9 formats: %d", d.Operations.Total, len(funcs), want)
	}
	wantCounts(t, "fault rule", rep.Faults.Rules, map[string]int64{"users-down": 1})
	// Every call authenticates but the one the fault answered.
	wantCounts(t, "auth path", d.Auth, map[string]int64{"authinfo": 7, "password": 0})
	var ops []string
	for _, e := range srv.World("default").Requests(state.JournalFilter{Panel: "ispmgr"}) {
		ops = append(ops, e.Op)
	}
	if got := strings.Join(ops, ","); got != "user,user,user,user,user,nosuchfunc,user,whoami" {
		t.Errorf("the journal names the func alone: %s", got)
	}
}

// The per-format operations and DBC's auth paths follow worlds like every
// count: a fork counts afresh, a reset keeps, the merged report sums.
func TestCoverageOfFormatsAndDBCAuthAcrossForksAndResets(t *testing.T) {
	srv := panelsimtest.RunT(t)
	c := simtest.New(t, srv)
	users := func(c *simtest.Client, out string) {
		c.Get("/ispmgr?func=user&out="+out+"&authinfo=root:secret").Expect(t, 200)
	}
	unsigned := func(c *simtest.Client) {
		c.JSON("POST", "/api/v1/tasks", map[string]any{"peer_nodes_list": []string{"58fb618aa482c41114eb3cfdaefd3ba183172da9e25251449d045043fbd37f45"}, "additional": map[string]any{}}).Expect(t, 400)
	}
	users(c, "json")
	users(c, "xml")
	unsigned(c)
	c.JSON("POST", "/_panelsim/worlds", map[string]string{"name": "f", "from": "default"}).Expect(t, 201)
	users(c.World("f"), "json")
	users(c.World("f"), "json")
	unsigned(c.World("f"))
	unsigned(c.World("f"))
	c.Do("POST", "/_panelsim/reset", nil).Expect(t, 200)

	for _, tc := range []struct {
		query            string
		json, xml, unsig int64
	}{{"?world=default", 1, 1, 1}, {"?world=f", 2, 0, 2}, {"", 3, 1, 3}} {
		rep := getCoverage(t, c, tc.query)
		mgr, dbc := panelOf(t, rep, "ispmgr"), panelOf(t, rep, "dbc")
		wantCounts(t, "operation "+tc.query, mgr.Operations, map[string]int64{"user?out=json": tc.json, "user?out=xml": tc.xml})
		wantCounts(t, "auth path "+tc.query, dbc.Auth, map[string]int64{"missing_credentials": tc.unsig, "signature": 0})
	}
}
