package dbc_test

import (
	"strings"
	"testing"
	"time"

	"github.com/panelsim/panelsim/internal/simtest"
	"github.com/panelsim/panelsim/state"
)

func TestVMLifecycle(t *testing.T) {
	e := newEnv(t)
	id := e.createVM(t, nil)
	e.post(t, "/api/v1/tasks/start/"+id, alice(t, node1, nil)).expect(t, 200, 1, "task not exist")
	e.srv.Advance(2*time.Minute + 59*time.Second)
	if s := e.status(t, id); s != "creating" {
		t.Fatalf("after 2m59s: %s", s)
	}
	e.srv.Advance(time.Second)
	if s := e.status(t, id); s != "running" {
		t.Fatalf("after 3m: %s", s)
	}
	// Each step: the action, its busy and end status and timing, and an
	// action the libvirt state refuses meanwhile.
	steps := []struct {
		path, busy, done string
		d                time.Duration
		refused, msg     string
	}{
		{"/api/v1/tasks/shutdown/", "being shutdown", "closed", 30 * time.Second, "start", "task is running"},
		{"/api/v1/tasks/start/", "starting", "running", 20 * time.Second, "reset", "task is shut_off"},
		{"/api/v1/tasks/restart/", "restarting", "running", 40 * time.Second, "start", "task is running"},
		{"/api/v1/tasks/poweroff/", "being poweroff", "closed", 5 * time.Second, "start", "task is running"},
		{"/api/v1/tasks/restart/%s?force_reboot=true", "restarting", "running", 40 * time.Second, "start", "task is running"},
		{"/api/v1/tasks/reset/", "resetting", "running", 10 * time.Second, "start", "task is running"},
		{"/api/v1/tasks/stop/", "being poweroff", "closed", 5 * time.Second, "start", "task is running"},
	}
	for _, s := range steps {
		path := s.path + id
		if strings.Contains(s.path, "%s") {
			path = strings.Replace(s.path, "%s", id, 1)
		}
		e.post(t, path, alice(t, node1, nil)).expect(t, 200, 0, "ok")
		if got := e.status(t, id); got != s.busy {
			t.Fatalf("%s: status %s, want %s", path, got, s.busy)
		}
		e.post(t, "/api/v1/tasks/"+s.refused+"/"+id, alice(t, node1, nil)).expect(t, 200, 1, s.msg)
		e.srv.Advance(s.d)
		if got := e.status(t, id); got != s.done {
			t.Fatalf("%s: status %s after %s, want %s", path, got, s.d, s.done)
		}
	}
	e.post(t, "/api/v1/tasks/shutdown/"+id, alice(t, node1, nil)).expect(t, 200, 1, "task is shut_off")
	e.post(t, "/api/v1/tasks/reset/"+id, alice(t, node1, nil)).expect(t, 200, 1, "task is shut_off")
	// A closed VM may be restarted: it comes up.
	e.post(t, "/api/v1/tasks/restart/"+id, alice(t, node1, nil)).expect(t, 200, 0, "ok")
	e.srv.Advance(40 * time.Second)
	if got := e.status(t, id); got != "running" {
		t.Fatalf("restart of a closed VM: %s", got)
	}
	e.post(t, "/api/v1/tasks/delete/"+id, alice(t, node1, nil)).expect(t, 200, 0, "ok")
	if got := e.status(t, id); got != "deleting" {
		t.Fatal(got)
	}
	e.srv.Advance(15 * time.Second)
	e.post(t, "/api/v1/tasks/"+id, alice(t, node1, nil)).expect(t, 200, -3, "task_id not exist")
	e.post(t, "/api/v1/tasks/start/"+id, alice(t, node1, nil)).expect(t, 200, -3, "task_id not exist")
}

// Asking again while an operation runs is allowed, as on the node, and
// the last request wins.
func TestRepeatedActionTakesOver(t *testing.T) {
	e := newEnv(t)
	id := e.runningVM(t)
	e.post(t, "/api/v1/tasks/shutdown/"+id, alice(t, node1, nil)).expect(t, 200, 0)
	e.srv.Advance(20 * time.Second)
	e.post(t, "/api/v1/tasks/poweroff/"+id, alice(t, node1, nil)).expect(t, 200, 0)
	e.srv.Advance(5 * time.Second)
	if got := e.status(t, id); got != "closed" {
		t.Fatalf("poweroff during shutdown: %s", got)
	}
	e.post(t, "/api/v1/tasks/start/"+id, alice(t, node1, nil)).expect(t, 200, 0)
	e.post(t, "/api/v1/tasks/start/"+id, alice(t, node1, nil)).expect(t, 200, 0)
	e.srv.Advance(20 * time.Second)
	e.post(t, "/api/v1/tasks/start/"+id, alice(t, node1, nil)).expect(t, 200, 1, "task is running")
}

