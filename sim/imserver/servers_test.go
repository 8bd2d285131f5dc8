package imserver_test

import (
	"testing"
	"time"

	"github.com/panelsim/panelsim/internal/simtest"
	"github.com/panelsim/panelsim/panelsimtest"
	"github.com/panelsim/panelsim/state"
)

func TestRunServerAsInTheVendorExample(t *testing.T) {
	a := newAPI(t)
	sess := a.login("petrov", "superpassword")
	r := a.c.Get("/api?cmd=run_server&sess=" + sess + "&id=333")
	simtest.Golden(t, "run_server.json", r.Body)
	if st := a.status(sess, "333"); st.Status != "starting" || st.Task != "run_server" {
		t.Fatalf("right after run_server: %+v", st)
	}
	logs := a.logs(sess)
	if len(logs) != 1 || logs[0].Cmd != "run_server" || logs[0].Status != 0 || logs[0].DateCommit != "" || logs[0].ServerID != 333 {
		t.Fatalf("queued task in get_logs: %+v", logs)
	}
	a.fails("0021", sess, "stop_server", "id", "333")
	a.srv.Advance(10 * time.Second)
	if st := a.status(sess, "333"); st.Status != "running" || st.Task != "" {
		t.Fatalf("after 10 s: %+v", st)
	}
	logs = a.logs(sess)
	if logs[0].Status != 1 || logs[0].DateCommit != "2025-01-01 03:00:10" || logs[0].DatePost != "2025-01-01 03:00:00" {
		t.Fatalf("done task in get_logs: %+v", logs[0])
	}
}

func TestServerLifecycle(t *testing.T) {
	a := newAPI(t)
	sess := a.login("petrov", "superpassword")
	steps := []struct {
		cmd       string
		transient string
		wait      time.Duration
		final     string
	}{
		{"run_server", "starting", 10 * time.Second, "running"},
		{"reload_server", "rebooting", 30 * time.Second, "running"},
		{"pause_server", "pausing", 5 * time.Second, "paused"},
		{"run_server", "starting", 10 * time.Second, "running"},
		{"stop_server", "stopping", 10 * time.Second, "stopped"},
		{"archive_server", "archiving", 2 * time.Minute, "archived"},
	}
	for _, s := range steps {
		if got := a.str(a.ok(sess, s.cmd, "id", "333")); got != "333" {
			t.Fatalf("%s answered %q", s.cmd, got)
		}
		if st := a.status(sess, "333"); st.Status != s.transient {
			t.Fatalf("%s: status %s while queued, want %s", s.cmd, st.Status, s.transient)
		}
		a.srv.Advance(s.wait - time.Second)
		if st := a.status(sess, "333"); st.Status != s.transient {
			t.Fatalf("%s finished early", s.cmd)
		}
		a.srv.Advance(time.Second)
		if st := a.status(sess, "333"); st.Status != s.final {
			t.Fatalf("%s: status %s, want %s", s.cmd, st.Status, s.final)
		}
	}
	a.ok(sess, "del_server", "id", "333")
	a.srv.Advance(30 * time.Second)
	a.fails("0020", sess, "get_servers", "id", "333")
	logs := a.logs(sess, "id", "333")
	if len(logs) != 7 || logs[0].Cmd != "del_server" || logs[0].Status != 1 {
		t.Fatalf("a deleted server's log stays: %+v", logs)
	}
}

func TestWrongStateIsRefusedWith0027(t *testing.T) {
	a := newAPI(t)
	sess := a.login("petrov", "superpassword")
	// 333 is stopped, 334 is running.
	cases := []struct{ cmd, id string }{
		{"run_server", "334"},
		{"stop_server", "333"},
		{"pause_server", "333"},
		{"reload_server", "333"},
		{"archive_server", "334"},
		{"del_server", "334"},
		{"umount_iso", "334"},
	}
	for _, tc := range cases {
		t.Run(tc.cmd+" "+tc.id, func(t *testing.T) {
			a := a.with(t)
			a.fails("0027", sess, tc.cmd, "id", tc.id)
		})
	}
	if n := len(a.logs(sess)); n != 0 {
		t.Fatalf("refused actions must not be journaled, got %d", n)
	}
}

