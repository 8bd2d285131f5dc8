package dci6

import (
	"reflect"
	"strconv"
	"testing"
	"time"

	"github.com/panelsim/panelsim/scenarios"
	"github.com/panelsim/panelsim/state"
)

// newWorld builds a world from scenario YAML (nil: the default scenario)
// with only this panel's steps, the way sim.Server does.
func newWorld(t testing.TB, yaml []byte) *state.World {
	t.Helper()
	if yaml == nil {
		yaml = scenarios.DefaultYAML()
	}
	known := scenarios.Known{Panels: []string{Name, "imserver", "dbc", "ispmgr"}, Timings: defaultTimings()}
	sc, err := scenarios.Parse("test.yaml", yaml, known)
	if err != nil {
		t.Fatalf("scenario: %v", err)
	}
	w, err := state.NewWorld(state.Config{Name: "test", Seed: sc.Seed, Start: sc.Start, Timings: sc.Timings,
		Steps: steps(), States: map[string]func() any{Name: New().NewState}})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Do(func(tx *state.Tx) error { return New().Seed(tx, sc) }); err != nil {
		t.Fatalf("seed: %v", err)
	}
	return w
}

var admin = Caller{UserID: 1, Email: "admin@example.com", Admin: true}
var client = Caller{UserID: 2, Email: "client@example.com"}

func do[T any](t testing.TB, w *state.World, fn func(tx *state.Tx) (T, error)) T {
	t.Helper()
	var out T
	if err := w.Do(func(tx *state.Tx) error {
		var err error
		out, err = fn(tx)
		return err
	}); err != nil {
		t.Fatalf("model call: %v", err)
	}
	return out
}

func doErr(t testing.TB, w *state.World, scope *state.Scope, fn func(tx *state.Tx) error) error {
	t.Helper()
	return w.DoScoped(scope, fn)
}

func advance(t testing.TB, w *state.World, d time.Duration) {
	t.Helper()
	ran, err := w.Advance(d)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range ran {
		if r.Error != "" {
			t.Fatalf("step %s at %s failed: %s", r.Kind, r.At, r.Error)
		}
	}
}

func server(t testing.TB, w *state.World, id int64) ServerView {
	t.Helper()
	return do(t, w, func(tx *state.Tx) (ServerView, error) { return GetServer(tx, admin, id) })
}

func task(t testing.TB, w *state.World, id int64) TaskView {
	t.Helper()
	return do(t, w, func(tx *state.Tx) (TaskView, error) { return GetTask(tx, admin, id) })
}

func codeOf(err error) int {
	if ae, ok := err.(*apiError); ok {
		return ae.Code
	}
	return -1
}

func TestDefaultSeed(t *testing.T) {
	w := newWorld(t, nil)
	list := do(t, w, func(tx *state.Tx) (ListView[ServerView], error) { return ListServers(tx, admin, ListQuery{}) })
	if list.Size != 46 {
		t.Fatalf("default scenario has %d servers, want 46", list.Size)
	}
	cfgs := do(t, w, func(tx *state.Tx) (ListView[ConfigurationView], error) { return ListConfigurations(tx), nil })
	found := false
	for _, c := range cfgs.List {
		found = found || c.Configuration == "i9-9900K-64Gb-2x1024NVMe"
	}
	if cfgs.Size != 5 || !found {
		t.Fatalf("configurations %+v", cfgs)
	}
	mine := do(t, w, func(tx *state.Tx) (ListView[ServerView], error) { return ListServers(tx, client, ListQuery{}) })
	if mine.Size != 3 {
		t.Fatalf("client sees %d servers, want its 3", mine.Size)
	}
	for _, s := range list.List {
		rack := s.Rack.Name
		if s.SwitchConnection[0].SwitchName != "sw-"+rack || s.PDUConnection.PDUName != "pdu-"+rack {
			t.Fatalf("server %d in rack %s wired to %s / %s", s.ID, rack, s.SwitchConnection[0].SwitchName, s.PDUConnection.PDUName)
		}
		if s.Unit < 1 || s.Unit+s.Platform.Size-1 > s.Rack.Size {
			t.Fatalf("server %d at unit %d does not fit rack %d", s.ID, s.Unit, s.Rack.Size)
		}
	}
}

