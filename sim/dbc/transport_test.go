package dbc_test

import (
	"strings"
	"testing"

	"github.com/panelsim/panelsim/panelsimtest"
)

// The version root answers for any method.
func TestVersionRootAnyMethod(t *testing.T) {
	e := newEnv(t)
	for _, m := range []string{"GET", "POST", "PUT", "DELETE"} {
		for _, p := range []string{"/api/v1/", "/api/v1"} {
			r := e.c.Do(m, p, nil)
			want := "{\n    \"errcode\": 0,\n    \"message\": {\n        \"client_version\": \"0.4.1.7\"\n    }\n}\r\n"
			if r.Status != 200 || string(r.Body) != want {
				t.Fatalf("%s %s: %d %q", m, p, r.Status, r.Body)
			}
			if r.Header.Get("Content-Type") != "application/json" || r.Header.Get("Access-Control-Allow-Origin") != "*" {
				t.Fatalf("headers %v", r.Header)
			}
		}
	}
}

func TestNonPostIsRefused(t *testing.T) {
	e := newEnv(t)
	// An unknown prefix is unknown for any method.
	unknown := e.c.Do("GET", "/api/v1/nothing", nil)
	if unknown.Status != 404 || !strings.Contains(string(unknown.Body), "not support uri:/api/v1/nothing") {
		t.Fatalf("GET unknown route: %d %s", unknown.Status, unknown.Body)
	}
	for _, m := range []string{"GET", "PUT", "DELETE", "PATCH"} {
		r := e.c.Do(m, "/api/v1/tasks", nil)
		want := "{\n    \"errcode\": -32600,\n    \"message\": \"only support POST request\"\n}\r\n"
		if r.Status != 400 || string(r.Body) != want {
			t.Fatalf("%s: %d %q", m, r.Status, r.Body)
		}
	}
}

// Malformed URIs have no operation in the contract, so neither strict
// request validation nor the response check applies to them.
func TestUnknownRoutes(t *testing.T) {
	e := newEnv(t, panelsimtest.WithValidation("off"))
	e.c.SkipValidation = true
	cases := []struct {
		path   string
		status int
		code   int
		msg    string
	}{
		{"/api/v1/nothing", 404, -32601, "not support uri:/api/v1/nothing"},
		{"/api/v1/nothing?x=1", 404, -32601, "not support uri:/api/v1/nothing?x=1"},
		{"/api/v1/tasks/foo/abc", 400, -32600, "invalid requests uri"},
		{"/api/v1/tasks/shutdown/", 400, -25, "task_id is empty"},
		{"/api/v1/tasks/logs/", 400, -25, "invalid uri, please use /tasks/logs/{task_id}?flag=tail&line_num=100"},
		{"/api/v1/disk/foo/abc", 400, -32600, "invalid requests uri"},
		{"/api/v1/disk/list", 400, -25, "task_id is empty"},
		{"/api/v1/snapshot/foo/abc", 400, -32600, "invalid uri"},
		{"/api/v1/images/foo", 400, -32600, "invalid requests uri"},
		{"/api/v1/lan/foo", 400, -32600, "invalid requests uri"},
		{"/api/v1/bare_metal/foo", 400, -32600, "invalid requests uri"},
	}
	for _, tc := range cases {
		t.Run(tc.path, func(t *testing.T) {
			e.post(t, tc.path, alice(t, node1, nil)).expect(t, tc.status, tc.code, tc.msg)
		})
	}
}