func TestServersOfOtherAccountsAreInvisible(t *testing.T) {
	a := newAPI(t)
	sess := a.login("petrov", "superpassword")
	a.fails("0020", sess, "run_server", "id", "999")
	other := into[[]struct {
		ID int64 `json:"id"`
	}](t, a.ok(a.login("sidorov", "sidorovpass", "passkey", "100001"), "get_servers"))
	if len(other) != 0 {
		t.Fatalf("sidorov has no servers, got %v", other)
	}
	a.fails("0020", sess, "run_server", "id", "337") // ivanov's generated server
}

func TestGetServersGolden(t *testing.T) {
	a := newAPI(t)
	sess := a.login("petrov", "superpassword")
	simtest.Golden(t, "get_servers.json", a.c.Get("/api?cmd=get_servers&sess="+sess).Body)
	simtest.Golden(t, "get_presets.json", a.c.Get("/api?cmd=get_presets&sess="+sess).Body)
	simtest.Golden(t, "get_templates.json", a.c.Get("/api?cmd=get_templates&sess="+sess).Body)
	simtest.Golden(t, "get_isos.json", a.c.Get("/api?cmd=get_isos&sess="+sess).Body)
}

type balance struct {
	Balance   string `json:"balance"`
	Contracts []struct {
		ID      int64  `json:"id"`
		Balance string `json:"balance"`
	} `json:"contracts"`
}

func TestAddServerChargesAndClonesLongerForLargerDisks(t *testing.T) {
	a := newAPI(t)
	sess := a.login("petrov", "superpassword")
	small := a.str(a.ok(sess, "add_server", "json", `{"cpu":1,"ram":1,"hdd_list":[{"size":10,"type":"ssd"}],"server_name":"small"}`))
	big := a.str(a.ok(sess, "add_server", "json", `{"cpu":2,"cputype":3,"ram":4,"hdd_list":[{"size":500,"type":"hdd"}],"server_name":"big","contract":1}`))
	// small: 200+150+150 + 10*8 = 580.00; big: 2*300 + 4*150 + 150 + 500*3 = 2850.00
	b := into[balance](t, a.ok(sess, "get_balance", "contract", "1"))
	if b.Balance != "6570.00" {
		t.Fatalf("contract 1 after two servers: %s, want 10000-580-2850 = 6570.00", b.Balance)
	}
	if st := a.status(sess, small); st.Status != "creating" {
		t.Fatalf("new server: %+v", st)
	}
	a.srv.Advance(2*time.Minute + 30*time.Second) // 2 min + 10 GB * 3 s
	if st := a.status(sess, small); st.Status != "running" {
		t.Fatalf("small server after 2m30s: %+v", st)
	}
	if st := a.status(sess, big); st.Status != "creating" {
		t.Fatalf("cloning 500 GB must take longer: %+v", st)
	}
	a.srv.Advance(25 * time.Minute)
	if st := a.status(sess, big); st.Status != "running" {
		t.Fatalf("big server after 27m30s: %+v", st)
	}
	servers := into[[]struct {
		Name  string `json:"name"`
		Price string `json:"price"`
		IP    string `json:"ip"`
	}](t, a.ok(sess, "get_servers", "id", big))
	if servers[0].Name != "big" || servers[0].Price != "2850.00" || servers[0].IP == "" {
		t.Fatalf("big server: %+v", servers[0])
	}
	pays := into[[]struct {
		Amount   string `json:"amount"`
		Type     string `json:"type"`
		ServerID int64  `json:"serverid"`
	}](t, a.ok(sess, "get_payments", "count", "2"))
	if len(pays) != 2 || pays[0].Amount != "-2850.00" || pays[0].Type != "charge" || pays[1].Amount != "-580.00" {
		t.Fatalf("payments: %+v", pays)
	}
}

func TestAddServerFromPresetInJSONBody(t *testing.T) {
	a := newAPI(t)
	sess := a.login("petrov", "superpassword")
	ans := a.decode(a.c.JSON("POST", "/api", map[string]any{"cmd": "add_server", "sess": sess, "preset": 3, "server_name": "pro"}))
	if !ans.Success {
		t.Fatalf("add_server by preset: %s", ans.raw)
	}
	s := into[[]struct {
		CPU    int    `json:"cpu"`
		RAM    int    `json:"ram"`
		Preset int64  `json:"preset"`
		Price  string `json:"price"`
	}](t, a.ok(sess, "get_servers", "id", a.str(ans.Data)))
	if s[0].CPU != 4 || s[0].RAM != 8 || s[0].Preset != 3 || s[0].Price != "1890.00" {
		t.Fatalf("preset server: %+v", s[0])
	}
}

