package dbc_test

import (
	"strings"
	"testing"
	"time"

	"github.com/panelsim/panelsim/internal/simtest"
	"github.com/panelsim/panelsim/panelsimtest"
	"github.com/panelsim/panelsim/state"
)

// runningVM creates a VM and lets it boot.
func (e *env) runningVM(t *testing.T) string {
	t.Helper()
	id := e.createVM(t, nil)
	e.srv.Advance(3 * time.Minute)
	return id
}

// closedVM creates a VM and shuts it down.
func (e *env) closedVM(t *testing.T) string {
	t.Helper()
	id := e.runningVM(t)
	e.post(t, "/api/v1/tasks/shutdown/"+id, alice(t, node1, nil)).expect(t, 200, 0)
	e.srv.Advance(30 * time.Second)
	return id
}

func (e *env) disks(t *testing.T, id string) map[string]string {
	t.Helper()
	var list []struct{ Name, File, Size string }
	e.post(t, "/api/v1/disk/list/"+id, alice(t, node1, nil)).expect(t, 200, 0).decode(t, &list)
	out := map[string]string{}
	for _, d := range list {
		out[d.Name] = d.Size
	}
	return out
}

func TestDisks(t *testing.T) {
	e := newEnv(t)
	id := e.runningVM(t)
	if d := e.disks(t, id); d["vda"] != "350G" || d["vdb"] != "100G" || len(d) != 2 {
		t.Fatalf("disks %v", d)
	}
	disk := func(verb string, add map[string]any) answer {
		return e.post(t, "/api/v1/disk/"+verb+"/"+id, alice(t, node1, add))
	}
	disk("add", map[string]any{"size": 20}).expect(t, 200, 1, "please close task first and try again")
	e.post(t, "/api/v1/tasks/shutdown/"+id, alice(t, node1, nil)).expect(t, 200, 0)
	e.srv.Advance(30 * time.Second)

	disk("add", map[string]any{"size": 20, "mount_dir": "/mnt"}).expect(t, 200, 1, "not exist mount directory: /mnt")
	disk("add", map[string]any{"size": 0}).expect(t, 200, 1, "size is invalid (usage: size > 0)")
	disk("add", map[string]any{"size": 20}).expect(t, 200, 0, "ok")
	if s := e.status(t, id); s != "disk adding" {
		t.Fatal(s)
	}
	e.srv.Advance(20 * time.Second)
	if s := e.status(t, id); s != "closed" {
		t.Fatal(s)
	}
	if d := e.disks(t, id); d["vdc"] != "20G" {
		t.Fatalf("after add %v", d)
	}
	disk("resize", map[string]any{"disk": "vdz", "size": 500}).expect(t, 200, 1, "task have no disk:vdz")
	disk("resize", map[string]any{"disk": "vdb", "size": "x"}).expect(t, 200, 1, "size is invalid (usage: size > 0)")
	// size is what the disk grows by (qemu-img resize +size).
	disk("resize", map[string]any{"disk": "vdb", "size": 50}).expect(t, 200, 0, "ok")
	e.srv.Advance(20 * time.Second)
	disk("delete", map[string]any{"disk": "vda"}).expect(t, 200, 1, "can not allowed to delete disk:'vda'")
	disk("delete", map[string]any{"disk": "vdq"}).expect(t, 200, 1, "task have no disk:vdq")
	disk("delete", map[string]any{"disk": "vdc"}).expect(t, 200, 0, "ok")
	e.srv.Advance(10 * time.Second)
	if d := e.disks(t, id); d["vdb"] != "150G" || d["vdc"] != "" {
		t.Fatalf("after resize and delete %v", d)
	}
	e.post(t, "/api/v1/disk/list/"+id, map[string]any{"peer_nodes_list": []string{node1}, "additional": map[string]any{}}).
		expect(t, 400, -25, "session_id and wallet all invalid")
}

func TestDiskFailure(t *testing.T) {
	e := newEnv(t)
	id := e.closedVM(t)
	if err := e.srv.SetFaults(state.FaultRule{Name: "resize", Match: state.FaultMatch{Route: "disk/resize"},
		Action: state.FaultAction{FailTask: &state.FailTaskSpec{Msg: "qemu-img: resize failed"}}}); err != nil {
		t.Fatal(err)
	}
	e.post(t, "/api/v1/disk/resize/"+id, alice(t, node1, map[string]any{"disk": "vdb", "size": 100})).expect(t, 200, 0)
	e.srv.Advance(20 * time.Second)
	if s := e.status(t, id); s != "resize disk error" {
		t.Fatal(s)
	}
	if d := e.disks(t, id); d["vdb"] != "100G" {
		t.Fatalf("failed resize changed the disk: %v", d)
	}
}

