package dbc_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/panelsim/panelsim/internal/simtest"
)

// TestBareMetalSeedExamples sends the seed's bare-metal bodies as written
// (comments aside): list, add and delete carry no credentials and address
// the bare-metal node 441f631d...; power and bootdev go to the machine
// 8c29b20d... with the renter's session. Every answer is pinned, and the
// boot device shows in the inspection hook.
func TestBareMetalSeedExamples(t *testing.T) {
	e := newEnv(t)
	var tr []map[string]any
	step := func(name, path, body string, code int) answer {
		t.Helper()
		r := e.c.Do("POST", path, []byte(body), "Content-Type", "application/json")
		var a answer
		r.Decode(t, &a)
		a.Status, a.Body = r.Status, r.Body
		a.expect(t, 200, code)
		tr = append(tr, map[string]any{"step": name, "status": r.Status, "body": json.RawMessage(r.Body)})
		return a
	}
	step("list", "/api/v1/bare_metal", `{
  "peer_nodes_list": ["441f631da912b2186a3ef0452430f139cf01641bf4e2dce07e06103d8d70e533"],
  "additional": {}
}`, 0)
	var added struct {
		Nodes []struct {
			NodeID string `json:"node_id"`
		} `json:"bare_metal_nodes"`
	}
	step("add", "/api/v1/bare_metal/add", `{
  "peer_nodes_list": ["441f631da912b2186a3ef0452430f139cf01641bf4e2dce07e06103d8d70e533"],
  "additional": {
    "bare_metal_nodes": [
      {
        "uuid": "3156995b-da18-4268-9734-f8d168e90a7d",
        "ip": "175.221.204.110",
        "os": "Ubuntu 20.04.3 LTS (Focal Fossa) 5.4.0-121-generic GNU/Linux",
        "desc": "在xxx平台租用的裸金属服务器,用于xxx业务,机房id是9f01ca9c-38bd-46a9-9637-dac92b352a63",
        "ipmi_hostname": "192.168.0.110",
        "ipmi_username": "admin",
        "ipmi_password": "dbtu2017"
      }
    ]
  }
}`, 0).decode(t, &added)
	if len(added.Nodes) != 1 || len(added.Nodes[0].NodeID) != 64 {
		t.Fatalf("added %+v", added)
	}
	step("delete", "/api/v1/bare_metal/delete", `{
  "peer_nodes_list": ["441f631da912b2186a3ef0452430f139cf01641bf4e2dce07e06103d8d70e533"],
  "additional": {
    "bare_metal_node_ids": ["8c29b20da3fdb2d6c5ad7c2c85b303d9d337a1b82fa584a6b6cf1303331efd16"]
  }
}`, 0)
	step("list after", "/api/v1/bare_metal", `{"peer_nodes_list": ["441f631da912b2186a3ef0452430f139cf01641bf4e2dce07e06103d8d70e533"], "additional": {}}`, 0)
	simtest.Golden(t, "bare_metal_seed_examples.json", mustJSON(t, tr))
}