func TestFailTaskEndsInErrorStatus(t *testing.T) {
	e := newEnv(t)
	if err := e.srv.SetFaults(state.FaultRule{
		Name: "create-fails", Panel: "dbc", Match: state.FaultMatch{Route: "tasks/start"},
		When: state.FaultWhen{Times: 1}, Action: state.FaultAction{FailTask: &state.FailTaskSpec{Msg: "libvirt: domain define failed"}},
	}, state.FaultRule{
		Name: "shutdown-fails", Panel: "dbc", Match: state.FaultMatch{Route: "tasks/shutdown"},
		Action: state.FaultAction{FailTask: &state.FailTaskSpec{Msg: "guest did not shut down"}},
	}); err != nil {
		t.Fatal(err)
	}
	bad := e.createVM(t, nil)
	good := e.createVM(t, map[string]any{"ssh_port": "6000", "vnc_port": "6001"})
	e.srv.Advance(3 * time.Minute)
	if s := e.status(t, bad); s != "create error" {
		t.Fatalf("failed create: %s", s)
	}
	if s := e.status(t, good); s != "running" {
		t.Fatalf("second create: %s", s)
	}
	e.post(t, "/api/v1/tasks/start/"+bad, alice(t, node1, nil)).expect(t, 200, 1, "task not exist")
	e.post(t, "/api/v1/tasks/logs/"+bad, alice(t, node1, nil)).expect(t, 200, 1, "task not exist")
	e.post(t, "/api/v1/tasks/shutdown/"+good, alice(t, node1, nil)).expect(t, 200, 0)
	e.srv.Advance(30 * time.Second)
	if s := e.status(t, good); s != "shutdown error" {
		t.Fatalf("failed shutdown: %s", s)
	}
	var logs struct {
		LogContent []string `json:"log_content"`
	}
	e.post(t, "/api/v1/tasks/logs/"+good+"?flag=tail&line_num=1", alice(t, node1, nil)).expect(t, 200, 0).decode(t, &logs)
	if len(logs.LogContent) != 1 || !strings.HasSuffix(logs.LogContent[0], "shutdown failed: guest did not shut down") {
		t.Fatalf("logs %v", logs.LogContent)
	}
	// The guest is still running after a failed shutdown.
	e.post(t, "/api/v1/tasks/start/"+good, alice(t, node1, nil)).expect(t, 200, 1, "task is running")
	// A failed creation can still be deleted.
	e.post(t, "/api/v1/tasks/delete/"+bad, alice(t, node1, nil)).expect(t, 200, 0)
	e.srv.Advance(15 * time.Second)
	e.post(t, "/api/v1/tasks/"+bad, alice(t, node1, nil)).expect(t, 200, -3, "task_id not exist")
}