func TestSnapshots(t *testing.T) {
	e := newEnv(t)
	id := e.runningVM(t)
	snap := map[string]any{"snapshot_name": "snap1", "desc": "before upgrade", "image_server": "ID_2"}
	e.post(t, "/api/v1/snapshot/create/"+id, alice(t, node1, snap)).expect(t, 200, 1, "please close task first and try again")
	e.post(t, "/api/v1/tasks/shutdown/"+id, alice(t, node1, nil)).expect(t, 200, 0)
	e.srv.Advance(30 * time.Second)
	// The client checks image_server itself, before the credentials.
	e.post(t, "/api/v1/snapshot/create/"+id, alice(t, node1, map[string]any{"snapshot_name": "snap1", "image_server": "ID_9"})).
		expect(t, 400, -25, "image_server not exist")
	e.post(t, "/api/v1/snapshot/create/"+id, map[string]any{"peer_nodes_list": []string{node1}, "additional": map[string]any{"snapshot_name": "snap1"}}).
		expect(t, 400, -25, "image_server not exist")
	e.post(t, "/api/v1/snapshot/create/"+id, alice(t, node1, snap)).expect(t, 200, 0, "ok")
	if s := e.status(t, id); s != "snapshot creating" {
		t.Fatal(s)
	}
	var one map[string]any
	e.post(t, "/api/v1/snapshot/list/"+id+"/snap1", alice(t, node1, nil)).expect(t, 200, 0).decode(t, &one)
	if one["status"] != "creating" {
		t.Fatalf("snapshot %v", one)
	}
	e.post(t, "/api/v1/snapshot/create/"+id, alice(t, node1, snap)).expect(t, 200, 1, "snapshot_name already exist")
	e.srv.Advance(2 * time.Minute)
	if s := e.status(t, id); s != "closed" {
		t.Fatal(s)
	}
	e.post(t, "/api/v1/snapshot/list/"+id+"/snap1", alice(t, node1, nil)).expect(t, 200, 0).decode(t, &one)
	if one["status"] != "uploading" {
		t.Fatalf("snapshot %v", one)
	}
	e.srv.Advance(3 * time.Minute)
	list := e.c.JSON("POST", "/api/v1/snapshot/list/"+id, alice(t, node1, nil))
	simtest.Golden(t, "snapshot_list.json", list.Body)
	var centre []map[string]string
	e.post(t, "/api/v1/images", map[string]any{"peer_nodes_list": []string{}, "additional": map[string]any{"image_server": "ID_2"}}).
		expect(t, 200, 0).decode(t, &centre)
	if last := centre[len(centre)-1]["image_name"]; !strings.HasPrefix(last, "snap_") || !strings.HasSuffix(last, "_vda.qcow2") {
		t.Fatalf("centre after snapshot upload %v", centre)
	}
	e.post(t, "/api/v1/snapshot/list/"+id+"/nope", alice(t, node1, nil)).expect(t, 200, 1, "snapshot_name not exist")
	e.post(t, "/api/v1/snapshot/delete/"+id+"/snap1", alice(t, node1, nil)).expect(t, 200, 0, "ok")
	// Like the node, deleting a snapshot that is not there is "ok" too.
	e.post(t, "/api/v1/snapshot/delete/"+id+"/snap1", alice(t, node1, nil)).expect(t, 200, 0, "ok")
	var none []any
	e.post(t, "/api/v1/snapshot/list/"+id, alice(t, node1, nil)).expect(t, 200, 0).decode(t, &none)
	if len(none) != 0 {
		t.Fatalf("snapshots after delete %v", none)
	}
}

func TestPXEHasNoDisksNorSnapshots(t *testing.T) {
	e := newEnv(t)
	id := e.createVM(t, map[string]any{"bios_mode": "pxe", "disk_size": ""})
	e.srv.Advance(3 * time.Minute)
	if d := e.disks(t, id); len(d) != 0 {
		t.Fatalf("pxe disks %v", d)
	}
	e.post(t, "/api/v1/snapshot/list/"+id, alice(t, node1, nil)).expect(t, 200, 1, "pxe not support snapshot")
	e.post(t, "/api/v1/disk/add/"+id, alice(t, node1, map[string]any{"size": 1})).expect(t, 200, 1, "task have no disk")
}