func TestAddServerRefusals(t *testing.T) {
	a := newAPI(t)
	sess := a.login("petrov", "superpassword")
	cases := []struct {
		name, json, code string
	}{
		{"balance short on contract 2", `{"preset":3,"contract":2}`, "0030"},
		{"unknown preset", `{"preset":99}`, "0031"},
		{"unknown contract", `{"preset":1,"contract":99}`, "0031"},
		{"no cpu", `{"ram":1,"hdd_list":[{"size":10}]}`, "0002"},
		{"no disks", `{"cpu":1,"ram":1}`, "0002"},
		{"too many cpus", `{"cpu":64,"ram":1,"hdd_list":[{"size":10}]}`, "0003"},
		{"bad cputype", `{"cpu":1,"cputype":4,"ram":1,"hdd_list":[{"size":10}]}`, "0003"},
		{"bad disk type", `{"cpu":1,"ram":1,"hdd_list":[{"size":10,"type":"tape"}]}`, "0003"},
		{"disk type is case-sensitive", `{"cpu":1,"ram":1,"hdd_list":[{"size":10,"type":"SSD"}]}`, "0003"},
		{"tiny disk", `{"cpu":1,"ram":1,"hdd_list":[{"size":5}]}`, "0003"},
		{"disk not an object", `{"cpu":1,"ram":1,"hdd_list":[true]}`, "0003"},
		{"cpu not a number", `{"cpu":"two","ram":1,"hdd_list":[{"size":10}]}`, "0003"},
		{"windows needs 40 GB", `{"cpu":1,"ram":1,"hdd_list":[{"size":20}],"template":5}`, "0003"},
		{"unknown template", `{"cpu":1,"ram":1,"hdd_list":[{"size":20}],"template":77}`, "0023"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a := a.with(t)
			a.fails(tc.code, sess, "add_server", "json", tc.json)
		})
	}
	if b := into[balance](t, a.ok(sess, "get_balance")); b.Balance != "10500.00" {
		t.Fatalf("refused creations must not charge: %s", b.Balance)
	}
	if n := len(a.logs(sess)); n != 0 {
		t.Fatalf("refused creations must not be journaled: %d", n)
	}
}

func TestUpdateServer(t *testing.T) {
	a := newAPI(t)
	sess := a.login("petrov", "superpassword")
	a.fails("0027", sess, "update_server", "id", "334", "json", `{"ram":16}`)
	a.ok(sess, "update_server", "id", "334", "json", `{"server_name":"db-main"}`)
	if st := a.status(sess, "334"); st.Status != "updating" {
		t.Fatalf("rename queued: %+v", st)
	}
	a.srv.Advance(time.Minute)
	a.ok(sess, "stop_server", "id", "334")
	a.srv.Advance(10 * time.Second)
	a.fails("0003", sess, "update_server", "id", "334", "json", `{"hdd_list":[{"size":50,"type":"ssd"}]}`)
	a.fails("0002", sess, "update_server", "id", "334", "json", `{}`)
	a.ok(sess, "update_server", "id", "334", "json", `{"ram":16,"hdd_list":[{"size":100,"type":"ssd"},{"size":200,"type":"hdd"}]}`)
	a.srv.Advance(time.Minute)
	s := into[[]struct {
		Name  string `json:"name"`
		RAM   int    `json:"ram"`
		Price string `json:"price"`
		Disks []any  `json:"hdd_list"`
	}](t, a.ok(sess, "get_servers", "id", "334"))
	// 4*300 + 16*150 + 150 + 100*8 + 200*3 = 5150.00, up from 3350.00
	if s[0].Name != "db-main" || s[0].RAM != 16 || len(s[0].Disks) != 2 || s[0].Price != "5150.00" {
		t.Fatalf("after update: %+v", s[0])
	}
	if b := into[balance](t, a.ok(sess, "get_balance", "contract", "1")); b.Balance != "8200.00" {
		t.Fatalf("the difference 1800.00 is charged: %s", b.Balance)
	}
}