func TestCreateValidation(t *testing.T) {
	e := newEnv(t)
	cases := []struct {
		name  string
		extra map[string]any
		msg   string
	}{
		{"no image", map[string]any{"image_name": ""}, "image_name is empty"},
		{"not qcow2", map[string]any{"image_name": "ubuntu.img"}, "'image_name' extension name is invalid"},
		{"unknown image", map[string]any{"image_name": "nope.qcow2"}, "'image_name' is not exist (path:/data/nope.qcow2)"},
		{"bad os", map[string]any{"operation_system": "beos"}, "unsupported operation system: beos (usage: 'linux' 'windows')"},
		{"bad bios", map[string]any{"bios_mode": "coreboot"}, "unsupported bios mode: coreboot (usage: 'legacy(default)'、'uefi'、'pxe')"},
		{"ssh port letters", map[string]any{"ssh_port": "22a"}, "ssh_port is not digit"},
		{"number ssh port", map[string]any{"ssh_port": 5684}, "ssh_port is empty"},
		{"no vnc port", map[string]any{"vnc_port": ""}, "vnc_port is empty"},
		{"vnc below 5900", map[string]any{"vnc_port": "5684"}, "vnc_port is invalid (usage: [5900, 65535])"},
		{"windows needs rdp", map[string]any{"operation_system": "windows", "image_name": "windows-10.qcow2"}, "rdp_port is empty"},
		{"negative gpus", map[string]any{"gpu_count": "-1"}, "gpu_count is invalid (usage: gpu_count >= 0)"},
		{"zero cpus", map[string]any{"cpu_cores": "0"}, "cpu_cores is invalid"},
		{"zero mem", map[string]any{"mem_size": "0"}, "mem_size is invalid"},
		{"no disk", map[string]any{"disk_size": ""}, "disk_size is invalid (usage: disk_size > 0)"},
		{"multicast", map[string]any{"multicast": []string{"10.0.0.1:5558"}}, "address is not a multicast address"},
		{"multicast format", map[string]any{"multicast": []string{"230.0.0.1"}}, "multicast format: ip:port"},
		{"public ip", map[string]any{"public_ip": "1.2.3"}, "invalid public ip"},
		{"public ip of the node", map[string]any{"public_ip": "115.231.234.34"}, "public ip being used"},
		{"network", map[string]any{"network_name": "nosuchnet"}, "can not find network info"},
		{"data file", map[string]any{"data_file_name": "other.qcow2"}, "data_file_name is not exist, path: /data/other.qcow2"},
		{"more gpus than rented", map[string]any{"gpu_count": "9"}, "gpu_count exceeds number of leases"},
		{"too many cpus", map[string]any{"cpu_cores": "97"}, "allocate cpu failed"},
		{"too much mem", map[string]any{"mem_size": "513"}, "allocate mem failed"},
		{"too much disk", map[string]any{"disk_size": "4001"}, "allocate disk failed"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			add := map[string]any{"image_name": "ubuntu.qcow2", "ssh_port": "5684", "vnc_port": "5904",
				"gpu_count": "1", "cpu_cores": "8", "mem_size": "16", "disk_size": "100"}
			for k, v := range tc.extra {
				add[k] = v
			}
			e.post(t, "/api/v1/tasks/start", alice(t, node1, add)).expect(t, 200, 1, tc.msg)
		})
	}
	var list []any
	e.post(t, "/api/v1/tasks", alice(t, node1, nil)).expect(t, 200, 0).decode(t, &list)
	if len(list) != 0 {
		t.Fatalf("refused creations left %d tasks", len(list))
	}
}

// The node's lenient reading: atoi on counts, ports cast to 16 bits,
// custom ports and network filters stored as given.
func TestCreateIsLenientLikeTheNode(t *testing.T) {
	e := newEnv(t)
	id := e.createVM(t, map[string]any{"gpu_count": "two", "cpu_cores": "4 cores", "ssh_port": "70000",
		"custom_port": []any{"tcp,123", 7, "junk"}, "operation_system": "Linux"})
	var info map[string]any
	e.post(t, "/api/v1/tasks/"+id, alice(t, node1, nil)).expect(t, 200, 0).decode(t, &info)
	if info["gpu_count"] != 0.0 || info["cpu_cores"] != 4.0 || info["ssh_port"] != "4464" || info["os"] != "linux" {
		t.Fatalf("lenient create: %v", info)
	}
}

// A filter libvirt cannot define is accepted by tasks/start and makes the
// creation fail; tasks/modify refuses it at once.
func TestBadNetworkFilter(t *testing.T) {
	e := newEnv(t)
	bad := e.createVM(t, map[string]any{"network_filters": []string{"in,tcp,22,0.0.0.0/0,accept", "in,tcp,22,anywhere,allow"}})
	e.srv.Advance(3 * time.Minute)
	if s := e.status(t, bad); s != "create error" {
		t.Fatalf("bad filter: %s", s)
	}
	good := e.createVM(t, map[string]any{"ssh_port": "6000", "vnc_port": "6001", "network_filters": []string{"in,udp,1000-2000,10.0.0.1,drop", "out,all,all,0.0.0.0/0,accept"}})
	e.srv.Advance(3 * time.Minute)
	if s := e.status(t, good); s != "running" {
		t.Fatalf("good filters: %s", s)
	}
	e.post(t, "/api/v1/tasks/modify/"+good, alice(t, node1, map[string]any{"new_network_filters": []string{"sideways,all,all,0.0.0.0/0,drop"}})).
		expect(t, 200, 1, "modify network filter error")
}