func TestSeedIsDeterministic(t *testing.T) {
	a, b := newWorld(t, nil), newWorld(t, nil)
	sa, _ := a.Snapshot()
	sb, _ := b.Snapshot()
	if string(sa.Panels[Name]) != string(sb.Panels[Name]) {
		t.Fatal("two worlds from one scenario differ")
	}
}

func TestOSInstallLifecycle(t *testing.T) {
	w := newWorld(t, nil)
	tpl := int64(2)
	ref := do(t, w, func(tx *state.Tx) (TaskRef, error) {
		return InstallOS(tx, client, 1, OSRequest{OSTemplateID: &tpl, HDDRaid: ptr("raid_1"), SSHPubKeys: []string{"ssh-ed25519 AAAA"}})
	})
	if ref.ID != 1 {
		t.Fatalf("answer %+v", ref)
	}
	s := server(t, w, 1)
	if s.Operation.Status != taskRunning || s.Operation.ProgressInfo[0].Status != taskRunning {
		t.Fatalf("operation just started: %+v", s.Operation)
	}
	advance(t, w, 4*time.Minute)
	if step := server(t, w, 1).Operation.StatusInfo["step"]; step != "partitioning" {
		t.Fatalf("at 4m the step is %v, want partitioning", step)
	}
	// A second operation while one runs is refused.
	err := doErr(t, w, nil, func(tx *state.Tx) error {
		_, err := InstallOS(tx, client, 1, OSRequest{OSTemplateID: &tpl})
		return err
	})
	if codeOf(err) != codeBusy {
		t.Fatalf("second operation: %v, want busy", err)
	}
	advance(t, w, 11*time.Minute-time.Second)
	if tk := task(t, w, ref.Task); tk.Status != taskRunning {
		t.Fatalf("at 14m59s the task is %s", tk.Status)
	}
	advance(t, w, time.Second)
	s = server(t, w, 1)
	if s.Operation.Status != taskComplete || s.OSTemplate == nil || s.OSTemplate.ID != 2 {
		t.Fatalf("after 15m: operation %+v os %+v", s.Operation, s.OSTemplate)
	}
	if tk := task(t, w, ref.Task); tk.Progress != 100 || tk.FinishedAt == nil {
		t.Fatalf("task %+v", tk)
	}
}

func ptr[T any](v T) *T { return &v }

func TestOSInstallFailsAtNamedStep(t *testing.T) {
	w := newWorld(t, nil)
	scope := &state.Scope{FailTask: &state.FailTaskSpec{Step: "partitioning", Code: "5001", Msg: "disk error"}}
	var ref TaskRef
	err := doErr(t, w, scope, func(tx *state.Tx) error {
		var err error
		ref, err = InstallOS(tx, admin, 1, OSRequest{OSTemplateID: ptr(int64(3))})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	advance(t, w, 15*time.Minute)
	tk := task(t, w, ref.Task)
	if tk.Status != taskFail || tk.Error == nil || tk.Error.Step != "partitioning" || tk.Error.Code != 5001 {
		t.Fatalf("task %+v err %+v", tk, tk.Error)
	}
	s := server(t, w, 1)
	if s.Operation.Status != taskFail || s.Operation.StatusInfo["msg"] != "disk error" || s.OSTemplate != nil {
		t.Fatalf("server after failure: %+v os %+v", s.Operation, s.OSTemplate)
	}
	if s.Operation.ProgressInfo[2].Status != taskFail || s.Operation.ProgressInfo[3].Status != taskPending {
		t.Fatalf("progress %+v", s.Operation.ProgressInfo)
	}
}

func TestOSInstallChecks(t *testing.T) {
	w := newWorld(t, nil)
	cases := []struct {
		name   string
		caller Caller
		server int64
		req    OSRequest
		code   int
	}{
		{"unknown template", admin, 1, OSRequest{OSTemplateID: ptr(int64(99))}, codeBadRequest},
		{"diag template", admin, 1, OSRequest{OSTemplateID: ptr(int64(5))}, codeBadRequest},
		{"no template", admin, 1, OSRequest{}, codeBadRequest},
		{"bad raid", admin, 1, OSRequest{OSTemplateID: ptr(int64(1)), HDDRaid: ptr("raid_6")}, codeBadRequest},
		{"raid_10 on two disks", admin, 1, OSRequest{OSTemplateID: ptr(int64(1)), HDDRaid: ptr("raid_10")}, codeBadRequest},
		{"someone else's server", client, 3, OSRequest{OSTemplateID: ptr(int64(1))}, codeNotFound},
		{"unknown server", admin, 999, OSRequest{OSTemplateID: ptr(int64(1))}, codeNotFound},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := doErr(t, w, nil, func(tx *state.Tx) error { _, err := InstallOS(tx, tc.caller, tc.server, tc.req); return err })
			if codeOf(err) != tc.code {
				t.Fatalf("got %v, want code %d", err, tc.code)
			}
		})
	}
	if n := do(t, w, func(tx *state.Tx) (int, error) { return len(st(tx).Tasks), nil }); n != 0 {
		t.Fatalf("refused requests created %d tasks", n)
	}
}