func TestReinstallAndISO(t *testing.T) {
	a := newAPI(t)
	sess := a.login("petrov", "superpassword")
	a.ok(sess, "mount_iso", "id", "334", "iso", "3")
	a.fails("0023", sess, "mount_iso", "id", "334", "iso", "99")
	a.ok(sess, "reinstall_server", "id", "334", "template", "4")
	a.fails("0021", sess, "umount_iso", "id", "334")
	a.srv.Advance(3*time.Minute + 100*3*time.Second - time.Second)
	if st := a.status(sess, "334"); st.Status != "reinstalling" {
		t.Fatalf("reinstall of 100 GB takes 3m + 300s: %+v", st)
	}
	a.srv.Advance(time.Second)
	s := into[[]struct {
		Template int64 `json:"template"`
		ISO      int64 `json:"iso"`
		Status   string
	}](t, a.ok(sess, "get_servers", "id", "334"))
	if s[0].Template != 4 || s[0].ISO != 0 || s[0].Status != "running" {
		t.Fatalf("after reinstall: %+v", s[0])
	}
	a.fails("0023", sess, "reinstall_server", "id", "334", "template", "42")
}

func TestFailTaskPutsServerIntoError(t *testing.T) {
	a := newAPI(t)
	sess := a.login("petrov", "superpassword")
	err := a.srv.SetFaults(state.FaultRule{Name: "boom", Panel: "imserver", Match: state.FaultMatch{Cmd: "run_server"},
		When: state.FaultWhen{Times: 1}, Action: state.FaultAction{FailTask: &state.FailTaskSpec{Code: "0042", Msg: "hypervisor lost"}}})
	if err != nil {
		t.Fatal(err)
	}
	a.ok(sess, "run_server", "id", "333")
	a.srv.Advance(10 * time.Second)
	st := a.status(sess, "333")
	if st.Status != "error" || st.Error != "0042: hypervisor lost" {
		t.Fatalf("failed task: %+v", st)
	}
	if l := a.logs(sess); l[0].Status != 2 || l[0].DateCommit == "" {
		t.Fatalf("failed task in get_logs: %+v", l[0])
	}
	a.fails("0027", sess, "run_server", "id", "333")
	a.ok(sess, "stop_server", "id", "333")
	a.srv.Advance(10 * time.Second)
	if st := a.status(sess, "333"); st.Status != "stopped" || st.Error != "" {
		t.Fatalf("stop_server recovers from error: %+v", st)
	}
}

func TestFailedCreationIsRefunded(t *testing.T) {
	a := newAPI(t)
	sess := a.login("petrov", "superpassword")
	_ = a.srv.SetFaults(state.FaultRule{Name: "clone", Panel: "imserver", Match: state.FaultMatch{Cmd: "add_server"},
		Action: state.FaultAction{FailTask: &state.FailTaskSpec{}}})
	id := a.str(a.ok(sess, "add_server", "json", `{"preset":1}`))
	a.srv.Advance(time.Hour)
	if st := a.status(sess, id); st.Status != "error" || st.Error != "task failed" {
		t.Fatalf("failed creation: %+v", st)
	}
	if b := into[balance](t, a.ok(sess, "get_balance", "contract", "1")); b.Balance != "10000.00" {
		t.Fatalf("the charge is refunded: %s", b.Balance)
	}
	a.ok(sess, "del_server", "id", id)
}

func TestGetLogsCount(t *testing.T) {
	a := newAPI(t)
	sess := a.login("petrov", "superpassword")
	for i := 0; i < 60; i++ {
		a.ok(sess, "reload_server", "id", "334")
		a.srv.Advance(30 * time.Second)
	}
	a.ok(sess, "run_server", "id", "333")
	if n := len(a.logs(sess)); n != 50 {
		t.Fatalf("default count: %d, want 50", n)
	}
	if n := len(a.logs(sess, "count", "500")); n != 61 {
		t.Fatalf("count=500: %d, want all 61", n)
	}
	if l := a.logs(sess, "count", "3"); len(l) != 3 || l[0].Cmd != "run_server" || l[0].ID <= l[1].ID {
		t.Fatalf("newest first: %+v", l)
	}
	a.fails("0003", sess, "get_logs", "count", "0")
	a.fails("0003", sess, "get_logs", "count", "x")
	for i := 0; i < 50; i++ {
		a.ok(sess, "reload_server", "id", "334")
		a.srv.Advance(30 * time.Second)
	}
	if n := len(a.logs(sess, "count", "500")); n != 100 {
		t.Fatalf("count is clamped to 100, got %d", n)
	}
}

