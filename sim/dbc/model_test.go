package dbc

import (
	"encoding/json"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/panelsim/panelsim/scenarios"
	"github.com/panelsim/panelsim/state"
)

// newWorld builds a world with this panel only, seeded from yaml.
func newWorld(t testing.TB, yaml string) *state.World {
	t.Helper()
	p := New()
	sc, err := scenarios.Parse("test.yaml", []byte(yaml), scenarios.Known{Panels: []string{Name}, Timings: p.Timings()})
	if err != nil {
		t.Fatal(err)
	}
	w, err := state.NewWorld(state.Config{
		Name: "t", Seed: sc.Seed, Start: sc.Start, Timings: sc.Timings, Steps: p.Steps(),
		States: map[string]func() any{Name: p.NewState},
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Do(func(tx *state.Tx) error { return p.Seed(tx, sc) }); err != nil {
		t.Fatal(err)
	}
	return w
}

const trustWorld = `
seed: 3
dbc:
  signatures: trust
  image_servers: [{id: ID_1, images: [{name: ubuntu.qcow2}]}]
  nodes:
    - {id: 58fb618aa482c41114eb3cfdaefd3ba183172da9e25251449d045043fbd37f45, renter: //Alice, gpu: {count: 2}}
`

func trustRequest(t testing.TB, additional string) *Request {
	t.Helper()
	body := `{"peer_nodes_list":["58fb618aa482c41114eb3cfdaefd3ba183172da9e25251449d045043fbd37f45"],` +
		`"additional":` + additional + `,"wallet":"5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY","nonce":"n","sign":"s"}`
	r, err := ParseRequest([]byte(body), prefixNone)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestModelCreateRunsOnTheClock(t *testing.T) {
	w := newWorld(t, trustWorld)
	req := trustRequest(t, `{"image_name":"ubuntu.qcow2","ssh_port":"22","vnc_port":"5900","gpu_count":"2","cpu_cores":"2","mem_size":"2","disk_size":"10"}`)
	var id string
	err := w.Do(func(tx *state.Tx) error {
		res, e := stateOf(tx).CreateTask(tx, req)
		if e != nil {
			return e
		}
		id = res.TaskID
		// The node's only two GPUs are now held.
		_, e = stateOf(tx).CreateTask(tx, trustRequest(t, `{"image_name":"ubuntu.qcow2","ssh_port":"23","vnc_port":"5901","gpu_count":"1","cpu_cores":"2","mem_size":"2","disk_size":"10"}`))
		if e == nil || e.Msg != "allocate gpu failed" {
			t.Errorf("second create: %v", e)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	ran, _ := w.Advance(3 * time.Minute)
	if len(ran) != 1 || ran[0].Kind != stepTask || ran[0].Error != "" {
		t.Fatalf("ran %+v", ran)
	}
	_ = w.Do(func(tx *state.Tx) error {
		task := stateOf(tx).Nodes["58fb618aa482c41114eb3cfdaefd3ba183172da9e25251449d045043fbd37f45"].Tasks[id]
		if task.Status != StatusRunning || len(task.Logs) == 0 {
			t.Errorf("task %+v", task)
		}
		return nil
	})
}

func TestModelStateSurvivesSnapshot(t *testing.T) {
	w := newWorld(t, trustWorld)
	req := trustRequest(t, `{"image_name":"ubuntu.qcow2","ssh_port":"22","vnc_port":"5900","gpu_count":"1","cpu_cores":"2","mem_size":"2","disk_size":"10"}`)
	if err := w.Do(func(tx *state.Tx) error { _, e := stateOf(tx).CreateTask(tx, req); return errOrNil(e) }); err != nil {
		t.Fatal(err)
	}
	fork, err := w.Fork("copy")
	if err != nil {
		t.Fatal(err)
	}
	fork.Advance(3 * time.Minute)
	_ = fork.Do(func(tx *state.Tx) error {
		tasks := stateOf(tx).Nodes["58fb618aa482c41114eb3cfdaefd3ba183172da9e25251449d045043fbd37f45"].Tasks
		if len(tasks) != 1 {
			t.Errorf("fork has %d tasks, want the one created before the fork", len(tasks))
		}
		for _, task := range tasks {
			if task.Status != StatusRunning {
				t.Errorf("forked task %s", task.Status)
			}
		}
		return nil
	})
}

func errOrNil(e *Error) error {
	if e == nil {
		return nil
	}
	return e
}

func TestSeedErrors(t *testing.T) {
	cases := []struct{ yaml, key string }{
		{"dbc:\n  signatures: maybe\n", "dbc.signatures"},
		{"dbc:\n  nodes:\n    - {id: abc}\n", "dbc.nodes[0].id"},
		{"dbc:\n  nodes:\n    - {id: " + strings.Repeat("a", 64) + ", renter: nobody}\n", "dbc.nodes[0].renter"},
		{"dbc:\n  nodes:\n    - {id: " + strings.Repeat("a", 64) + ", status: online, renter: //Alice}\n", "dbc.nodes[0].renter"},
		{"dbc:\n  nodes:\n    - {id: " + strings.Repeat("a", 64) + ", status: gone}\n", "dbc.nodes[0].status"},
		{"dbc:\n  nodes:\n    - {id: " + strings.Repeat("a", 64) + ", renter_multisig: {wallets: [//Alice], threshold: 2}}\n", "dbc.nodes[0].renter_multisig.threshold"},
		{"dbc:\n  image_servers:\n    - {id: ID_1, images: [{name: a, size: big}]}\n", "dbc.image_servers[0].images[0].size"},
		{"dbc:\n  bare_metal:\n    - {id: " + strings.Repeat("b", 64) + ", machines: [{node_id: x}]}\n", "dbc.bare_metal[0].machines[0].node_id"},
		{"dbc:\n  unknown: 1\n", "dbc.unknown"},
	}
	p := New()
	for _, tc := range cases {
		sc, err := scenarios.Parse("s.yaml", []byte(tc.yaml), scenarios.Known{Panels: []string{Name}, Timings: p.Timings()})
		if err == nil {
			_, err = seedState(sc)
		}
		if err == nil || !strings.Contains(err.Error(), tc.key) {
			t.Errorf("%q: error %v, want one naming %s", tc.yaml, err, tc.key)
		}
	}
}

func TestDefaultScenarioSeeds(t *testing.T) {
	p := New()
	sc, err := scenarios.Parse("default.yaml", scenarios.DefaultYAML(), scenarios.Known{
		Panels: []string{"dci6", "imserver", Name, "ispmgr"}, Timings: p.Timings()})
	if err != nil {
		t.Fatalf("default scenario: %v", err)
	}
	st, err := seedState(sc)
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"58fb618aa482c41114eb3cfdaefd3ba183172da9e25251449d045043fbd37f45",
		"80720ffadecb07087b3a5b6f88b91b58f7c738b15405c93914ee04f607a14965",
		"441f631da912b2186a3ef0452430f139cf01641bf4e2dce07e06103d8d70e533"} {
		if n := st.Nodes[id]; n == nil || n.Renter != DevWallets["//Alice"] {
			t.Errorf("node %s: %+v", id, n)
		}
	}
}

func TestParseRequestTable(t *testing.T) {
	cases := []struct{ body, msg string }{
		{``, "http request body is empty"},
		{`{"peer_nodes_list":[1],"additional":{}}`, ""},
		{`{"peer_nodes_list":["a"],"additional":{},"multisig_accounts":{}}`, "multisig_accounts has no member wallets"},
		{`{"peer_nodes_list":["a"],"additional":{},"multisig_accounts":{"wallets":1}}`, "multisig_accounts member wallets is not array"},
		{`{"peer_nodes_list":["a"],"additional":{},"multisig_accounts":{"wallets":[]}}`, "multisig_accounts has no member threshold"},
		{`{"peer_nodes_list":["a"],"additional":{},"multisig_accounts":{"wallets":[],"threshold":"1"}}`, "multisig_accounts has no member signs"},
		{`{"peer_nodes_list":["a"],"additional":{},"multisig_accounts":{"wallets":[],"threshold":"1","signs":{}}}`, "multisig_accounts member signs is not array"},
		{`{"peer_nodes_list":["a"],"additional":{},"rent_order":5}`, "rent_order is not string"},
		{`{"peer_nodes_list":["a"],"additional":{},"session_id_sign":null}`, "session_id_sign is not string"},
		{`{"peer_nodes_list":["a"],"additional":{}} x`, "json parse error: The document root must not be followed by other values.(42)"},
		{`{"peer_nodes_list":["a"] "additional":{}}`, "json parse error: Missing a comma or '}' after an object member.(25)"},
		{`{"peer_nodes_list":["a"`, "json parse error: Missing a comma or ']' after an array element.(23)"},
		{`{"peer_nodes_list":"a`, "json parse error: Missing a closing quotation mark in string.(21)"},
		{`null`, "invalid json"},
	}
	for _, tc := range cases {
		_, err := ParseRequest([]byte(tc.body), prefixNone)
		got := ""
		if err != nil {
			got = err.Msg
		}
		if got != tc.msg {
			t.Errorf("%q: %q, want %q", tc.body, got, tc.msg)
		}
	}
}

func TestPrecheck(t *testing.T) {
	cases := []struct {
		body string
		kind precheckKind
		ok   bool
	}{
		{`{"peer_nodes_list":[],"additional":{},"session_id":"s","session_id_sign":"x"}`, precheckWallet, true},
		{`{"peer_nodes_list":[],"additional":{},"session_id":"s"}`, precheckSession, false},
		{`{"peer_nodes_list":[],"additional":{},"wallet":"w","nonce":"n","sign":"s"}`, precheckWallet, true},
		{`{"peer_nodes_list":[],"additional":{},"multisig_accounts":{"wallets":["a","b"],"threshold":"1","signs":[{"wallet":"a","nonce":"n","sign":"s"}]}}`, precheckWallet, true},
		{`{"peer_nodes_list":[],"additional":{},"multisig_accounts":{"wallets":["a","b"],"threshold":"1","signs":[{"wallet":"c","nonce":"n","sign":"s"}]}}`, precheckWallet, false},
		// The client reads the threshold with atoi ("x" is 0) and compares
		// it with the list sizes as an unsigned number (-1 is huge).
		{`{"peer_nodes_list":[],"additional":{},"multisig_accounts":{"wallets":["a","b"],"threshold":"x","signs":[{"wallet":"a","nonce":"n","sign":"s"}]}}`, precheckWallet, true},
		{`{"peer_nodes_list":[],"additional":{},"multisig_accounts":{"wallets":["a","b"],"threshold":"1 of 2","signs":[{"wallet":"a","nonce":"n","sign":"s"}]}}`, precheckWallet, true},
		{`{"peer_nodes_list":[],"additional":{},"multisig_accounts":{"wallets":["a","b"],"threshold":"-1","signs":[{"wallet":"a","nonce":"n","sign":"s"}]}}`, precheckWallet, false},
		{`{"peer_nodes_list":[],"additional":{},"multisig_accounts":{"wallets":["a",""],"threshold":"1","signs":[{"wallet":"","nonce":"n","sign":"s"}]}}`, precheckWallet, false},
		{`{"peer_nodes_list":[],"additional":{},"multisig_accounts":{"wallets":["a"],"threshold":"1","signs":[{"wallet":"a","nonce":"","sign":"s"}]}}`, precheckWallet, false},
		// The client only bounds the threshold from above: "0" passes its
		// precheck and the node refuses it (reference §4.2, §5).
		{`{"peer_nodes_list":[],"additional":{},"multisig_accounts":{"wallets":["a"],"threshold":"0","signs":[]}}`, precheckWallet, true},
		{`{"peer_nodes_list":[],"additional":{},"multisig_accounts":{"wallets":["a"],"threshold":"2","signs":[{"wallet":"a","nonce":"n","sign":"s"}]}}`, precheckWallet, false},
		{`{"peer_nodes_list":[],"additional":{}}`, precheckNone, true},
	}
	for _, tc := range cases {
		r, err := ParseRequest([]byte(tc.body), prefixNone)
		if err != nil {
			t.Fatal(err)
		}
		if got := r.precheck(tc.kind) == nil; got != tc.ok {
			t.Errorf("%s: precheck ok=%v", tc.body, got)
		}
	}
}

func TestSelectLog(t *testing.T) {
	lines := make([]string, 50)
	for i := range lines {
		lines[i] = strings.Repeat(string(rune('a'+i%26)), 49) // 50 bytes with the newline
	}
	cases := []struct {
		q          LogQuery
		n          int
		first, end byte
	}{
		{LogQuery{Head: true, Lines: 3}, 3, 'a', 'c'},
		{LogQuery{Lines: 3}, 3, 'v', 'x'},
		{LogQuery{Head: true, Lines: 100}, 20, 'a', 't'},
		{LogQuery{Lines: 99}, 20, 'e', 'x'},
	}
	for _, tc := range cases {
		got := SelectLog(lines, tc.q)
		if len(got) != tc.n || got[0][0] != tc.first || got[len(got)-1][0] != tc.end {
			t.Errorf("%+v: %d lines %c..%c", tc.q, len(got), got[0][0], got[len(got)-1][0])
		}
	}
	long := SelectLog([]string{strings.Repeat("x", 3000)}, LogQuery{Lines: 1})
	if len(long) != 1 || len(long[0]) != 1023 {
		t.Errorf("a single long line is cut to %d bytes", len(long[0]))
	}
}

func TestParseLogQuery(t *testing.T) {
	cases := []struct {
		flag, n string
		has     bool
		want    LogQuery
		err     string
	}{
		{"", "", false, LogQuery{Lines: 100}, ""},
		{"head", "10", true, LogQuery{Head: true, Lines: 10}, ""},
		{"tail", "101", true, LogQuery{Lines: 99}, ""},
		{"tail", "100", true, LogQuery{Lines: 100}, ""},
		{"tail", "-1", true, LogQuery{}, "invalid line num"},
		{"tail", "x", true, LogQuery{}, "invalid line num"},
		// The client (rest_task_logs): an empty line_num is the default,
		// line_num is read with atoi, and without a flag line_num is not
		// read at all (tail, 100 lines).
		{"tail", "", true, LogQuery{Lines: 100}, ""},
		{"head", "7 lines", true, LogQuery{Head: true, Lines: 7}, ""},
		{"", "5", true, LogQuery{Lines: 100}, ""},
		{"", "0", true, LogQuery{Lines: 100}, ""},
		{"up", "1", true, LogQuery{}, `head_or_tail is invalid"`},
	}
	for _, tc := range cases {
		q, err := ParseLogQuery(tc.flag, tc.n, tc.has)
		if tc.err != "" {
			if err == nil || err.Msg != tc.err || err.Code != CodeInvalidParams || err.Status != 400 {
				t.Errorf("%+v: err %v", tc, err)
			}
			continue
		}
		if err != nil || q != tc.want {
			t.Errorf("%+v: %+v %v", tc, q, err)
		}
	}
}

func TestAtoi(t *testing.T) {
	for in, want := range map[string]int{"": 0, "8": 8, " 8": 8, "8x": 8, "x8": 0, "-1": -1, "+3": 3, "007": 7} {
		if got := atoi(in); got != want {
			t.Errorf("atoi(%q) = %d", in, got)
		}
	}
	if port16("70000") != 4464 || port16("65535") != 65535 || port16("-1") != 65535 {
		t.Errorf("16-bit cast: %d %d %d", port16("70000"), port16("65535"), port16("-1"))
	}
}

func TestCheckMulticast(t *testing.T) {
	cases := map[string]string{
		"230.0.0.1:5558": "",
		"224.0.0.1:1":    "",
		"230.0.0.1":      "multicast format: ip:port",
		"10.0.0.1:5558":  "address is not a multicast address",
		"230.0.0.1:x":    "invalid multicast port",
		"230.0.0.1:1:2":  "multicast format: ip:port",
	}
	for in, want := range cases {
		err := checkMulticast([]string{in})
		got := ""
		if err != nil {
			got = err.Msg
		}
		if got != want {
			t.Errorf("%s: %q, want %q", in, got, want)
		}
	}
}

// testNode is a node with 4 GPUs, 16 cores, 64G and one running VM that
// holds 2 GPUs, 8 cores, 32G, ssh 2222 and vnc 5901.
func testNode() *Node {
	n := &Node{ID: "n", IP: "1.2.3.4", GPUs: 4, CPUCores: 16, MemGB: 64, DiskDataGB: 1000, DataPath: "/data",
		Images: []*Image{{Name: "ubuntu.qcow2"}}, DataFiles: []string{"d.qcow2"},
		Tasks: map[string]*Task{}, Networks: map[string]*Network{"mynet123": {Name: "mynet123", CIDR: "10.1.0.0/24", Owner: "w"}},
		Transfers: map[string]*Transfer{}}
	n.Tasks["busy"] = &Task{ID: "busy", Status: StatusRunning, Spec: TaskSpec{OS: "linux", GPUs: 2, CPUs: 8, MemGB: 32, SSHPort: 2222, VNCPort: 5901},
		Disks: []*Disk{{Name: "vda", SizeGB: 350}, {Name: "vdb", SizeGB: 100}}}
	return n
}

func TestPlanCreate(t *testing.T) {
	base := CreateFields{Image: "ubuntu.qcow2", SSH: "22", VNC: "5900", GPUs: "1", CPUs: "4", Mem: "8", Disk: "10"}
	cases := []struct {
		name string
		edit func(f *CreateFields)
		msg  string
	}{
		{"ok", func(f *CreateFields) {}, ""},
		{"gpu negative", func(f *CreateFields) { f.GPUs = "-1" }, "gpu_count is invalid (usage: gpu_count >= 0)"},
		{"gpu lease", func(f *CreateFields) { f.GPUs = "5" }, "gpu_count exceeds number of leases"},
		{"gpu busy", func(f *CreateFields) { f.GPUs = "3" }, "allocate gpu failed"},
		{"gpu before os", func(f *CreateFields) { f.GPUs = "3"; f.OS = "beos" }, "allocate gpu failed"},
		{"os", func(f *CreateFields) { f.OS = "BeOS" }, "unsupported operation system: beos (usage: 'linux' 'windows')"},
		{"bios", func(f *CreateFields) { f.Bios = "efi" }, "unsupported bios mode: efi (usage: 'legacy(default)'、'uefi'、'pxe')"},
		{"no image", func(f *CreateFields) { f.Image = "" }, "image_name is empty"},
		{"image ext", func(f *CreateFields) { f.Image = "a.img" }, "'image_name' extension name is invalid"},
		{"image missing", func(f *CreateFields) { f.Image = "a.qcow2" }, "'image_name' is not exist (path:/data/a.qcow2)"},
		{"public ip", func(f *CreateFields) { f.PublicIP = "1.2.3" }, "invalid public ip"},
		{"public ip node", func(f *CreateFields) { f.PublicIP = "1.2.3.4" }, "public ip being used"},
		{"ssh empty", func(f *CreateFields) { f.SSH = "" }, "ssh_port is empty"},
		{"ssh digits", func(f *CreateFields) { f.SSH = "22a" }, "ssh_port is not digit"},
		{"ssh with public ip falls back", func(f *CreateFields) { f.SSH = ""; f.PublicIP = "5.6.7.8" }, ""},
		{"ssh conflict", func(f *CreateFields) { f.SSH = "2222" }, "port conflict, exist ssh_port = 2222"},
		{"ssh on vnc", func(f *CreateFields) { f.SSH = "5901" }, "port conflict, exist vnc_port = 5901"},
		{"windows rdp", func(f *CreateFields) { f.OS = "Windows" }, "rdp_port is empty"},
		{"vnc empty", func(f *CreateFields) { f.VNC = "" }, "vnc_port is empty"},
		{"vnc low", func(f *CreateFields) { f.VNC = "5899" }, "vnc_port is invalid (usage: [5900, 65535])"},
		{"vnc wraps", func(f *CreateFields) { f.VNC = "70000" }, "vnc_port is invalid (usage: [5900, 65535])"},
		{"vnc conflict", func(f *CreateFields) { f.VNC = "5901" }, "port conflict, exist vnc_port = 5901"},
		{"cpu", func(f *CreateFields) { f.CPUs = "x" }, "cpu_cores is invalid"},
		{"cpu busy", func(f *CreateFields) { f.CPUs = "9" }, "allocate cpu failed"},
		{"mem", func(f *CreateFields) { f.Mem = "0" }, "mem_size is invalid"},
		{"mem busy", func(f *CreateFields) { f.Mem = "33" }, "allocate mem failed"},
		{"disk", func(f *CreateFields) { f.Disk = "" }, "disk_size is invalid (usage: disk_size > 0)"},
		{"disk pxe", func(f *CreateFields) { f.Disk = ""; f.Bios = "pxe" }, ""},
		{"disk full", func(f *CreateFields) { f.Disk = "901" }, "allocate disk failed"},
		{"data file", func(f *CreateFields) { f.DataFile = "x.qcow2" }, "data_file_name is not exist, path: /data/x.qcow2"},
		{"network", func(f *CreateFields) { f.Network = "other123" }, "can not find network info"},
		{"network ok", func(f *CreateFields) { f.Network = "mynet123" }, ""},
		{"multicast", func(f *CreateFields) { f.Multicast = []string{"1.1.1.1:1"} }, "address is not a multicast address"},
		{"atoi counts", func(f *CreateFields) { f.CPUs = "4 cores"; f.GPUs = "none" }, ""},
	}
	for _, tc := range cases {
		n := testNode()
		f := base
		tc.edit(&f)
		spec, err := n.PlanCreate(f, "w")
		got := ""
		if err != nil {
			got = err.Msg
		}
		if got != tc.msg || (err == nil) == (spec == nil) {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.msg)
		}
	}
}

func TestClosedVMsFreeCPUButKeepNothing(t *testing.T) {
	n := testNode()
	n.Tasks["busy"].Status = StatusClosed
	spec, err := n.PlanCreate(CreateFields{Image: "ubuntu.qcow2", SSH: "2222", VNC: "5901", GPUs: "4", CPUs: "16", Mem: "64", Disk: "10"}, "w")
	if err != nil {
		t.Fatalf("a shut-off VM still holds resources: %v", err)
	}
	n.Tasks["new"] = &Task{ID: "new", Status: StatusRunning, Spec: *spec}
	if err := n.checkResources(n.Tasks["busy"]); err == nil || err.Msg != "cpu count exceeds the maximum" {
		t.Fatalf("starting the old VM: %v", err)
	}
}

func TestValidNetworkFilter(t *testing.T) {
	for in, want := range map[string]bool{
		"in,tcp,22,0.0.0.0/0,accept":      true,
		"in,tcp,3389,0.0.0.0/0,accept":    true,
		"out,all,all,0.0.0.0/0,accept":    true,
		"in,all,all,0.0.0.0/0,drop":       true,
		"in,udp,1000-2000,10.0.0.1,drop":  true,
		"in,tcp,22,0.0.0.0/0":             false,
		"sideways,tcp,22,0.0.0.0/0,drop":  false,
		"in,tcp,99999,0.0.0.0/0,drop":     false,
		"in,tcp,2000-1000,0.0.0.0/0,drop": false,
		"in,tcp,22,nowhere,drop":          false,
		"in,gre,22,0.0.0.0/0,drop":        false,
		"in,tcp,-,0.0.0.0/0,drop":         false,
	} {
		if got := ValidNetworkFilter(in); got != want {
			t.Errorf("%s: %v", in, got)
		}
	}
}

func FuzzValidNetworkFilter(f *testing.F) {
	for _, s := range []string{"in,tcp,22,0.0.0.0/0,accept", "out,all,1-2,10.0.0.1,drop", ",,,,", "in,tcp,1-,x,drop"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if ValidNetworkFilter(s) && len(strings.Split(s, ",")) != 5 {
			t.Fatalf("%q accepted", s)
		}
	})
}

func TestParseRoute(t *testing.T) {
	cases := []struct{ path, op, id, name, err string }{
		{"/api/v1/", "version", "", "", ""},
		{"/api/v1/tasks", "tasks", "", "", ""},
		{"/api/v1/tasks/start", "tasks/start", "", "", ""},
		{"/api/v1/tasks/start/abc", "tasks/start/{id}", "abc", "", ""},
		{"/api/v1/tasks/abc", "tasks/{id}", "abc", "", ""},
		{"/api/v1/tasks/restart/abc", "tasks/restart", "abc", "", ""},
		{"/api/v1/tasks/", "", "", "", "invalid uri, please use /tasks"},
		{"/api/v1/tasks/a/b/c", "", "", "", "invalid requests uri"},
		{"/api/v1/snapshot/list/abc/s1", "snapshot/list", "abc", "s1", ""},
		{"/api/v1/snapshot/delete/abc", "", "", "", "snapshot_name is empty"},
		{"/api/v1/lan/delete/testnet", "lan/delete", "", "testnet", ""},
		{"/api/v1/lan/delete/", "", "", "", "network_name is empty"},
		{"/api/v1/images/downloadprogress", "images/downloadprogress", "", "", ""},
		{"/api/v1/peers", "", "", "", "not support uri:"},
		{"/other", "", "", "", "request uri is invalid, uri:/other"},
	}
	// Path arguments the client finds missing are -25 (RPC_INVALID_PARAMS);
	// unknown verbs and paths are -32600 / -32601.
	params := map[string]bool{"task_id is empty": true, "invalid uri, please use /tasks": true,
		"snapshot_name is empty": true, "network_name is empty": true}
	for _, tc := range cases {
		rt, err := ParseRoute(tc.path)
		if tc.err != "" {
			if err == nil || err.Msg != tc.err {
				t.Errorf("%s: %+v %v", tc.path, rt, err)
			}
			if err != nil && params[tc.err] != (err.Code == CodeInvalidParams) {
				t.Errorf("%s: errcode %d", tc.path, err.Code)
			}
			continue
		}
		if err != nil || rt.Op != tc.op || rt.ID != tc.id || rt.Name != tc.name {
			t.Errorf("%s: %+v %v", tc.path, rt, err)
		}
	}
}

func TestEncodeFraming(t *testing.T) {
	if got := string(Encode(0, "ok", false)); got != "{\"errcode\":0,\"message\":\"ok\"}\r\n" {
		t.Errorf("compact %q", got)
	}
	if got := string(Encode(-25, "has no additional", true)); got != "{\n    \"errcode\": -25,\n    \"message\": \"has no additional\"\n}\r\n" {
		t.Errorf("pretty %q", got)
	}
	if got := string(Encode(0, []string{"<a&b>"}, false)); !strings.Contains(got, "<a&b>") {
		t.Errorf("escaped %q", got)
	}
}

// Fuzz targets: every request parser must answer (a value or a native
// error) without panicking.

func FuzzParseRequest(f *testing.F) {
	for _, s := range []string{``, `{}`, `[]`, `{"peer_nodes_list":[],"additional":{}}`,
		`{"peer_nodes_list":["a"],"additional":{},"multisig_accounts":{"wallets":["a"],"threshold":"1","signs":[{"wallet":"a","nonce":"n","sign":"s"}]}}`,
		`{"peer_nodes_list":"x`, `{"a":}`, "\x00"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		r, err := ParseRequest(body, prefixParams)
		if (r == nil) == (err == nil) {
			t.Fatalf("request %v and error %v", r, err)
		}
		if err != nil && (err.Code != CodeInvalidParams || err.Msg == "") {
			t.Fatalf("error %+v", err)
		}
		if r != nil {
			r.precheck(precheckSession)
			r.precheck(precheckWallet)
		}
	})
}

func FuzzParseRoute(f *testing.F) {
	for _, s := range []string{"/api/v1/", "/api/v1/tasks/start/x", "/api/v1/snapshot/list/a/b", "/api/v1//", "/api/v1/tasks//"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, path string) {
		rt, err := ParseRoute(path)
		if err == nil && rt.Op == "" {
			t.Fatalf("%q: no operation and no error", path)
		}
		if err == nil && rt.Op != "version" {
			if _, ok := handlers[rt.Op]; !ok {
				t.Fatalf("%q: operation %q has no handler", path, rt.Op)
			}
		}
	})
}

func additionalRequest(add []byte) *Request {
	var m map[string]json.RawMessage
	if json.Unmarshal(add, &m) != nil {
		return nil
	}
	return &Request{Additional: m}
}

func FuzzPlanCreate(f *testing.F) {
	f.Add([]byte(`{"image_name":"ubuntu.qcow2","ssh_port":"22","vnc_port":"5900","gpu_count":"1","cpu_cores":"1","mem_size":"1","disk_size":"1","multicast":["230.0.0.1:5558"],"network_filters":["in,all,all,0.0.0.0/0,drop"]}`))
	f.Add([]byte(`{"operation_system":"windows","rdp_port":"3389","public_ip":"5.6.7.8"}`))
	f.Add([]byte(`{"new_ssh_port":"2222","new_vnc_port":"70000","new_gpu_count":"-1","new_cpu_cores":"0","new_mem_size":"x","new_custom_port":[1,"tcp,1"]}`))
	f.Add([]byte(`{"network_name":"abcdef","ip_cidr":"10.0.0.0/8","bare_metal_nodes":[{"uuid":"u"}]}`))
	f.Fuzz(func(t *testing.T, add []byte) {
		r := additionalRequest(add)
		if r == nil {
			return
		}
		n := testNode()
		spec, err := n.PlanCreate(ReadCreateFields(r), "w")
		if (spec == nil) == (err == nil) {
			t.Fatalf("spec %v and error %v", spec, err)
		}
		if spec != nil && (spec.CPUs < 1 || spec.MemGB < 1 || spec.GPUs < 0 || spec.VNCPort < 5900) {
			t.Fatalf("accepted %+v", spec)
		}
		if _, _, err := n.PlanModify(n.Tasks["busy"], r); err != nil && err.Code != CodeError {
			t.Fatalf("modify error %+v", err)
		}
		ParseLAN(r)
		ParseMachines(r)
	})
}

func FuzzParseLogQuery(f *testing.F) {
	f.Add("tail", "10", true)
	f.Add("head", "x", true)
	f.Fuzz(func(t *testing.T, flag, n string, has bool) {
		q, err := ParseLogQuery(flag, n, has)
		if err == nil && (q.Lines < 1 || q.Lines > 100) {
			t.Fatalf("lines %d", q.Lines)
		}
	})
}

func TestSeededTasks(t *testing.T) {
	w := newWorld(t, `
seed: 5
dbc:
  nodes:
    - id: 58fb618aa482c41114eb3cfdaefd3ba183172da9e25251449d045043fbd37f45
      renter: //Alice
      tasks:
        - {id: billingVm0000000000001, desc: billed, ssh_port: "6000", vnc_port: "5901", gpu_count: "2", cpu_cores: "8", mem_size: "32", disk_size: "100"}
        - {ssh_port: "6001", vnc_port: "5902", gpu_count: "1", cpu_cores: "4", mem_size: "16", disk_size: "50", status: closed}
`)
	_ = w.Do(func(tx *state.Tx) error {
		n := stateOf(tx).Nodes["58fb618aa482c41114eb3cfdaefd3ba183172da9e25251449d045043fbd37f45"]
		vm := n.Tasks["billingVm0000000000001"]
		if vm == nil || vm.Status != StatusRunning || vm.Wallet != DevWallets["//Alice"] || vm.Spec.GPUs != 2 || len(n.Tasks) != 2 {
			t.Errorf("seeded tasks %+v", n.Tasks)
		}
		return nil
	})
	for yaml, key := range map[string]string{
		"dbc:\n  nodes:\n    - id: " + strings.Repeat("a", 64) + "\n      status: online\n      tasks: [{ssh_port: \"1\"}]\n":                                                                                       "dbc.nodes[0].tasks[0]",
		"dbc:\n  nodes:\n    - id: " + strings.Repeat("a", 64) + "\n      renter: //Alice\n      tasks: [{ssh_port: \"1\", vnc_port: \"5900\", cpu_cores: \"1\", mem_size: \"1\", disk_size: \"1\", status: on}]\n": "dbc.nodes[0].tasks[0].status",
		"dbc:\n  nodes:\n    - id: " + strings.Repeat("a", 64) + "\n      renter: //Alice\n      tasks: [{ssh_port: \"1\", vnc_port: \"5\"}]\n":                                                                     "dbc.nodes[0].tasks[0]",
	} {
		p := New()
		sc, err := scenarios.Parse("s.yaml", []byte(yaml), scenarios.Known{Panels: []string{Name}, Timings: p.Timings()})
		if err != nil {
			t.Fatal(err)
		}
		w, _ := state.NewWorld(state.Config{Name: "x", Seed: 1, Start: sc.Start, Steps: p.Steps()})
		err = w.Do(func(tx *state.Tx) error { return p.Seed(tx, sc) })
		if err == nil || !strings.Contains(err.Error(), key) {
			t.Errorf("%q: %v, want an error naming %s", yaml, err, key)
		}
	}
}

// FuzzParseFor: every route's body reader answers a request or a native
// -25 error, never panics, and the /images and /disk readers never show
// rapidjson's offset.
func FuzzParseFor(f *testing.F) {
	for _, s := range []string{``, `{}`, `{x`, `[]`, `{"peer_nodes_list":[],"additional":{}}`, `{"peer_nodes_list":"x"}`} {
		f.Add(uint8(0), []byte(s))
		f.Add(uint8(7), []byte(s))
	}
	ops := slices.Sorted(maps.Keys(handlers))
	f.Fuzz(func(t *testing.T, pick uint8, body []byte) {
		op := ops[int(pick)%len(ops)]
		r, err := parseFor(op, body, handlers[op].prefix)
		if (r == nil) == (err == nil) {
			t.Fatalf("%s: request %v and error %v", op, r, err)
		}
		if err != nil && (err.Code != CodeInvalidParams || err.Status != 400) {
			t.Fatalf("%s: error %+v", op, err)
		}
		if err != nil && (strings.HasPrefix(op, "images") || strings.HasPrefix(op, "disk/")) && parseOffset.MatchString(err.Msg) {
			t.Fatalf("%s: offset in %q", op, err.Msg)
		}
	})
}

// TestModelCreationRechecksResources: the node checks a VM's resources
// again when its domain is defined; one that no longer fits (here a
// restored state put a running VM on all the cores meanwhile) ends in
// "create error" instead of over-booking the node.
func TestModelCreationRechecksResources(t *testing.T) {
	w := newWorld(t, trustWorld)
	node := "58fb618aa482c41114eb3cfdaefd3ba183172da9e25251449d045043fbd37f45"
	var id string
	err := w.Do(func(tx *state.Tx) error {
		res, e := stateOf(tx).CreateTask(tx, trustRequest(t, `{"image_name":"ubuntu.qcow2","ssh_port":"22","vnc_port":"5900","gpu_count":"0","cpu_cores":"2","mem_size":"2","disk_size":"10"}`))
		if e != nil {
			return e
		}
		id = res.TaskID
		n := stateOf(tx).Nodes[node]
		n.Tasks["squatter"] = &Task{ID: "squatter", Status: StatusRunning, Spec: TaskSpec{CPUs: n.CPUCores, MemGB: 1, VNCPort: 5999}}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	w.Advance(3 * time.Minute)
	_ = w.Do(func(tx *state.Tx) error {
		task := stateOf(tx).Nodes[node].Tasks[id]
		if task.Status != StatusCreateError || !strings.Contains(strings.Join(task.Logs, "\n"), "create failed: cpu count exceeds the maximum") {
			t.Errorf("task %s: %v", task.Status, task.Logs)
		}
		return nil
	})
	if n := w.Coverage().Counts().Get(Name, state.CoverTask, "create/failed"); n != 1 {
		t.Errorf("the failed creation counted %d times as create/failed, want 1", n)
	}
}