// TestBareMetalBootDevIsState: the boot device chosen with bare_metal/bootdev
// is the machine's state, read back in the bare_metal listing (its bootdev
// key) and in the inspection hook; a refused bootdev changes neither, and
// the seed's power/bootdev examples, sent to the bare-metal node's id, get
// the node's refusal.
func TestBareMetalBootDevIsState(t *testing.T) {
	e := newEnv(t)
	sid := sessionOf(t, e, alice(t, bmMachine, nil))
	signed := func(additional map[string]any) map[string]any {
		return map[string]any{"peer_nodes_list": []string{bmMachine}, "additional": additional,
			"session_id": sid, "session_id_sign": dev(t, "Alice").sign(t, sid)}
	}
	hook := func() string {
		t.Helper()
		var nodes []struct {
			ID      string `json:"id"`
			BootDev string `json:"bootdev"`
		}
		e.c.Get("/_panelsim/dbc/nodes").Expect(t, 200).Decode(t, &nodes)
		for _, n := range nodes {
			if n.ID == bmMachine {
				return n.BootDev
			}
		}
		t.Fatal("machine not in the hook")
		return ""
	}
	listing := func() (string, answer) {
		t.Helper()
		a := e.post(t, "/api/v1/bare_metal", map[string]any{"peer_nodes_list": []string{bmNode}, "additional": map[string]any{}})
		a.expect(t, 200, 0)
		var list struct {
			Nodes []map[string]json.RawMessage `json:"bare_metal_nodes"`
		}
		a.decode(t, &list)
		for _, n := range list.Nodes {
			var id, device string
			if json.Unmarshal(n["node_id"], &id) == nil && id == bmMachine {
				if err := json.Unmarshal(n["bootdev"], &device); err != nil {
					t.Fatalf("listing entry without a bootdev string: %s", mustJSON(t, n))
				}
				return device, a
			}
		}
		t.Fatalf("machine not in the listing: %s", a.Body)
		return "", a
	}
	want := func(device, when string) answer {
		t.Helper()
		got, a := listing()
		if got != device {
			t.Fatalf("%s: listing shows boot device %q, want %q", when, got, device)
		}
		if got := hook(); got != device {
			t.Fatalf("%s: hook shows boot device %q, want %q", when, got, device)
		}
		return a
	}
	want("disk", "seeded")
	e.post(t, "/api/v1/bare_metal/bootdev", signed(map[string]any{"device": "pxe"})).expect(t, 200, 0, "ok")
	simtest.Golden(t, "bare_metal_list_after_bootdev.json", want("pxe", "after bootdev pxe").Body)
	e.post(t, "/api/v1/bare_metal/bootdev", signed(map[string]any{"device": "usb"})).expect(t, 200, 1, "device is invalid")
	want("pxe", "after a refused bootdev")
	e.post(t, "/api/v1/bare_metal/bootdev", signed(map[string]any{"device": "bios"})).expect(t, 200, 0, "ok")
	want("bios", "after bootdev bios")
	e.post(t, "/api/v1/bare_metal/power", signed(map[string]any{"command": "on"})).expect(t, 200, 0, "ok")
	e.srv.Advance(10 * time.Second)
	e.post(t, "/api/v1/bare_metal/bootdev", map[string]any{"peer_nodes_list": []string{bmNode}, "additional": map[string]any{"device": "pxe"},
		"session_id": sid, "session_id_sign": dev(t, "Alice").sign(t, sid)}).expect(t, 200, 1, "node is not a bare metal node")
	want("bios", "after bootdev sent to the bare-metal node")
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestUploadFromClient: the seed's second upload example (no node) sends a
// file of the client's own /data directory to the image centre; the client
// answers its hand-built "ok", and the centre lists the image once the
// transfer ends.
func TestUploadFromClient(t *testing.T) {
	e := newEnv(t)
	var tr []map[string]any
	send := func(name, body string, status int) string {
		t.Helper()
		r := e.c.Do("POST", "/api/v1/images/upload", []byte(body), "Content-Type", "application/json").Expect(t, status)
		tr = append(tr, map[string]any{"step": name, "status": r.Status, "body": json.RawMessage(r.Body)})
		return string(r.Body)
	}
	if got := send("seed example", `{
  "peer_nodes_list": [],
  "additional": {
    "image_filename": "ubuntu.qcow2",
    "image_server": "ID_1"
  }
}`, 200); got != "{\"errcode\":0,\"message\": \"ok\"}\r\n" {
		t.Fatalf("client upload answered %q", got)
	}
	send("own image", `{"peer_nodes_list": [], "additional": {"image_filename": "custom-app.qcow2", "image_server": "ID_2"}}`, 200)
	send("missing file", `{"peer_nodes_list": [], "additional": {"image_filename": "nope.qcow2", "image_server": "ID_2"}}`, 400)
	send("no file name", `{"peer_nodes_list": [], "additional": {"image_server": "ID_2"}}`, 400)
	send("unknown centre", `{"peer_nodes_list": [], "additional": {"image_filename": "custom-app.qcow2", "image_server": "ID_9"}}`, 400)
	centre := func() string {
		return string(e.c.JSON("POST", "/api/v1/images", map[string]any{"peer_nodes_list": []string{}, "additional": map[string]any{"image_server": "ID_2"}}).Expect(t, 200).Body)
	}
	e.srv.Advance(4 * time.Minute)
	if strings.Contains(centre(), "custom-app.qcow2") {
		t.Fatal("the image reached the centre before the upload ended")
	}
	e.srv.Advance(time.Minute)
	if !strings.Contains(centre(), `{"image_name":"custom-app.qcow2","image_size":"3.2G"}`) {
		t.Fatalf("centre after the upload: %s", centre())
	}
	simtest.Golden(t, "upload_from_client.json", mustJSON(t, tr))
}