func TestGetLogsGolden(t *testing.T) {
	a := newAPI(t)
	sess := a.login("petrov", "superpassword")
	a.ok(sess, "run_server", "id", "333")
	a.ok(sess, "reload_server", "id", "334")
	a.srv.Advance(15 * time.Second)
	simtest.Golden(t, "get_logs.json", a.c.Get("/api?cmd=get_logs&sess="+sess).Body)
	simtest.Golden(t, "get_servers_status.json", a.c.Get("/api?cmd=get_servers_status&sess="+sess).Body)
}

func TestSameRequestsSameBytes(t *testing.T) {
	run := func() []byte {
		a := newAPI(t)
		sess := a.login("petrov", "superpassword")
		a.ok(sess, "add_server", "json", `{"preset":2}`)
		a.ok(sess, "add_network", "name", "lan")
		a.srv.Advance(5 * time.Minute)
		return append(a.c.Get("/api?cmd=get_servers&sess="+sess).Body, a.c.Get("/api?cmd=get_interfaces&sess="+sess).Body...)
	}
	if first, second := run(), run(); string(first) != string(second) {
		t.Fatalf("two worlds from one scenario differ:\n%s\n%s", first, second)
	}
}

func TestZeroTimingsAreInstant(t *testing.T) {
	a := newAPI(t, panelsimtest.WithScenarioYAML(`
timings:
  imserver.run: 0s
  imserver.create: 0s
  imserver.clone_per_gb: 0s
  imserver.ticket_reply: 0s
imserver:
  accounts:
    - login: u
      password: p
      contracts: [{balance: 1000}]
      servers: [{id: 7, status: stopped, preset: 1}]
`))
	sess := a.login("u", "p")
	a.ok(sess, "run_server", "id", "7")
	if st := a.status(sess, "7"); st.Status != "running" {
		t.Fatalf("instant run_server: %+v", st)
	}
	id := a.str(a.ok(sess, "add_server", "json", `{"preset":1}`))
	if st := a.status(sess, id); st.Status != "running" {
		t.Fatalf("instant add_server: %+v", st)
	}
	if l := a.logs(sess); len(l) != 2 || l[0].Status != 1 || l[0].DateCommit != l[0].DatePost {
		t.Fatalf("instant tasks are done at once: %+v", l)
	}
	tid := a.str(a.ok(sess, "add_ticket", "subject", "s", "message", "m"))
	tk := into[[]struct {
		Status string `json:"status"`
	}](t, a.ok(sess, "get_tickets", "id", tid))
	if tk[0].Status != "answered" {
		t.Fatalf("instant support: %+v", tk)
	}
}

func TestJSONBodyMustBeAnObject(t *testing.T) {
	a := newAPI(t, panelsimtest.WithValidation("off"))
	ans := a.decode(a.c.JSON("POST", "/api?cmd=get_logs", `[1,2]`))
	if ans.Success || ans.code() != "0003" {
		t.Fatalf("want 0003, got %s", ans.raw)
	}
}

func TestStrictValidationAnswersNatively(t *testing.T) {
	a := newAPI(t) // strict by default in panelsimtest
	ans := a.decode(a.c.JSON("POST", "/api", `{"cmd":`))
	if ans.Success || ans.code() != "0003" {
		t.Fatalf("want 0003, got %s", ans.raw)
	}
}

func TestOtherMethodsAre0004(t *testing.T) {
	a := newAPI(t, panelsimtest.WithValidation("off"))
	a.c.SkipValidation = true // PUT is not in the contract
	ans := a.decode(a.c.Do("PUT", "/api?cmd=get_logs", nil))
	if ans.Success || ans.code() != "0004" {
		t.Fatalf("want 0004, got %s", ans.raw)
	}
}

// A fail_task code is an IMserver code like an error action's: "42" shows
// as "0042", the way the envelope would send it.
func TestFailTaskCodeIsPadded(t *testing.T) {
	a := newAPI(t)
	sess := a.login("petrov", "superpassword")
	err := a.srv.SetFaults(state.FaultRule{Name: "short", Panel: "imserver", Match: state.FaultMatch{Cmd: "run_server"},
		Action: state.FaultAction{FailTask: &state.FailTaskSpec{Code: "42", Msg: "hypervisor lost"}}})
	if err != nil {
		t.Fatal(err)
	}
	a.ok(sess, "run_server", "id", "333")
	a.srv.Advance(10 * time.Second)
	if st := a.status(sess, "333"); st.Status != "error" || st.Error != "0042: hypervisor lost" {
		t.Fatalf("failed task: %+v", st)
	}
}