func TestClearHDDTimingsDiffer(t *testing.T) {
	durations := map[string]time.Duration{}
	for _, mode := range []string{"none", "simple", "full"} {
		w := newWorld(t, nil)
		ref := do(t, w, func(tx *state.Tx) (TaskRef, error) { return ClearDisks(tx, 3, ClearRequest{ClearHDD: ptr(mode)}) })
		var took time.Duration
		for task(t, w, ref.Task).Status == taskRunning {
			advance(t, w, time.Minute)
			took += time.Minute
		}
		durations[mode] = took
	}
	if !(durations["none"] < durations["simple"] && durations["simple"] < durations["full"]) {
		t.Fatalf("clear_hdd durations %v: want none < simple < full", durations)
	}
	if durations["full"] != 2*time.Hour {
		t.Fatalf("full clear took %s, want the 2h default", durations["full"])
	}
}

func TestDiagnostics(t *testing.T) {
	w := newWorld(t, nil)
	if !server(t, w, 24).IsNew {
		t.Fatal("server 24 should be new in the default scenario")
	}
	ref := do(t, w, func(tx *state.Tx) (TaskRef, error) {
		return Diagnose(tx, 24, DiagRequest{SetupIPMI: ptr(false), IPMIPool: ptr(int64(0)), OSTemplateID: ptr(int64(0)), ClearHDD: ptr("simple")})
	})
	if steps := task(t, w, ref.Task).ProgressInfo; len(steps) != 5 || steps[3].Name != "clear_disks" {
		t.Fatalf("diag steps %+v", steps)
	}
	advance(t, w, 20*time.Minute)
	if s := server(t, w, 24); s.IsNew || s.Operation.Status != taskComplete {
		t.Fatalf("after diag: is_new %v operation %+v", s.IsNew, s.Operation)
	}
	scope := &state.Scope{FailTask: &state.FailTaskSpec{Step: "hardware_check", Msg: "memory errors"}}
	var failing TaskRef
	if err := doErr(t, w, scope, func(tx *state.Tx) error {
		var err error
		failing, err = Diagnose(tx, 25, DiagRequest{})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	advance(t, w, 10*time.Minute)
	s := server(t, w, 25)
	if len(s.DiagError) != 1 || s.DiagError[0].Type != "hardware_check" || !s.IsNew {
		t.Fatalf("failed diag: %+v is_new %v (task %d)", s.DiagError, s.IsNew, failing.Task)
	}
}

func TestSuspendResume(t *testing.T) {
	w := newWorld(t, nil)
	ref := do(t, w, func(tx *state.Tx) (TaskRef, error) { return Suspend(tx, 1) })
	if s := server(t, w, 1); s.State != stateSuspending {
		t.Fatalf("state %s, want suspending", s.State)
	}
	if err := doErr(t, w, nil, func(tx *state.Tx) error { _, err := Power(tx, admin, 1, "power_off"); return err }); codeOf(err) != codeBusy {
		t.Fatalf("power while suspending: %v", err)
	}
	advance(t, w, 5*time.Second)
	s := server(t, w, 1)
	if s.State != stateSuspended || s.SwitchConnection[0].AdminStatus != "down" || s.SwitchConnection[1].AdminStatus != "up" {
		t.Fatalf("after suspend: %s ports %+v", s.State, s.SwitchConnection)
	}
	if task(t, w, ref.Task).Status != taskComplete {
		t.Fatal("suspend task not complete")
	}
	// Suspending a suspended server is a task with nothing to do: complete
	// once the queue runs it (at once by default), the state unchanged.
	again := do(t, w, func(tx *state.Tx) (TaskRef, error) { return Suspend(tx, 1) })
	advance(t, w, 0)
	if tk := task(t, w, again.Task); tk.Status != taskComplete || tk.Progress != 100 || server(t, w, 1).State != stateSuspended {
		t.Fatalf("suspend twice: task %+v, state %s", tk, server(t, w, 1).State)
	}
	if err := doErr(t, w, nil, func(tx *state.Tx) error {
		_, err := ClearDisks(tx, 1, ClearRequest{ClearHDD: ptr("simple")})
		return err
	}); codeOf(err) != codeWrongState {
		t.Fatalf("clear disks of a suspended server: %v", err)
	}
	do(t, w, func(tx *state.Tx) (TaskRef, error) { return Resume(tx, 1) })
	if server(t, w, 1).State != stateResuming {
		t.Fatal("not resuming")
	}
	advance(t, w, 5*time.Second)
	if s := server(t, w, 1); s.State != stateOK || s.SwitchConnection[0].OperStatus != "up" {
		t.Fatalf("after resume: %s %+v", s.State, s.SwitchConnection[0])
	}
	again = do(t, w, func(tx *state.Tx) (TaskRef, error) { return Resume(tx, 1) })
	advance(t, w, 0)
	if tk := task(t, w, again.Task); tk.Status != taskComplete || server(t, w, 1).State != stateOK {
		t.Fatalf("resume a running server: task %+v, state %s", tk, server(t, w, 1).State)
	}
	scope := &state.Scope{FailTask: &state.FailTaskSpec{Msg: "switch unreachable"}}
	if err := doErr(t, w, scope, func(tx *state.Tx) error { _, err := Suspend(tx, 2); return err }); err != nil {
		t.Fatal(err)
	}
	advance(t, w, 5*time.Second)
	if s := server(t, w, 2); s.State != stateSuspendError || s.StateInfo != "switch unreachable" {
		t.Fatalf("failed suspend: %s %q", s.State, s.StateInfo)
	}
}

func TestPower(t *testing.T) {
	w := newWorld(t, nil)
	do(t, w, func(tx *state.Tx) (TaskRef, error) { return Power(tx, client, 1, "power_off") })
	if s := server(t, w, 1); s.IPMI.Status != "in_progress" || s.PowerStatus != "on" {
		t.Fatalf("during power_off: ipmi %s power %s", s.IPMI.Status, s.PowerStatus)
	}
	advance(t, w, 9*time.Second)
	if server(t, w, 1).PowerStatus != "on" {
		t.Fatal("power changed before the task ended")
	}
	advance(t, w, time.Second)
	s := server(t, w, 1)
	if s.PowerStatus != "off" || s.IPMI.Status != "off" || s.PDUConnection.PowerStatus != "down" {
		t.Fatalf("after power_off: %s ipmi %s pdu %s", s.PowerStatus, s.IPMI.Status, s.PDUConnection.PowerStatus)
	}
	do(t, w, func(tx *state.Tx) (TaskRef, error) { return Power(tx, client, 1, "power_on") })
	advance(t, w, 10*time.Second)
	if s := server(t, w, 1); s.PowerStatus != "on" || s.PDUConnection.PowerStatus != "up" {
		t.Fatalf("after power_on: %+v", s.PDUConnection)
	}
	if err := doErr(t, w, nil, func(tx *state.Tx) error { _, err := Power(tx, client, 5, "power_on"); return err }); codeOf(err) != codeNotFound {
		t.Fatalf("client powering another's server: %v", err)
	}
}

func TestIPLifecycle(t *testing.T) {
	w := newWorld(t, nil)
	nets := func() ListView[IPNetView] {
		return do(t, w, func(tx *state.Tx) (ListView[IPNetView], error) { return ListNets(tx, ListQuery{Where: "id EQ 1"}) })
	}
	before := nets().List[0].UsingIP
	ref := do(t, w, func(tx *state.Tx) (TaskRef, error) {
		return AddIP(tx, 3, AddIPRequest{IPName: ptr("203.0.113.50"), Domain: ptr("s3.example.com"), SetAsMainIPv4: ptr(true)})
	})
	s := server(t, w, 3)
	if len(s.IP) != 1 || s.IP[0].Status != ipAllocating || s.MainIPv4 == nil || *s.MainIPv4 != s.IP[0].ID || s.Domain != "s3.example.com" {
		t.Fatalf("after add: %+v main %v", s.IP, s.MainIPv4)
	}
	if nets().List[0].UsingIP == before {
		t.Fatal("using_ip did not follow the allocation")
	}
	advance(t, w, 3*time.Second)
	if s := server(t, w, 3); s.IP[0].Status != ipOK {
		t.Fatalf("ip status %s", s.IP[0].Status)
	}
	if task(t, w, ref.Task).Status != taskComplete {
		t.Fatal("ip task not complete")
	}
	errCases := []struct {
		name string
		req  AddIPRequest
		code int
	}{
		{"taken", AddIPRequest{IPName: ptr("203.0.113.50")}, codeIPTaken},
		{"gateway", AddIPRequest{IPName: ptr("203.0.113.1")}, codeBadRequest},
		{"outside", AddIPRequest{IPName: ptr("192.0.2.7")}, codeBadRequest},
		{"family mismatch", AddIPRequest{IPName: ptr("203.0.113.51"), Family: ptr("ipv6")}, codeWrongFamily},
		{"ipv6 net for ipv4", AddIPRequest{IPNet: ptr(int64(2)), Family: ptr("ipv4")}, codeWrongFamily},
		{"bad family", AddIPRequest{Family: ptr("ipx")}, codeBadRequest},
		{"unknown pool", AddIPRequest{IPPool: ptr(int64(9))}, codeBadRequest},
		{"main ipv6", AddIPRequest{Family: ptr("ipv6"), SetAsMainIPv4: ptr(true)}, codeWrongFamily},
		{"mapped ipv4 as ipv6", AddIPRequest{IPName: ptr("::ffff:203.0.113.51"), Family: ptr("ipv6")}, codeWrongFamily},
		{"zoned address", AddIPRequest{IPName: ptr("2001:db8:100::9%eth0")}, codeBadRequest},
	}
	for _, tc := range errCases {
		err := doErr(t, w, nil, func(tx *state.Tx) error { _, err := AddIP(tx, 4, tc.req); return err })
		if codeOf(err) != tc.code {
			t.Errorf("%s: %v, want %d", tc.name, err, tc.code)
		}
	}
	mapped := do(t, w, func(tx *state.Tx) (TaskRef, error) {
		return AddIP(tx, 4, AddIPRequest{IPName: ptr("::ffff:203.0.113.51")})
	})
	if ips := server(t, w, mapped.ID).IP; len(ips) != 1 || ips[0].Name != "203.0.113.51" || ips[0].Family != "ipv4" {
		t.Fatalf("an IPv4-mapped address is its IPv4 address: %+v", ips)
	}
	ipID := server(t, w, 3).IP[0].ID
	do(t, w, func(tx *state.Tx) (TaskRef, error) { return RemoveIP(tx, 3, ipID) })
	if s := server(t, w, 3); s.IP[0].Status != ipDeleting {
		t.Fatalf("removal status %s", s.IP[0].Status)
	}
	advance(t, w, 3*time.Second)
	if s := server(t, w, 3); len(s.IP) != 0 || s.MainIPv4 != nil {
		t.Fatalf("after removal: %+v main %v", s.IP, s.MainIPv4)
	}
}

// TestIPAllocationFails follows a failed allocation: the address shows
// allocation_fail with the reason, is not the server's main address, and
// can be removed.
func TestIPAllocationFails(t *testing.T) {
	w := newWorld(t, nil)
	scope := &state.Scope{FailTask: &state.FailTaskSpec{Msg: "IPmanager unreachable"}}
	var ref TaskRef
	if err := doErr(t, w, scope, func(tx *state.Tx) error {
		var err error
		ref, err = AddIP(tx, 3, AddIPRequest{IPName: ptr("203.0.113.60")})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if s := server(t, w, 3); s.MainIPv4 == nil || *s.MainIPv4 != s.IP[0].ID {
		t.Fatalf("while allocating, the first IPv4 is the main one: %+v main %v", s.IP, s.MainIPv4)
	}
	advance(t, w, 3*time.Second)
	s := server(t, w, 3)
	if len(s.IP) != 1 || s.IP[0].Status != ipAllocationFail || s.IP[0].StatusInfo["msg"] != "IPmanager unreachable" {
		t.Fatalf("after a failed allocation: %+v", s.IP)
	}
	if s.MainIPv4 != nil {
		t.Fatalf("a failed address stays main_ipv4 %d", *s.MainIPv4)
	}
	if tk := task(t, w, ref.Task); tk.Status != taskFail || tk.Error == nil || tk.Error.Step != "allocate" {
		t.Fatalf("task %+v", tk)
	}
	do(t, w, func(tx *state.Tx) (TaskRef, error) { return RemoveIP(tx, 3, s.IP[0].ID) })
	advance(t, w, 3*time.Second)
	if s := server(t, w, 3); len(s.IP) != 0 {
		t.Fatalf("failed address not removed: %+v", s.IP)
	}
}

func TestPoolExhaustion(t *testing.T) {
	w := newWorld(t, []byte(`
dci6:
  locations: [{name: L}]
  racks: [{name: R, location: L}]
  configurations: [{name: C, platform: P, disks: [d]}]
  pools: [{name: Tiny}]
  networks: [{network: 192.0.2.0/30, pool: Tiny}]
  generate: [{count: 2, configuration: C}]
`))
	do(t, w, func(tx *state.Tx) (TaskRef, error) { return AddIP(tx, 1, AddIPRequest{IPPool: ptr(int64(1))}) })
	err := doErr(t, w, nil, func(tx *state.Tx) error { _, err := AddIP(tx, 2, AddIPRequest{IPPool: ptr(int64(1))}); return err })
	if codeOf(err) != codePoolExhausted {
		t.Fatalf("second address from a /30 with one usable: %v", err)
	}
	pools := do(t, w, func(tx *state.Tx) (ListView[PoolView], error) { return ListPools(tx, ListQuery{}) })
	if p := pools.List[0]; p.UsingIPv4 != "1" || p.TotalIPv4 != "1" {
		t.Fatalf("pool counts %+v", p)
	}
}

func TestOwnerAndFreeCount(t *testing.T) {
	w := newWorld(t, nil)
	free := func() int {
		l := do(t, w, func(tx *state.Tx) (ListView[ConfigurationView], error) { return ListConfigurations(tx), nil })
		for _, c := range l.List {
			if c.Configuration == "i9-9900K-64Gb-2x1024NVMe" {
				return c.FreeServerCount
			}
		}
		return -1
	}
	if free() != 12 {
		t.Fatalf("free i9 servers %d, want 12", free())
	}
	do(t, w, func(tx *state.Tx) (IDView, error) { return SetOwner(tx, 3, 2) })
	if free() != 11 || server(t, w, 3).OwnerEmail == nil {
		t.Fatal("owner did not take the server")
	}
	do(t, w, func(tx *state.Tx) (IDView, error) { return ReleaseOwner(tx, 3) })
	if free() != 12 {
		t.Fatal("release did not free the server")
	}
	if err := doErr(t, w, nil, func(tx *state.Tx) error { _, err := SetOwner(tx, 3, 77); return err }); codeOf(err) != codeNotFound {
		t.Fatalf("unknown owner: %v", err)
	}
}

func TestTokenIdleExpiry(t *testing.T) {
	w := newWorld(t, nil)
	tok := do(t, w, func(tx *state.Tx) (TokenView, error) { return Login(tx, "client@example.com", "secret") })
	auth := func() error {
		return doErr(t, w, nil, func(tx *state.Tx) error { _, err := Authenticate(tx, tok.Token); return err })
	}
	advance(t, w, 59*time.Minute)
	if err := auth(); err != nil {
		t.Fatalf("after 59 idle minutes: %v", err)
	}
	advance(t, w, 59*time.Minute)
	if err := auth(); err != nil {
		t.Fatalf("use renews the token; 59 more minutes: %v", err)
	}
	advance(t, w, 61*time.Minute)
	if err := auth(); codeOf(err) != codeUnauthorized {
		t.Fatalf("after 61 idle minutes: %v", err)
	}
}

func TestLoginErrorsLeakNothing(t *testing.T) {
	w := newWorld(t, nil)
	e1 := doErr(t, w, nil, func(tx *state.Tx) error { _, err := Login(tx, "nobody@example.com", "secret"); return err })
	e2 := doErr(t, w, nil, func(tx *state.Tx) error { _, err := Login(tx, "admin@example.com", "wrong"); return err })
	if e1 == nil || e1.Error() != e2.Error() {
		t.Fatalf("unknown email %v vs wrong password %v", e1, e2)
	}
}

func TestKeyIsSingleUseAndExpires(t *testing.T) {
	w := newWorld(t, nil)
	k := do(t, w, func(tx *state.Tx) (KeyView, error) { return CreateKey(tx, admin, "client@example.com") })
	tok := do(t, w, func(tx *state.Tx) (TokenView, error) { return LoginByKey(tx, k.Key) })
	if tok.ID != "2" {
		t.Fatalf("key token for user %s, want 2", tok.ID)
	}
	if err := doErr(t, w, nil, func(tx *state.Tx) error { _, err := LoginByKey(tx, k.Key); return err }); codeOf(err) != codeBadKey {
		t.Fatalf("second use: %v", err)
	}
	k2 := do(t, w, func(tx *state.Tx) (KeyView, error) { return CreateKey(tx, admin, "2") })
	advance(t, w, time.Hour)
	if err := doErr(t, w, nil, func(tx *state.Tx) error { _, err := LoginByKey(tx, k2.Key); return err }); codeOf(err) != codeBadKey {
		t.Fatalf("key after an hour: %v", err)
	}
}

func TestFixedExpiryToken(t *testing.T) {
	w := newWorld(t, nil)
	tok := do(t, w, func(tx *state.Tx) (TokenView, error) {
		return IssueToken(tx, admin, "2025-01-01 03:00:00", "integration")
	})
	advance(t, w, 2*time.Hour+59*time.Minute)
	if err := doErr(t, w, nil, func(tx *state.Tx) error { _, err := Authenticate(tx, tok.Token); return err }); err != nil {
		t.Fatalf("before expires_at (idle 2h59m): %v", err)
	}
	advance(t, w, time.Minute)
	if err := doErr(t, w, nil, func(tx *state.Tx) error { _, err := Authenticate(tx, tok.Token); return err }); codeOf(err) != codeUnauthorized {
		t.Fatalf("at expires_at: %v", err)
	}
	if err := doErr(t, w, nil, func(tx *state.Tx) error { _, err := IssueToken(tx, admin, "2020-01-01 00:00:00", ""); return err }); codeOf(err) != codeBadRequest {
		t.Fatalf("past expires_at: %v", err)
	}
}

func TestCreateUser(t *testing.T) {
	w := newWorld(t, nil)
	id := do(t, w, func(tx *state.Tx) (IDView, error) {
		return CreateUser(tx, CreateUserRequest{Email: ptr("new@example.com"), Password: ptr("p"), Role: ptr("@user")})
	})
	if id.ID != 3 {
		t.Fatalf("new user id %d", id.ID)
	}
	for name, req := range map[string]CreateUserRequest{
		"duplicate": {Email: ptr("NEW@example.com"), Password: ptr("p")},
		"bad role":  {Email: ptr("x@example.com"), Password: ptr("p"), Role: ptr("level")},
		"no email":  {Password: ptr("p")},
	} {
		err := doErr(t, w, nil, func(tx *state.Tx) error { _, err := CreateUser(tx, req); return err })
		want := codeBadRequest
		if name == "duplicate" {
			want = codeDuplicate
		}
		if codeOf(err) != want {
			t.Errorf("%s: %v", name, err)
		}
	}
	users := do(t, w, func(tx *state.Tx) (ListView[UserView], error) {
		return ListUsers(tx, ListQuery{Where: "server_count GT 0"})
	})
	if users.Size != 1 || users.List[0].Email != "client@example.com" || users.List[0].ServerCount != 3 {
		t.Fatalf("users with servers: %+v", users)
	}
}

func TestSnapshotRestoreKeepsTasksRunning(t *testing.T) {
	w := newWorld(t, nil)
	ref := do(t, w, func(tx *state.Tx) (TaskRef, error) { return Power(tx, admin, 3, "power_off") })
	fork, err := w.Fork("fork")
	if err != nil {
		t.Fatal(err)
	}
	advance(t, fork, 10*time.Second)
	if task(t, fork, ref.Task).Status != taskComplete || task(t, w, ref.Task).Status != taskRunning {
		t.Fatal("the fork's task should finish independently of the parent's")
	}
}

func TestTaskAndIPVisibility(t *testing.T) {
	w := newWorld(t, nil)
	do(t, w, func(tx *state.Tx) (TaskRef, error) { return Power(tx, admin, 3, "power_off") })
	mine := do(t, w, func(tx *state.Tx) (TaskRef, error) { return Power(tx, client, 1, "power_off") })
	userTasks := do(t, w, func(tx *state.Tx) (ListView[TaskView], error) { return ListTasks(tx, client, ListQuery{}) })
	if userTasks.Size != 1 || userTasks.List[0].ID != mine.Task {
		t.Fatalf("user sees tasks %+v", userTasks.List)
	}
	all := do(t, w, func(tx *state.Tx) (ListView[TaskView], error) {
		return ListTasks(tx, admin, ListQuery{Where: "status EQ 'running' AND name EQ 'power_off'", OrderBy: "id desc"})
	})
	if all.Size != 2 || all.List[0].ID != mine.Task {
		t.Fatalf("admin running tasks %+v", all.List)
	}
	if err := doErr(t, w, nil, func(tx *state.Tx) error { _, err := GetTask(tx, client, 1); return err }); codeOf(err) != codeNotFound {
		t.Fatalf("user reading another's task: %v", err)
	}
	ips := do(t, w, func(tx *state.Tx) (ListView[IPView], error) { return ListIPs(tx, client, 0, ListQuery{}) })
	if ips.Size != 3 {
		t.Fatalf("user sees %d addresses, want the 3 of its servers", ips.Size)
	}
	for _, ip := range ips.List {
		if *ip.Server != "server1" && *ip.Server != "server2" && *ip.Server != "server27" {
			t.Fatalf("user sees an address of %s", *ip.Server)
		}
	}
}

func TestTokenTTLBounds(t *testing.T) {
	w := newWorld(t, nil)
	for _, v := range []string{"0", "-5", "x", "99999999999", "5256001"} {
		err := doErr(t, w, nil, func(tx *state.Tx) error { _, err := SetTokenTTL(tx, admin, v); return err })
		if codeOf(err) != codeBadRequest {
			t.Errorf("token_ttl %q: %v", v, err)
		}
	}
	if err := doErr(t, w, nil, func(tx *state.Tx) error { _, err := SetTokenTTL(tx, client, "5"); return err }); codeOf(err) != codeAccessDenied {
		t.Errorf("user setting token_ttl: %v", err)
	}
	v := do(t, w, func(tx *state.Tx) (SettingView, error) { return SetTokenTTL(tx, admin, " 5256000 ") })
	if v.Value != "5256000" {
		t.Fatalf("answer %+v", v)
	}
}

func TestTaskQueueDelayShowsPending(t *testing.T) {
	y := "timings:\n  dci6.task_queue: 2s\n" + string(scenarios.DefaultYAML())
	w := newWorld(t, []byte(y))
	ref := do(t, w, func(tx *state.Tx) (TaskRef, error) { return Power(tx, admin, 3, "power_off") })
	if tk := task(t, w, ref.Task); tk.Status != taskPending || tk.ProgressInfo[0].Status != taskPending {
		t.Fatalf("queued task %+v", tk)
	}
	advance(t, w, 2*time.Second)
	if tk := task(t, w, ref.Task); tk.Status != taskRunning {
		t.Fatalf("after the queue delay %s", tk.Status)
	}
	advance(t, w, 10*time.Second)
	if tk := task(t, w, ref.Task); tk.Status != taskComplete {
		t.Fatalf("after 12s %s", tk.Status)
	}
}

// TestDiskNamesPastTheTable: drives are disk0, disk1... however many a
// configuration has, within the prebuilt names and past them.
func TestDiskNamesPastTheTable(t *testing.T) {
	for i := range 40 {
		if got, want := diskName(i), "disk"+strconv.Itoa(i); got != want {
			t.Errorf("diskName(%d) = %q, want %q", i, got, want)
		}
	}
}

// TestListedServersAreTheirGETViews: a listed server is the very view GET
// answers (the list builds its views from an index of every server's
// addresses, GET from the server's own).
func TestListedServersAreTheirGETViews(t *testing.T) {
	w := newWorld(t, nil)
	l := do(t, w, func(tx *state.Tx) (ListView[ServerView], error) { return ListServers(tx, admin, ListQuery{}) })
	if len(l.List) < 2 {
		t.Fatalf("%d servers listed", len(l.List))
	}
	for _, v := range l.List {
		if got := server(t, w, v.ID); !reflect.DeepEqual(got, v) {
			t.Fatalf("server %d listed as\n%+v\nGET answers\n%+v", v.ID, v, got)
		}
	}
}
