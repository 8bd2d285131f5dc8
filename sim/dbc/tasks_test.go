package dbc_test

import (
	"strings"
	"testing"
	"time"

	"github.com/panelsim/panelsim/sim/simhttp/simtest"
	"github.com/panelsim/panelsim/state"
)

func TestVMLifecycle(t *testing.T) {
	e := newEnv(t)
	id := e.createVM(t, nil)
	e.srv.Advance(2*time.Minute + 59*time.Second)
	if s := e.status(t, id); s != "creating" {
		t.Fatalf("after 2m59s: %s", s)
	}
	e.srv.Advance(time.Second)
	if s := e.status(t, id); s != "running" {
		t.Fatalf("after 3m: %s", s)
	}
	steps := []struct {
		path, busy, done string
		d                time.Duration
	}{
		{"/api/v1/tasks/shutdown/", "being shutdown", "closed", 30 * time.Second},
		{"/api/v1/tasks/start/", "starting", "running", 20 * time.Second},
		{"/api/v1/tasks/restart/", "restarting", "running", 40 * time.Second},
		{"/api/v1/tasks/poweroff/", "being poweroff", "closed", 5 * time.Second},
		{"/api/v1/tasks/start/", "starting", "running", 20 * time.Second},
		{"/api/v1/tasks/restart/%s?force_reboot=true", "restarting", "running", 40 * time.Second},
		{"/api/v1/tasks/reset/", "resetting", "running", 10 * time.Second},
		{"/api/v1/tasks/stop/", "being poweroff", "closed", 5 * time.Second},
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
		e.post(t, path, alice(t, node1, nil)).expect(t, 200, 1, "task is busy, status: "+s.busy)
		e.srv.Advance(s.d)
		if got := e.status(t, id); got != s.done {
			t.Fatalf("%s: status %s after %s, want %s", path, got, s.d, s.done)
		}
	}
	e.post(t, "/api/v1/tasks/shutdown/"+id, alice(t, node1, nil)).expect(t, 200, 1, "task is not running")
	e.post(t, "/api/v1/tasks/delete/"+id, alice(t, node1, nil)).expect(t, 200, 0, "ok")
	if got := e.status(t, id); got != "deleting" {
		t.Fatal(got)
	}
	e.srv.Advance(15 * time.Second)
	e.post(t, "/api/v1/tasks/"+id, alice(t, node1, nil)).expect(t, 200, -3, "task_id not exist")
	e.post(t, "/api/v1/tasks/start/"+id, alice(t, node1, nil)).expect(t, 200, -3, "task_id not exist")
}

func TestStartWhenRunning(t *testing.T) {
	e := newEnv(t)
	id := e.createVM(t, nil)
	e.srv.Advance(3 * time.Minute)
	e.post(t, "/api/v1/tasks/start/"+id, alice(t, node1, nil)).expect(t, 200, 1, "task is already running")
}