func TestMiningNodes(t *testing.T) {
	e := newEnv(t)
	list := e.c.JSON("POST", "/api/v1/mining_nodes", map[string]any{"peer_nodes_list": []string{}, "additional": map[string]any{}})
	if !strings.HasSuffix(string(list.Body), "}\r\n") || strings.Contains(string(list.Body), "\n    ") {
		t.Fatalf("node list is not compact: %q", list.Body)
	}
	simtest.Golden(t, "mining_nodes_list.json", list.Body)
	e.runningVM(t)
	info := e.c.JSON("POST", "/api/v1/mining_nodes", map[string]any{"peer_nodes_list": []string{node1}, "additional": map[string]any{}})
	simtest.Golden(t, "mining_node_info.json", info.Body)
	e.post(t, "/api/v1/mining_nodes", map[string]any{"peer_nodes_list": []string{node1}, "additional": map[string]any{"image_server": "ID_7"}}).
		expect(t, 400, -25, "image_server not exist")
	e.post(t, "/api/v1/mining_nodes/free_memory", alice(t, node1, nil)).expect(t, 200, 0, "ok")
	// The client reads image_server leniently: a number is no centre.
	e.post(t, "/api/v1/mining_nodes", map[string]any{"peer_nodes_list": []string{node1}, "additional": map[string]any{"image_server": 5}}).
		expect(t, 200, 0)
	// The client builds the node list by hand: {"errcode":0, "message":{...}}.
	if !strings.HasPrefix(string(list.Body), `{"errcode":0, "message":{"mining_nodes":[{"node_id":"441f631da912b2186a3ef0452430f139cf01641bf4e2dce07e06103d8d70e533","name":"gpu-a100-c","version":"0.4.1.7"},{`) {
		t.Fatalf("node list bytes %q", list.Body)
	}
}

func TestNodeErrorFraming(t *testing.T) {
	e := newEnv(t)
	r := e.c.JSON("POST", "/api/v1/tasks/nope", alice(t, node1, nil))
	if string(r.Body) != "{\"errcode\":-3,\"message\":\"task_id not exist\"}\r\n" || r.Status != 200 {
		t.Fatalf("%d %q", r.Status, r.Body)
	}
}

