package dbc_test

import (
	"strconv"
	"testing"
	"time"
)

// TestNoOverBooking replays issue 16's over-booking on node1 (96 cores,
// 512 GB, 8 GPUs): a VM being created holds its cores, memory and ports,
// so a second 90-core, 400 GB VM and a second VM on the same VNC port are
// refused at once, and stay refused once the first runs.
func TestNoOverBooking(t *testing.T) {
	e := newEnv(t)
	big := func(ssh, vnc string) map[string]any {
		return map[string]any{"image_name": "ubuntu.qcow2", "ssh_port": ssh, "vnc_port": vnc,
			"gpu_count": "1", "cpu_cores": "90", "mem_size": "400", "disk_size": "100"}
	}
	first := e.createVM(t, big("5684", "5923"))
	e.post(t, "/api/v1/tasks/start", alice(t, node1, big("5685", "5924"))).expect(t, 200, 1, "allocate cpu failed")
	small := func(ssh, vnc string) map[string]any {
		return map[string]any{"image_name": "ubuntu.qcow2", "ssh_port": ssh, "vnc_port": vnc,
			"gpu_count": "1", "cpu_cores": "4", "mem_size": "200", "disk_size": "100"}
	}
	e.post(t, "/api/v1/tasks/start", alice(t, node1, small("5685", "5924"))).expect(t, 200, 1, "allocate mem failed")
	e.post(t, "/api/v1/tasks/start", alice(t, node1, map[string]any{"image_name": "ubuntu.qcow2", "ssh_port": "5686", "vnc_port": "5923",
		"gpu_count": "1", "cpu_cores": "2", "mem_size": "8", "disk_size": "10"})).expect(t, 200, 1, "port conflict, exist vnc_port = 5923")
	e.post(t, "/api/v1/tasks/start", alice(t, node1, map[string]any{"image_name": "ubuntu.qcow2", "ssh_port": "5684", "vnc_port": "5930",
		"gpu_count": "1", "cpu_cores": "2", "mem_size": "8", "disk_size": "10"})).expect(t, 200, 1, "port conflict, exist ssh_port = 5684")
	e.srv.Advance(3 * time.Minute)
	if s := e.status(t, first); s != "running" {
		t.Fatalf("first VM %q", s)
	}
	e.post(t, "/api/v1/tasks/start", alice(t, node1, big("5685", "5924"))).expect(t, 200, 1, "allocate cpu failed")

	// Eight VMs asking for one VNC port: only one gets it.
	second := e.createVM(t, map[string]any{"vnc_port": "5950", "ssh_port": "6000", "cpu_cores": "1", "mem_size": "4"})
	for i := 0; i < 7; i++ {
		e.post(t, "/api/v1/tasks/start", alice(t, node1, map[string]any{"image_name": "ubuntu.qcow2", "ssh_port": strconv.Itoa(6001 + i), "vnc_port": "5950",
			"gpu_count": "0", "cpu_cores": "1", "mem_size": "4", "disk_size": "10"})).expect(t, 200, 1, "port conflict, exist vnc_port = 5950")
	}
	e.srv.Advance(3 * time.Minute)

	// A shut-off VM holds nothing; starting it checks again.
	e.post(t, "/api/v1/tasks/shutdown/"+first, alice(t, node1, nil)).expect(t, 200, 0)
	e.srv.Advance(30 * time.Second)
	third := e.createVM(t, big("5687", "5923"))
	e.post(t, "/api/v1/tasks/start/"+first, alice(t, node1, nil)).expect(t, 200, 1, "cpu count exceeds the maximum")
	e.srv.Advance(3 * time.Minute)
	if s := e.status(t, third); s != "running" {
		t.Fatalf("third VM %q", s)
	}
	if s := e.status(t, second); s != "running" {
		t.Fatalf("the VM that got VNC port 5950 is %q", s)
	}
	var nodes []struct {
		ID    string `json:"id"`
		Tasks []struct {
			Status   string `json:"status"`
			CPUCores int    `json:"cpu_cores"`
			MemGB    int    `json:"mem_gb"`
		} `json:"tasks"`
	}
	e.c.Get("/_panelsim/dbc/nodes").Expect(t, 200).Decode(t, &nodes)
	for _, n := range nodes {
		if n.ID != node1 {
			continue
		}
		cpus, mem := 0, 0
		for _, task := range n.Tasks {
			if task.Status == "running" {
				cpus, mem = cpus+task.CPUCores, mem+task.MemGB
			}
		}
		if cpus > 96 || mem > 512 {
			t.Fatalf("running VMs use %d cores and %d GB on a 96-core, 512 GB node", cpus, mem)
		}
	}
}

// Two shut-off VMs started together: the first one starting holds its
// GPUs (as it holds its cores and memory), so the second is refused; the
// soak found both reaching running with 10 of node1's 8 GPUs.
func TestStartingVMHoldsItsGPUs(t *testing.T) {
	e := newEnv(t)
	gpus := func(ssh, vnc string) map[string]any {
		return map[string]any{"gpu_count": "5", "cpu_cores": "4", "mem_size": "16", "ssh_port": ssh, "vnc_port": vnc}
	}
	first := e.createVM(t, gpus("6100", "6101"))
	e.srv.Advance(3 * time.Minute)
	e.post(t, "/api/v1/tasks/shutdown/"+first, alice(t, node1, nil)).expect(t, 200, 0)
	e.srv.Advance(30 * time.Second)
	second := e.createVM(t, gpus("6200", "6201"))
	e.srv.Advance(3 * time.Minute)
	e.post(t, "/api/v1/tasks/shutdown/"+second, alice(t, node1, nil)).expect(t, 200, 0)
	e.srv.Advance(30 * time.Second)

	e.post(t, "/api/v1/tasks/start/"+first, alice(t, node1, nil)).expect(t, 200, 0)
	e.post(t, "/api/v1/tasks/start/"+second, alice(t, node1, nil)).expect(t, 200, 1, "check gpu failed")
	e.srv.Advance(3 * time.Minute)
	if s := e.status(t, first); s != "running" {
		t.Fatalf("first VM %q", s)
	}
	if s := e.status(t, second); s == "running" {
		t.Fatalf("both VMs run, with 10 GPUs of 8")
	}
	w, err := e.srv.Sim().Worlds().Get("default")
	if err != nil {
		t.Fatal(err)
	}
	if err := e.srv.Sim().CheckInvariants(w); err != nil {
		t.Fatal(err)
	}
}