func TestFailTaskEndsInErrorStatus(t *testing.T) {
	e := newEnv(t)
	if err := e.srv.SetFaults(state.FaultRule{
		Name: "create-fails", Panel: "dbc", Match: state.FaultMatch{Route: "tasks/start"},
		When: state.FaultWhen{Times: 1}, Action: state.FaultAction{FailTask: &state.FailTaskSpec{Msg: "libvirt: domain define failed"}},
	}, state.FaultRule{
		Name: "shutdown-fails", Panel: "dbc", Match: state.FaultMatch{Route: "tasks/shutdown"},
		Action: state.FaultAction{FailTask: &state.FailTaskSpec{}},
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
	var logs struct {
		LogContent []string `json:"log_content"`
	}
	e.post(t, "/api/v1/tasks/logs/"+bad, alice(t, node1, nil)).expect(t, 200, 0).decode(t, &logs)
	if len(logs.LogContent) != 1 || !strings.HasSuffix(logs.LogContent[0], "create failed: libvirt: domain define failed") {
		t.Fatalf("logs %v", logs.LogContent)
	}
	e.post(t, "/api/v1/tasks/start/"+bad, alice(t, node1, nil)).expect(t, 200, 1, "task create failed, please delete it")
	e.post(t, "/api/v1/tasks/shutdown/"+good, alice(t, node1, nil)).expect(t, 200, 0)
	e.srv.Advance(30 * time.Second)
	if s := e.status(t, good); s != "shutdown error" {
		t.Fatalf("failed shutdown: %s", s)
	}
	// A failed VM can still be deleted.
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
		{"unknown image", map[string]any{"image_name": "nope.qcow2"}, "image not exist: nope.qcow2"},
		{"bad os", map[string]any{"operation_system": "beos"}, "operation_system is invalid"},
		{"bad bios", map[string]any{"bios_mode": "coreboot"}, "bios_mode is invalid"},
		{"bad ssh port", map[string]any{"ssh_port": "70000"}, "ssh_port is invalid"},
		{"number ssh port", map[string]any{"ssh_port": 5684}, "ssh_port is invalid"},
		{"no vnc port", map[string]any{"vnc_port": ""}, "vnc_port is invalid"},
		{"windows needs rdp", map[string]any{"operation_system": "windows", "image_name": "windows-10.qcow2"}, "rdp_port is invalid"},
		{"negative gpus", map[string]any{"gpu_count": "-1"}, "gpu_count is invalid"},
		{"zero cpus", map[string]any{"cpu_cores": "0"}, "cpu_cores is invalid"},
		{"zero mem", map[string]any{"mem_size": "0"}, "mem_size is invalid"},
		{"no disk", map[string]any{"disk_size": ""}, "disk_size is invalid"},
		{"custom port", map[string]any{"custom_port": []string{"sctp,1"}}, "custom_port is invalid: sctp,1"},
		{"custom range", map[string]any{"custom_port": []string{"tcp,555-666:777-800"}}, "custom_port is invalid: tcp,555-666:777-800"},
		{"multicast", map[string]any{"multicast": []string{"10.0.0.1:5558"}}, "multicast is invalid: 10.0.0.1:5558"},
		{"filter", map[string]any{"network_filters": []string{"in,tcp,22,0.0.0.0/0,allow"}}, "network_filters is invalid: in,tcp,22,0.0.0.0/0,allow"},
		{"public ip", map[string]any{"public_ip": "1.2.3"}, "public_ip is invalid"},
		{"network", map[string]any{"network_name": "nosuchnet"}, "network_name not exist: nosuchnet"},
		{"data file", map[string]any{"data_file_name": "other.qcow2"}, "data_file_name not exist: other.qcow2"},
		{"too many gpus", map[string]any{"gpu_count": "9"}, "no enough gpu, available: 8"},
		{"too many cpus", map[string]any{"cpu_cores": "97"}, "no enough cpu, available: 96"},
		{"too much mem", map[string]any{"mem_size": "513"}, "no enough memory, available: 512G"},
		{"too much disk", map[string]any{"disk_size": "4001"}, "no enough disk, available: 4000G"},
		{"ports clash", map[string]any{"vnc_port": "5684"}, "port 5684 is already in use"},
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

func TestResourcesAreHeldAcrossVMs(t *testing.T) {
	e := newEnv(t)
	e.createVM(t, map[string]any{"gpu_count": "6", "custom_port": []string{"tcp/udp,7000-7010"}})
	add := map[string]any{"image_name": "ubuntu.qcow2", "ssh_port": "6684", "vnc_port": "6904",
		"gpu_count": "3", "cpu_cores": "8", "mem_size": "16", "disk_size": "100"}
	e.post(t, "/api/v1/tasks/start", alice(t, node1, add)).expect(t, 200, 1, "no enough gpu, available: 2")
	add["gpu_count"] = "2"
	add["custom_port"] = []string{"udp,7005:22"}
	e.post(t, "/api/v1/tasks/start", alice(t, node1, add)).expect(t, 200, 1, "port 7005 is already in use")
	add["custom_port"] = []string{"udp,7011:22"}
	e.post(t, "/api/v1/tasks/start", alice(t, node1, add)).expect(t, 200, 0)
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
	e.post(t, "/api/v1/tasks/logs/"+id, alice(t, node1, nil)).expect(t, 200, 1, "task log not exist")
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
	e.post(t, "/api/v1/tasks/logs/"+id+"?flag=middle", alice(t, node1, nil)).expect(t, 400, -32600, `head_or_tail is invalid"`)
	e.post(t, "/api/v1/tasks/logs/"+id+"?line_num=0", alice(t, node1, nil)).expect(t, 400, -32600, "invalid line num")
	e.post(t, "/api/v1/tasks/logs/"+id+"?line_num=x", alice(t, node1, nil)).expect(t, 400, -32600, "invalid line num")
}

func TestModifyAndPasswd(t *testing.T) {
	e := newEnv(t)
	id := e.createVM(t, nil)
	e.post(t, "/api/v1/tasks/passwd/"+id, alice(t, node1, map[string]any{"username": "dbc", "password": "vm123456"})).
		expect(t, 200, 1, "task is busy, status: creating")
	e.srv.Advance(3 * time.Minute)
	e.post(t, "/api/v1/tasks/passwd/"+id, alice(t, node1, map[string]any{"username": "dbc", "password": ""})).
		expect(t, 200, 1, "password is empty")
	e.post(t, "/api/v1/tasks/passwd/"+id, alice(t, node1, map[string]any{"username": "dbc", "password": "vm123456"})).
		expect(t, 200, 0, "ok")
	mod := map[string]any{"new_ssh_port": "5586", "new_vnc_port": "5986", "new_gpu_count": "2", "new_cpu_cores": "4",
		"new_mem_size": "8", "new_custom_port": []string{"tcp,123"}, "new_network_filters": []string{"in,tcp,22,0.0.0.0/0,accept"}}
	e.post(t, "/api/v1/tasks/modify/"+id, alice(t, node1, mod)).expect(t, 200, 0, "ok")
	var info map[string]any
	e.post(t, "/api/v1/tasks/"+id, alice(t, node1, nil)).expect(t, 200, 0).decode(t, &info)
	if info["login_password"] != "vm123456" || info["ssh_port"] != "5586" || info["gpu_count"] != 2.0 || info["cpu_cores"] != 4.0 ||
		info["mem_size"] != "8G" || info["vnc_port"] != "5986" {
		t.Fatalf("detail after modify %v", info)
	}
	e.post(t, "/api/v1/tasks/modify/"+id, alice(t, node1, map[string]any{"new_gpu_count": "9"})).expect(t, 200, 1, "no enough gpu, available: 8")
	e.post(t, "/api/v1/tasks/modify/"+id, alice(t, node1, map[string]any{"new_ssh_port": "0"})).expect(t, 200, 1, "new_ssh_port is invalid")
	e.post(t, "/api/v1/tasks/modify/"+id, alice(t, node1, map[string]any{"new_public_ip": "x"})).expect(t, 200, 1, "new_public_ip is invalid")
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