func TestImages(t *testing.T) {
	e := newEnv(t)
	servers := e.c.JSON("POST", "/api/v1/images/servers", map[string]any{"peer_nodes_list": []string{}, "additional": map[string]any{}})
	if string(servers.Body) != "{\"errcode\":0, \"message\":{\"image_server\":[\"ID_1\",\"ID_2\"]}}\r\n" {
		t.Fatalf("servers %q", servers.Body)
	}
	nodeList := e.c.JSON("POST", "/api/v1/images", map[string]any{"peer_nodes_list": []string{node1}, "additional": map[string]any{}})
	if !strings.Contains(string(nodeList.Body), `"image_name:":"ubuntu.qcow2"`) {
		t.Fatalf("node listing lost the image_name: quirk: %s", nodeList.Body)
	}
	simtest.Golden(t, "images_node.json", nodeList.Body)
	e.post(t, "/api/v1/images", map[string]any{"peer_nodes_list": []string{}, "additional": map[string]any{}}).
		expect(t, 400, -25, "image_server not exist")
	e.post(t, "/api/v1/images", map[string]any{"peer_nodes_list": []string{}, "additional": map[string]any{"image_server": "X"}}).
		expect(t, 400, -25, "image_server not exist")

	img := func(verb string, add map[string]any) answer {
		return e.post(t, "/api/v1/images/"+verb, alice(t, node1, add))
	}
	progress := func(kind, file string) string {
		t.Helper()
		r := e.c.JSON("POST", "/api/v1/images/"+kind+"progress", alice(t, node1, map[string]any{"image_filename": file}))
		r.Expect(t, 200)
		return string(r.Body)
	}
	dl := map[string]any{"image_server": "ID_1", "image_filename": "ubuntu-2204.qcow2", "local_dir": "/data"}
	img("download", map[string]any{"image_filename": "ubuntu-2204.qcow2", "local_dir": "/data"}).expect(t, 400, -25, "image_server not exist")
	img("download", map[string]any{"image_server": "ID_1", "image_filename": "ubuntu-2204.qcow2"}).expect(t, 200, 1, "additional no local_dir")
	img("download", map[string]any{"image_server": "ID_1", "image_filename": "x.qcow2", "local_dir": "/data"}).expect(t, 200, 1, "image:x.qcow2 not exist")
	img("download", dl).expect(t, 200, 0, "ok")
	img("download", dl).expect(t, 200, 1, "image:ubuntu-2204.qcow2 in downloading")
	e.srv.Advance(2 * time.Minute)
	if got := progress("download", "ubuntu-2204.qcow2"); got != "{\"errcode\":0,\"message\":{\"status\": \"downloading\",\"progress\": \"40%\"}}\r\n" {
		t.Fatalf("progress after 2m %q", got)
	}
	e.srv.Advance(3 * time.Minute)
	if got := progress("download", "ubuntu-2204.qcow2"); !strings.Contains(got, `"status": "done","progress": "100%"`) {
		t.Fatalf("progress after 5m %q", got)
	}
	// The user view shows the images the caller brought onto the node.
	var mine []map[string]string
	e.post(t, "/api/v1/images", alice(t, node1, nil)).expect(t, 200, 0).decode(t, &mine)
	if len(mine) != 1 || mine[0]["image_name:"] != "ubuntu-2204.qcow2" {
		t.Fatalf("user view %v", mine)
	}
	img("delete", map[string]any{"image_filename": "ubuntu-2204.qcow2"}).expect(t, 200, 0, "ok")
	img("delete", map[string]any{"image_filename": "ubuntu-2204.qcow2"}).expect(t, 200, 1, "image file:ubuntu-2204.qcow2 is not exist")
	img("delete", map[string]any{}).expect(t, 200, 1, "image_filename is empty")

	// Upload, stop half way.
	up := map[string]any{"image_server": "ID_2", "image_filename": "windows-10.qcow2"}
	img("upload", map[string]any{"image_server": "ID_2", "image_filename": "nope.qcow2"}).expect(t, 200, 1, "image:nope.qcow2 not exist")
	img("upload", up).expect(t, 200, 0, "ok")
	img("upload", up).expect(t, 200, 1, "image:windows-10.qcow2 in uploading")
	e.post(t, "/api/v1/tasks/start", alice(t, node1, map[string]any{"image_name": "windows-10.qcow2", "operation_system": "windows",
		"rdp_port": "3389", "vnc_port": "5999", "gpu_count": "1", "cpu_cores": "4", "mem_size": "8", "disk_size": "10"})).
		expect(t, 200, 1, "'image_name':windows-10.qcow2 in downloading or uploading, please try again later")
	img("delete", map[string]any{"image_filename": "windows-10.qcow2"}).expect(t, 200, 1, "image file is in downloading or uploading, please try again later")
	e.srv.Advance(time.Minute)
	if got := progress("upload", "windows-10.qcow2"); !strings.Contains(got, `"status": "uploading","progress": "20%"`) {
		t.Fatalf("upload progress %q", got)
	}
	img("upload_stop", map[string]any{"image_filename": "windows-10.qcow2"}).expect(t, 200, 0, "ok")
	img("upload_stop", map[string]any{"image_filename": "windows-10.qcow2"}).expect(t, 200, 0, "ok")
	img("upload_stop", map[string]any{}).expect(t, 200, 1, "additional no image_filename")
	e.srv.Advance(10 * time.Minute)
	// The node forgets a stopped transfer, and its ImageManager reads an
	// untracked file as done: the centre's listing tells whether it arrived.
	if got := progress("upload", "windows-10.qcow2"); !strings.Contains(got, `"status": "done","progress": "100%"`) {
		t.Fatalf("stopped upload %q", got)
	}
	if centre := e.c.JSON("POST", "/api/v1/images", map[string]any{"peer_nodes_list": []string{}, "additional": map[string]any{"image_server": "ID_2"}}); strings.Contains(string(centre.Body), "windows-10") {
		t.Fatalf("a stopped upload reached the centre: %s", centre.Body)
	}
	if got := progress("upload", "never-seen.qcow2"); !strings.Contains(got, `"status": "done","progress": "100%"`) {
		t.Fatalf("unknown file %q", got)
	}
	// A download stopped half way: done at 100% too, and not on the node.
	img("download", dl).expect(t, 200, 0, "ok")
	e.srv.Advance(2 * time.Minute)
	img("download_stop", map[string]any{"image_filename": "ubuntu-2204.qcow2"}).expect(t, 200, 0, "ok")
	if got := progress("download", "ubuntu-2204.qcow2"); !strings.Contains(got, `"status": "done","progress": "100%"`) {
		t.Fatalf("stopped download %q", got)
	}
	e.srv.Advance(10 * time.Minute)
	var after []map[string]string
	e.post(t, "/api/v1/images", alice(t, node1, nil)).expect(t, 200, 0).decode(t, &after)
	if len(after) != 0 {
		t.Fatalf("a stopped download left %v on the node", after)
	}
	// The client reads image_server leniently: a number is no centre.
	img("upload", map[string]any{"image_server": 2, "image_filename": "a"}).expect(t, 400, -25, "image_server not exist")
}