func TestResourcesFollowTheDomainState(t *testing.T) {
	e := newEnv(t)
	first := e.createVM(t, map[string]any{"gpu_count": "6"})
	add := map[string]any{"image_name": "ubuntu.qcow2", "ssh_port": "6684", "vnc_port": "6904",
		"gpu_count": "3", "cpu_cores": "8", "mem_size": "16", "disk_size": "100"}
	// A VM being created already holds its GPUs.
	e.post(t, "/api/v1/tasks/start", alice(t, node1, add)).expect(t, 200, 1, "allocate gpu failed")
	e.srv.Advance(3 * time.Minute)
	add["gpu_count"], add["ssh_port"] = "2", "5684"
	e.post(t, "/api/v1/tasks/start", alice(t, node1, add)).expect(t, 200, 1, "port conflict, exist ssh_port = 5684")
	add["ssh_port"], add["vnc_port"] = "6684", "5904"
	e.post(t, "/api/v1/tasks/start", alice(t, node1, add)).expect(t, 200, 1, "port conflict, exist vnc_port = 5904")
	// A shut-off VM frees its GPUs and ports...
	e.post(t, "/api/v1/tasks/shutdown/"+first, alice(t, node1, nil)).expect(t, 200, 0)
	e.srv.Advance(30 * time.Second)
	add["gpu_count"], add["ssh_port"] = "3", "5684"
	var second struct {
		TaskID string `json:"task_id"`
	}
	e.post(t, "/api/v1/tasks/start", alice(t, node1, add)).expect(t, 200, 0).decode(t, &second)
	// ...so it may not come back while others hold them.
	e.post(t, "/api/v1/tasks/start/"+first, alice(t, node1, nil)).expect(t, 200, 1, "check gpu failed")
	e.srv.Advance(3 * time.Minute)
	e.post(t, "/api/v1/tasks/modify/"+second.TaskID, alice(t, node1, map[string]any{"new_gpu_count": "2"})).
		expect(t, 200, 0, "some changes will take effect on the next boot")
	e.post(t, "/api/v1/tasks/start/"+first, alice(t, node1, nil)).expect(t, 200, 1, "check ssh_port failed")
}

func TestWindowsVM(t *testing.T) {
	e := newEnv(t)
	id := e.createVM(t, map[string]any{"operation_system": "windows", "image_name": "windows-10.qcow2", "ssh_port": "", "rdp_port": "5685"})
	var info map[string]any
	e.post(t, "/api/v1/tasks/"+id, alice(t, node1, nil)).expect(t, 200, 0).decode(t, &info)
	if info["rdp_port"] != "5685" || info["user_name"] != "Administrator" || info["ssh_port"] != nil {
		t.Fatalf("windows detail %v", info)
	}
}

func TestLogs(t *testing.T) {
	e := newEnv(t)
	id := e.createVM(t, nil)
	e.post(t, "/api/v1/tasks/logs/"+id, alice(t, node1, nil)).expect(t, 200, 1, "task not exist")
	e.srv.Advance(3 * time.Minute)
	logs := func(query string) []string {
		t.Helper()
		var r struct {
			TaskID     string   `json:"task_id"`
			LogContent []string `json:"log_content"`
		}
		e.post(t, "/api/v1/tasks/logs/"+id+query, alice(t, node1, nil)).expect(t, 200, 0).decode(t, &r)
		if r.TaskID != id {
			t.Fatalf("task_id %s", r.TaskID)
		}
		return r.LogContent
	}
	size := func(lines []string) int {
		n := 0
		for _, l := range lines {
			n += len(l) + 1
		}
		return n
	}
	head := logs("?flag=head&line_num=3")
	if len(head) != 3 || !strings.Contains(head[0], "created from image ubuntu.qcow2") {
		t.Fatalf("head %v", head)
	}
	tail := logs("?flag=tail&line_num=2")
	if len(tail) != 2 || !strings.HasPrefix(tail[1], "Ubuntu 20.04.3 LTS") {
		t.Fatalf("tail %v", tail)
	}
	all := logs("")
	if size(all) > 1024 || size(all) < 900 || !strings.HasPrefix(all[len(all)-1], "Ubuntu") {
		t.Fatalf("default tail: %d lines %d bytes", len(all), size(all))
	}
	allHead := logs("?flag=head&line_num=1000")
	if size(allHead) > 1024 || !strings.Contains(allHead[0], "created from image") {
		t.Fatalf("head 1000: %d bytes", size(allHead))
	}
	e.post(t, "/api/v1/tasks/logs/"+id+"?flag=middle", alice(t, node1, nil)).expect(t, 400, -25, `head_or_tail is invalid"`)
	e.post(t, "/api/v1/tasks/logs/"+id+"?flag=tail&line_num=0", alice(t, node1, nil)).expect(t, 400, -25, "invalid line num")
	e.post(t, "/api/v1/tasks/logs/"+id+"?flag=head&line_num=x", alice(t, node1, nil)).expect(t, 400, -25, "invalid line num")
	// Without a flag the client does not read line_num: tail, 100 lines.
	if got := logs("?line_num=2"); len(got) != len(all) {
		t.Fatalf("line_num without flag: %d lines, want the default %d", len(got), len(all))
	}
}