// Body checks run in the client's order with its exact messages. Strict
// contract validation would answer first, so these run with it off.
func TestBodyValidation(t *testing.T) {
	e := newEnv(t, panelsimtest.WithValidation("off"))
	cases := []struct {
		name, path, body, msg string
	}{
		{"empty", "/api/v1/tasks", "", "http request body is empty"},
		{"whitespace", "/api/v1/tasks", "  ", "json parse error: The document is empty.(2)"},
		{"garbage", "/api/v1/tasks", "{x", "json parse error: Missing a name for object member.(1)"},
		{"bad value", "/api/v1/tasks", `{"a":}`, "json parse error: Invalid value.(5)"},
		{"array", "/api/v1/tasks", `[1]`, "invalid json"},
		{"no peers", "/api/v1/tasks", `{}`, "has no peer_nodes_list"},
		{"peers not array", "/api/v1/tasks", `{"peer_nodes_list":"x"}`, "peer_nodes_list is not array"},
		{"no additional", "/api/v1/tasks", `{"peer_nodes_list":[]}`, "has no additional"},
		{"additional not object", "/api/v1/tasks", `{"peer_nodes_list":[],"additional":[]}`, "additional is not object"},
		{"wallet not string", "/api/v1/tasks", `{"peer_nodes_list":[],"additional":{},"wallet":1}`, "wallet is not string"},
		{"disk prefix", "/api/v1/disk/list/x", `{"peer_nodes_list":[],"additional":{},"nonce":1}`, "parse request params failed: nonce is not string"},
		{"mining prefix", "/api/v1/mining_nodes", `{"peer_nodes_list":[],"additional":{},"sign":1}`, "parse req params failed: sign is not string"},
		// The prefix covers every message of the client's parse_req_params,
		// the envelope's own members included.
		{"disk prefix no peers", "/api/v1/disk/list/x", `{}`, "parse request params failed: has no peer_nodes_list"},
		{"images prefix peers", "/api/v1/images", `{"peer_nodes_list":"x"}`, "parse request params failed: peer_nodes_list is not array"},
		{"images prefix additional", "/api/v1/images/upload", `{"peer_nodes_list":[],"additional":1}`, "parse request params failed: additional is not object"},
		{"mining prefix no additional", "/api/v1/mining_nodes", `{"peer_nodes_list":[]}`, "parse req params failed: has no additional"},
		{"lan prefix multisig", "/api/v1/lan", `{"peer_nodes_list":[],"additional":{},"multisig_accounts":{}}`, "parse req params failed: multisig_accounts has no member wallets"},
		{"tasks bare", "/api/v1/tasks/start", `{"additional":{}}`, "has no peer_nodes_list"},
		{"bare metal list prefix", "/api/v1/bare_metal", `{"peer_nodes_list":"x"}`, "parse req params failed: peer_nodes_list is not array"},
		{"bare metal add bare", "/api/v1/bare_metal/add", `{"peer_nodes_list":"x"}`, "peer_nodes_list is not array"},
		// The /disk and /images handlers print rapidjson's message without
		// the offset.
		{"disk parse error", "/api/v1/disk/add/x", `{x`, "json parse error: Missing a name for object member."},
		{"multisig not object", "/api/v1/tasks", `{"peer_nodes_list":[],"additional":{},"multisig_accounts":1}`, "multisig_accounts is not object"},
		{"multisig threshold", "/api/v1/tasks", `{"peer_nodes_list":[],"additional":{},"multisig_accounts":{"wallets":[],"threshold":2}}`, "multisig_accounts member threshold is not string"},
		{"session not string", "/api/v1/tasks", `{"peer_nodes_list":[],"additional":{},"session_id":1}`, "session_id is not string"},
		{"no node", "/api/v1/tasks", `{"peer_nodes_list":[],"additional":{}}`, "peer_nodeid is empty"},
		{"empty node", "/api/v1/tasks", `{"peer_nodes_list":[""],"additional":{}}`, "peer_nodeid is empty"},
		{"no credentials", "/api/v1/tasks", `{"peer_nodes_list":["` + node1 + `"],"additional":{}}`, "wallet_sign and multisig_wallets all invalid"},
		{"no credentials create", "/api/v1/tasks/start", `{"peer_nodes_list":["` + node1 + `"],"additional":{}}`, "session_id and wallet all invalid"},
		{"half wallet", "/api/v1/disk/list/x", `{"peer_nodes_list":["` + node1 + `"],"additional":{},"wallet":"w","nonce":"n"}`, "session_id and wallet all invalid"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := e.c.Do("POST", tc.path, []byte(tc.body), "Content-Type", "application/json")
			if r.Status != 400 {
				t.Fatalf("status %d: %s", r.Status, r.Body)
			}
			want := "{\n    \"errcode\": -25,\n    \"message\": \"" + strings.ReplaceAll(tc.msg, `"`, `\"`) + "\"\n}\r\n"
			if string(r.Body) != want {
				t.Fatalf("body %q, want %q", r.Body, want)
			}
		})
	}
}

func TestUnknownNodeTimesOut(t *testing.T) {
	e := newEnv(t)
	other := strings.Repeat("ab", 32)
	e.post(t, "/api/v1/tasks", alice(t, other, nil)).expect(t, 500, -1, "list task timeout")
	e.post(t, "/api/v1/tasks/start", alice(t, other, nil)).expect(t, 500, -1, "create task timeout")
	e.post(t, "/api/v1/tasks/poweroff/x", alice(t, other, nil)).expect(t, 500, -1, "stop task timeout")
	e.post(t, "/api/v1/mining_nodes", alice(t, other, nil)).expect(t, 500, -1, "query node info timeout")
}

func TestBareMetalNodeRefusesVMCalls(t *testing.T) {
	e := newEnv(t)
	e.post(t, "/api/v1/tasks", alice(t, bmMachine, nil)).expect(t, 200, -3, "bare metal nodes are not supported")
}