func TestLAN(t *testing.T) {
	e := newEnv(t)
	lan := func(name, cidr string) map[string]any {
		return alice(t, node3, map[string]any{"network_name": name, "ip_cidr": cidr})
	}
	e.post(t, "/api/v1/lan/create", lan("test", "192.168.66.0/24")).expect(t, 200, 1, "network name must be 6-10 letters or digits")
	e.post(t, "/api/v1/lan/create", lan("testnet_1", "192.168.66.0/24")).expect(t, 200, 1, "network name must be 6-10 letters or digits")
	e.post(t, "/api/v1/lan/create", lan("testnet", "192.168.66.1/24")).expect(t, 200, 1, "ip_cidr is invalid")
	e.post(t, "/api/v1/lan/create", lan("testnet", "192.168.66.0")).expect(t, 200, 1, "ip_cidr is invalid")
	e.post(t, "/api/v1/lan/create", lan("testnet", "192.168.66.0/24")).expect(t, 200, 0, "ok")
	e.post(t, "/api/v1/lan/create", lan("testnet", "192.168.67.0/24")).expect(t, 200, 1, "network name already exists")
	e.post(t, "/api/v1/lan/create", lan("othernet", "192.168.66.128/25")).expect(t, 200, 1, "ip_cidr overlaps network testnet")

	add := map[string]any{"image_name": "ubuntu.qcow2", "ssh_port": "5684", "vnc_port": "5904", "gpu_count": "1",
		"cpu_cores": "4", "mem_size": "8", "disk_size": "50", "network_name": "testnet"}
	var created struct {
		TaskID string `json:"task_id"`
	}
	e.post(t, "/api/v1/tasks/start", alice(t, node3, add)).expect(t, 200, 0).decode(t, &created)
	e.srv.Advance(3 * time.Minute)
	var info map[string]any
	e.post(t, "/api/v1/tasks/"+created.TaskID, alice(t, node3, nil)).expect(t, 200, 0).decode(t, &info)
	if info["network_name"] != "testnet" || info["local_address"].([]any)[0] != "192.168.66.2" {
		t.Fatalf("lan detail %v", info)
	}
	// The client checks no credentials for the listing: the node refuses.
	e.post(t, "/api/v1/lan", map[string]any{"peer_nodes_list": []string{node3}, "additional": map[string]any{}}).
		expect(t, 200, -3, "check authority failed: nonce check failed")
	list := e.c.JSON("POST", "/api/v1/lan", alice(t, node3, nil))
	if !strings.Contains(string(list.Body), created.TaskID) {
		t.Fatalf("lan list %s", list.Body)
	}
	e.post(t, "/api/v1/lan/delete/testnet", alice(t, node3, nil)).expect(t, 200, 1, "network is in use by task "+created.TaskID)
	// lan/delete has no credential check in the client: the node refuses.
	e.post(t, "/api/v1/lan/delete/testnet", map[string]any{"peer_nodes_list": []string{node3}, "additional": map[string]any{}}).
		expect(t, 200, -3, "check authority failed: nonce check failed")
	e.post(t, "/api/v1/tasks/delete/"+created.TaskID, alice(t, node3, nil)).expect(t, 200, 0)
	e.srv.Advance(time.Minute)
	e.post(t, "/api/v1/lan/delete/testnet", alice(t, node3, nil)).expect(t, 200, 0, "ok")
	e.post(t, "/api/v1/lan/delete/testnet", alice(t, node3, nil)).expect(t, 200, 1, "network not exist")
}

// bmBody is signed by the bare-metal node itself (its id as wallet).
func bmBody(additional any) map[string]any {
	return map[string]any{"peer_nodes_list": []string{bmNode}, "additional": orEmpty(additional),
		"wallet": bmNode, "nonce": "5tYLiAF9vVP8bRqSfV9DfZnizsDNY7dNeEWrSUAY8f1LKiZqBu8zaVs", "sign": "3c680ba745af"}
}