func TestModifyAndPasswd(t *testing.T) {
	e := newEnv(t)
	id := e.createVM(t, map[string]any{"public_ip": "8.8.4.4"})
	pw := func(user, pass string) answer {
		return e.post(t, "/api/v1/tasks/passwd/"+id, alice(t, node1, map[string]any{"username": user, "password": pass}))
	}
	pw("dbc", "vm123456").expect(t, 200, 1, "task not exist")
	e.srv.Advance(3 * time.Minute)
	pw("dbc", "").expect(t, 200, 1, "password can not be empty")
	pw("", "x").expect(t, 200, 1, "user name can not be empty")
	pw("dbc", "vm123456").expect(t, 200, 0, "ok")
	mod := func(m map[string]any) answer { return e.post(t, "/api/v1/tasks/modify/"+id, alice(t, node1, m)) }
	mod(map[string]any{"new_ssh_port": "5586", "new_public_ip": "8.8.4.4"}).expect(t, 200, 0, "ok")
	mod(map[string]any{"new_vnc_port": "5986", "new_gpu_count": "2", "new_cpu_cores": "4", "new_mem_size": "8",
		"new_custom_port": []string{"tcp,123"}, "new_network_filters": []string{"in,tcp,22,0.0.0.0/0,accept"}, "new_public_ip": "8.8.4.4"}).
		expect(t, 200, 0, "some changes will take effect on the next boot")
	var info map[string]any
	e.post(t, "/api/v1/tasks/"+id, alice(t, node1, nil)).expect(t, 200, 0).decode(t, &info)
	if info["login_password"] != "vm123456" || info["ssh_port"] != "5586" || info["gpu_count"] != 2.0 || info["cpu_cores"] != 4.0 ||
		info["mem_size"] != "8G" || info["vnc_port"] != "5986" || info["ssh_ip"] != "8.8.4.4" {
		t.Fatalf("detail after modify %v", info)
	}
	mod(map[string]any{"new_gpu_count": "9"}).expect(t, 200, 1, "allocate gpu failed")
	mod(map[string]any{"new_ssh_port": "0"}).expect(t, 200, 1, "new_ssh_port 0 is invalid! (usage: > 0)")
	mod(map[string]any{"new_ssh_port": "22", "new_rdp_port": "22"}).expect(t, 200, 1, "new_ssh_port and new_rdp_port are the same!")
	mod(map[string]any{"new_vnc_port": "80"}).expect(t, 200, 1, "new_vnc_port 80 is invalid! (usage: 5900 =< port <= 65535)")
	mod(map[string]any{"new_public_ip": "x"}).expect(t, 200, 1, "invalid public ip")
	mod(map[string]any{"new_cpu_cores": "97"}).expect(t, 200, 1, "allocate cpu failed")
	mod(map[string]any{"new_mem_size": "0"}).expect(t, 200, 1, "allocate memory failed")
	// The node's quirk: a modify without new_public_ip drops the public IP.
	mod(map[string]any{"new_ssh_port": "5586"}).expect(t, 200, 0, "ok")
	e.post(t, "/api/v1/tasks/"+id, alice(t, node1, nil)).expect(t, 200, 0).decode(t, &info)
	if info["ssh_ip"] != "115.231.234.34" {
		t.Fatalf("public ip kept: %v", info["ssh_ip"])
	}
	e.post(t, "/api/v1/tasks/shutdown/"+id, alice(t, node1, nil)).expect(t, 200, 0)
	e.srv.Advance(30 * time.Second)
	pw("dbc", "x").expect(t, 200, 1, "Only the running task can change the password")
}

func TestTaskGolden(t *testing.T) {
	e := newEnv(t)
	id := e.createVM(t, map[string]any{"custom_port": []string{"tcp,123"}, "network_filters": []string{"in,tcp,22,0.0.0.0/0,accept"}})
	create := e.c.JSON("POST", "/api/v1/tasks", alice(t, node1, nil))
	simtest.Golden(t, "tasks_list_creating.json", create.Body)
	e.srv.Advance(3 * time.Minute)
	detail := e.c.JSON("POST", "/api/v1/tasks/"+id, alice(t, node1, nil))
	simtest.Golden(t, "task_detail.json", detail.Body)
	logs := e.c.JSON("POST", "/api/v1/tasks/logs/"+id+"?flag=head&line_num=5", alice(t, node1, nil))
	simtest.Golden(t, "task_logs_head5.json", logs.Body)
}