func TestBareMetal(t *testing.T) {
	e := newEnv(t)
	list := e.c.JSON("POST", "/api/v1/bare_metal", bmBody(nil))
	simtest.Golden(t, "bare_metal_list.json", list.Body)
	notOwner := bmBody(nil)
	notOwner["wallet"] = aliceAddr
	e.post(t, "/api/v1/bare_metal", notOwner).expect(t, 200, -3, "check authority failed: nonce check failed")
	// Without credentials (the seed's examples) the node answers; with
	// them they must be the node's own.
	bare := func(additional any) map[string]any {
		return map[string]any{"peer_nodes_list": []string{bmNode}, "additional": orEmpty(additional)}
	}
	e.post(t, "/api/v1/bare_metal", bare(nil)).expect(t, 200, 0)
	e.post(t, "/api/v1/bare_metal/add", bare(nil)).expect(t, 200, 1, "bare_metal_nodes is invalid")
	e.post(t, "/api/v1/bare_metal/delete", bare(nil)).expect(t, 200, 1, "bare_metal_node_ids is invalid")
	halfSigned := bmBody(nil)
	delete(halfSigned, "sign")
	e.post(t, "/api/v1/bare_metal", halfSigned).expect(t, 200, -3, "check authority failed: nonce check failed")

	machine := map[string]any{"uuid": "5156995b-da18-4268-9734-f8d168e90a7d", "ip": "175.221.204.111",
		"ipmi_hostname": "192.168.0.111", "ipmi_username": "admin", "ipmi_password": "pw", "ipmi_port": 623}
	var added struct {
		Nodes []struct {
			NodeID string `json:"node_id"`
			UUID   string `json:"uuid"`
		} `json:"bare_metal_nodes"`
	}
	e.post(t, "/api/v1/bare_metal/add", bmBody(map[string]any{"bare_metal_nodes": []any{machine}})).expect(t, 200, 0).decode(t, &added)
	if len(added.Nodes) != 1 || len(added.Nodes[0].NodeID) != 64 || added.Nodes[0].UUID != machine["uuid"] {
		t.Fatalf("added %+v", added)
	}
	e.post(t, "/api/v1/bare_metal/add", bmBody(map[string]any{"bare_metal_nodes": []any{machine}})).
		expect(t, 200, 1, "uuid 5156995b-da18-4268-9734-f8d168e90a7d already exists")
	delete(machine, "ipmi_password")
	e.post(t, "/api/v1/bare_metal/add", bmBody(map[string]any{"bare_metal_nodes": []any{machine}})).
		expect(t, 200, 1, "bare_metal_nodes[0] ipmi_password is empty")
	// A new machine is online, not rented.
	e.post(t, "/api/v1/bare_metal/power", alice(t, added.Nodes[0].NodeID, map[string]any{"command": "status"})).
		expect(t, 200, -3, "check authority failed: machine is not be rented")
	e.post(t, "/api/v1/bare_metal/delete", bmBody(map[string]any{"bare_metal_node_ids": []string{added.Nodes[0].NodeID}})).expect(t, 200, 0, "ok")
	e.post(t, "/api/v1/bare_metal/delete", bmBody(map[string]any{"bare_metal_node_ids": []string{added.Nodes[0].NodeID}})).
		expect(t, 200, 1, "node_id "+added.Nodes[0].NodeID+" not exist")

	e.post(t, "/api/v1/bare_metal/modify/"+bmMachine, bmBody(map[string]any{"ip": "175.221.204.120", "ipmi_port": 624})).expect(t, 200, 0, "ok")
	e.post(t, "/api/v1/bare_metal/modify/"+bmMachine, bmBody(map[string]any{"ipmi_port": "x"})).expect(t, 200, 1, "ipmi_port is invalid")
	e.post(t, "/api/v1/bare_metal/modify/"+node1, bmBody(nil)).expect(t, 200, 1, "node_id "+node1+" not exist")
	var listed struct {
		Nodes []map[string]any `json:"bare_metal_nodes"`
	}
	e.post(t, "/api/v1/bare_metal", bmBody(nil)).expect(t, 200, 0).decode(t, &listed)
	if listed.Nodes[0]["ip"] != "175.221.204.120" || listed.Nodes[0]["ipmi_port"] != 624.0 {
		t.Fatalf("after modify %v", listed.Nodes)
	}
	power := func(cmd string) answer {
		return e.post(t, "/api/v1/bare_metal/power", alice(t, bmMachine, map[string]any{"command": cmd}))
	}
	power("status").expect(t, 200, 0, "Chassis Power is on")
	power("off").expect(t, 200, 0, "ok")
	power("status").expect(t, 200, 0, "Chassis Power is on")
	e.srv.Advance(10 * time.Second)
	power("status").expect(t, 200, 0, "Chassis Power is off")
	power("reset").expect(t, 200, 1, "power is off, can not reset")
	power("boot").expect(t, 200, 1, "command is invalid")
	e.post(t, "/api/v1/bare_metal/bootdev", alice(t, bmMachine, map[string]any{"device": "pxe"})).expect(t, 200, 0, "ok")
	e.post(t, "/api/v1/bare_metal/bootdev", alice(t, bmMachine, map[string]any{"device": "usb"})).expect(t, 200, 1, "device is invalid")
	e.post(t, "/api/v1/bare_metal/power", walletBody(t, dev(t, "Bob"), bobAddr, bmMachine, map[string]any{"command": "on"})).
		expect(t, 200, -3, "check authority failed: wallet not rented")
}

func TestInjectedNativeError(t *testing.T) {
	e := newEnv(t)
	if err := e.srv.SetFaults(state.FaultRule{Name: "relay", Match: state.FaultMatch{Route: "tasks"},
		Action: state.FaultAction{Error: &state.NativeErrorSpec{Code: "-32701", Msg: "broadcast request failed"}}}); err != nil {
		t.Fatal(err)
	}
	e.post(t, "/api/v1/tasks", alice(t, node1, nil)).expect(t, 400, -32701, "broadcast request failed")
	if err := e.srv.SetFaults(state.FaultRule{Name: "node", Match: state.FaultMatch{Route: "tasks/{id}"},
		Action: state.FaultAction{Error: &state.NativeErrorSpec{Code: "-3", Msg: "check authority failed: machine is not be rented"}}}); err != nil {
		t.Fatal(err)
	}
	e.post(t, "/api/v1/tasks/abc", alice(t, node1, nil)).expect(t, 200, -3, "check authority failed: machine is not be rented")
}

func TestTransferFailure(t *testing.T) {
	e := newEnv(t)
	if err := e.srv.SetFaults(state.FaultRule{Name: "dl", Match: state.FaultMatch{Route: "images/download"},
		Action: state.FaultAction{FailTask: &state.FailTaskSpec{}}}); err != nil {
		t.Fatal(err)
	}
	e.post(t, "/api/v1/images/download", alice(t, node2, map[string]any{"image_server": "ID_2", "image_filename": "centos-7.qcow2", "local_dir": "/data"})).expect(t, 200, 0)
	e.srv.Advance(10 * time.Minute)
	r := e.c.JSON("POST", "/api/v1/images/downloadprogress", alice(t, node2, map[string]any{"image_filename": "centos-7.qcow2"}))
	if !strings.Contains(string(r.Body), `"status": "done","progress": "100%"`) {
		t.Fatalf("failed download %s (the node reads a transfer whose process ended as done)", r.Body)
	}
	var imgs []map[string]string
	e.post(t, "/api/v1/images", map[string]any{"peer_nodes_list": []string{node2}, "additional": map[string]any{}}).expect(t, 200, 0).decode(t, &imgs)
	if len(imgs) != 1 {
		t.Fatalf("a failed download left an image: %v", imgs)
	}
}

func TestJournalOperations(t *testing.T) {
	e := newEnv(t)
	id := e.createVM(t, nil)
	e.post(t, "/api/v1/tasks/"+id, alice(t, node1, nil))
	e.post(t, "/api/v1/tasks/start/"+id, alice(t, node1, nil))
	e.post(t, "/api/v1/tasks/restart/"+id+"?force_reboot=1", alice(t, node1, nil))
	for _, op := range []string{"tasks/start", "tasks/{id}", "tasks/start/{id}", "tasks/restart"} {
		if got := e.srv.Requests(state.JournalFilter{Panel: "dbc", Op: op}); len(got) != 1 {
			t.Errorf("journal has %d entries for %s", len(got), op)
		}
	}
}

// The client's own image checks (rest_api_service): /images/servers needs
// only a JSON object; image_server is checked before the credentials of
// download and upload, but not by progress, stop or delete; the centre
// listing is built by hand; /images parse errors carry no offset.
func TestImagesClientSide(t *testing.T) {
	e := newEnv(t, panelsimtest.WithValidation("off"))
	raw := func(path, body string) *simtest.Response {
		t.Helper()
		return e.c.Do("POST", path, []byte(body), "Content-Type", "application/json")
	}
	if r := raw("/api/v1/images/servers", `{}`); r.Status != 200 || string(r.Body) != "{\"errcode\":0, \"message\":{\"image_server\":[\"ID_1\",\"ID_2\"]}}\r\n" {
		t.Fatalf("servers with {}: %d %q", r.Status, r.Body)
	}
	centre := raw("/api/v1/images", `{"peer_nodes_list":[],"additional":{"image_server":"ID_2"}}`)
	if string(centre.Body) != "{\"errcode\":0,\"message\": [{\"image_name\":\"ubuntu.qcow2\",\"image_size\":\"2.1G\"},{\"image_name\":\"centos-7.qcow2\",\"image_size\":\"1.8G\"}]}\r\n" {
		t.Fatalf("centre listing %q", centre.Body)
	}
	pretty := func(msg string) string { return "{\n    \"errcode\": -25,\n    \"message\": \"" + msg + "\"\n}\r\n" }
	cases := []struct{ path, body, msg string }{
		{"/api/v1/images/servers", `{"a":}`, "json parse error: Invalid value."},
		{"/api/v1/images/servers", `[]`, "invalid json"},
		{"/api/v1/images", `{"a":}`, "json parse error: Invalid value."},
		{"/api/v1/images/download", `{"peer_nodes_list":[],"additional":{}}`, "peer_nodeid is empty"},
		{"/api/v1/images/download", `{"peer_nodes_list":["` + node1 + `"],"additional":{}}`, "image_server not exist"},
		{"/api/v1/images/download", `{"peer_nodes_list":["` + node1 + `"],"additional":{"image_server":"ID_9"}}`, "image_server not exist"},
		{"/api/v1/images/download", `{"peer_nodes_list":["` + node1 + `"],"additional":{"image_server":"ID_1"}}`, "session_id and wallet all invalid"},
		{"/api/v1/images/upload", `{"peer_nodes_list":[],"additional":{}}`, "image_server not exist"},
		{"/api/v1/images/upload", `{"peer_nodes_list":["` + node1 + `"],"additional":{"image_server":"ID_1"}}`, "session_id and wallet all invalid"},
	}
	for _, tc := range cases {
		if r := raw(tc.path, tc.body); r.Status != 400 || string(r.Body) != pretty(tc.msg) {
			t.Errorf("%s %s: %d %q, want %q", tc.path, tc.body, r.Status, r.Body, tc.msg)
		}
	}
	// An unknown centre id means nothing to progress, stop and delete.
	for _, verb := range []string{"downloadprogress", "download_stop"} {
		e.post(t, "/api/v1/images/"+verb, alice(t, node1, map[string]any{"image_server": "ID_9", "image_filename": "ubuntu.qcow2"})).expect(t, 200, 0)
	}
	e.post(t, "/api/v1/images/delete", alice(t, node1, map[string]any{"image_server": "ID_9", "image_filename": "nope.qcow2"})).
		expect(t, 200, 1, "image file:nope.qcow2 is not exist")
}

// The node lists a VM's disks from a map keyed by name: vda, vdb, vdc...
// whatever order they were added in.
func TestDetailDisksByName(t *testing.T) {
	e := newEnv(t)
	id := e.closedVM(t)
	disk := func(verb string, add map[string]any, d time.Duration) {
		t.Helper()
		e.post(t, "/api/v1/disk/"+verb+"/"+id, alice(t, node1, add)).expect(t, 200, 0, "ok")
		e.srv.Advance(d)
	}
	disk("add", map[string]any{"size": 10}, 20*time.Second)
	disk("delete", map[string]any{"disk": "vdb"}, 10*time.Second)
	disk("add", map[string]any{"size": 30}, 20*time.Second)
	var info struct {
		Disks []struct{ Name, Size string } `json:"disks"`
	}
	e.post(t, "/api/v1/tasks/"+id, alice(t, node1, nil)).expect(t, 200, 0).decode(t, &info)
	var names []string
	for _, d := range info.Disks {
		names = append(names, d.Name+"="+d.Size)
	}
	if got := strings.Join(names, ","); got != "vda=350G,vdb=30G,vdc=10G" {
		t.Fatalf("disks %s", got)
	}
}
