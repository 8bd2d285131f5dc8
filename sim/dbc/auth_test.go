package dbc_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/panelsim/panelsim/panelsimtest"
)

const (
	onlineNode  = "1111111111111111111111111111111111111111111111111111111111111111"
	bobNode     = "2222222222222222222222222222222222222222222222222222222222222222"
	msigNode    = "3333333333333333333333333333333333333333333333333333333333333333"
	expiring    = "4444444444444444444444444444444444444444444444444444444444444444"
	verifyNode  = "5555555555555555555555555555555555555555555555555555555555555555"
	aliceOnNode = node1
)

func authScenario(mode string, rejectReuse bool) string {
	reuse := "false"
	if rejectReuse {
		reuse = "true"
	}
	return `
seed: 7
dbc:
  signatures: ` + mode + `
  reject_reused_nonces: ` + reuse + `
  image_servers:
    - {id: ID_1, images: [{name: ubuntu.qcow2, size: 2.1G}]}
  nodes:
    - {id: ` + node1 + `, renter: //Alice}
    - {id: ` + onlineNode + `, status: online}
    - {id: ` + verifyNode + `, status: verify}
    - {id: ` + bobNode + `, renter: //Bob}
    - {id: ` + expiring + `, renter: //Alice, rent_until: 2025-01-01T01:00:00Z}
    - id: ` + msigNode + `
      renter_multisig: {wallets: [//Alice, //Bob], threshold: 2}
`
}

func TestSignatureVerification(t *testing.T) {
	e := newEnv(t, panelsimtest.WithScenarioYAML(authScenario("verify", false)))
	e.post(t, "/api/v1/tasks", alice(t, node1, nil)).expect(t, 200, 0)

	t.Run("signature without 0x", func(t *testing.T) {
		b := alice(t, node1, nil)
		b["sign"] = strings.TrimPrefix(b["sign"].(string), "0x")
		e.post(t, "/api/v1/tasks", b).expect(t, 200, 0)
	})
	t.Run("wrong key", func(t *testing.T) {
		b := walletBody(t, dev(t, "Bob"), aliceAddr, node1, nil)
		e.post(t, "/api/v1/tasks", b).expect(t, 200, -3, "check authority failed: nonce check failed")
	})
	t.Run("signature of another nonce", func(t *testing.T) {
		b := alice(t, node1, nil)
		b["nonce"] = "another"
		e.post(t, "/api/v1/tasks", b).expect(t, 200, -3, "check authority failed: nonce check failed")
	})
	t.Run("garbage signature", func(t *testing.T) {
		b := alice(t, node1, nil)
		b["sign"] = "0x1234"
		e.post(t, "/api/v1/tasks", b).expect(t, 200, -3, "check authority failed: nonce check failed")
	})
	t.Run("not the renter", func(t *testing.T) {
		b := walletBody(t, dev(t, "Bob"), bobAddr, node1, nil)
		e.post(t, "/api/v1/tasks", b).expect(t, 200, -3, "check authority failed: wallet not rented")
	})
	t.Run("node not rented", func(t *testing.T) {
		e.post(t, "/api/v1/tasks", alice(t, onlineNode, nil)).expect(t, 200, -3, "check authority failed: machine is not be rented")
	})
	t.Run("node in verification", func(t *testing.T) {
		e.post(t, "/api/v1/tasks", alice(t, verifyNode, nil)).expect(t, 200, -3, "check authority failed: not in verify time")
	})
	t.Run("bob on his node", func(t *testing.T) {
		e.post(t, "/api/v1/tasks", walletBody(t, dev(t, "Bob"), bobAddr, bobNode, nil)).expect(t, 200, 0)
	})
	t.Run("reused nonce accepted like the real node", func(t *testing.T) {
		b := alice(t, node1, nil)
		e.post(t, "/api/v1/tasks", b).expect(t, 200, 0)
		e.post(t, "/api/v1/tasks", b).expect(t, 200, 0)
	})
}

func TestReusedNonceRejectedWhenAsked(t *testing.T) {
	e := newEnv(t, panelsimtest.WithScenarioYAML(authScenario("verify", true)))
	b := alice(t, node1, nil)
	e.post(t, "/api/v1/tasks", b).expect(t, 200, 0)
	e.post(t, "/api/v1/tasks", b).expect(t, 200, -3, "check authority failed: nonce check failed")
	e.post(t, "/api/v1/tasks", alice(t, node1, nil)).expect(t, 200, 0)
}

func TestTrustMode(t *testing.T) {
	e := newEnv(t, panelsimtest.WithScenarioYAML(authScenario("trust", false)))
	b := map[string]any{"peer_nodes_list": []string{node1}, "additional": map[string]any{},
		"wallet": aliceAddr, "nonce": "n", "sign": "anything"}
	e.post(t, "/api/v1/tasks", b).expect(t, 200, 0)
	b["wallet"] = bobAddr
	e.post(t, "/api/v1/tasks", b).expect(t, 200, -3, "check authority failed: wallet not rented")
}

func sessionOf(t *testing.T, e *env, body map[string]any) string {
	t.Helper()
	var m struct {
		SessionID string `json:"session_id"`
	}
	e.post(t, "/api/v1/mining_nodes/session_id", body).expect(t, 200, 0).decode(t, &m)
	if len(m.SessionID) < 40 {
		t.Fatalf("session id %q", m.SessionID)
	}
	return m.SessionID
}

func TestSessionID(t *testing.T) {
	e := newEnv(t, panelsimtest.WithScenarioYAML(authScenario("verify", false)))
	sid := sessionOf(t, e, alice(t, node1, nil))
	if again := sessionOf(t, e, alice(t, node1, nil)); again != sid {
		t.Fatalf("session id changed: %s then %s", sid, again)
	}
	a := dev(t, "Alice")
	withSession := map[string]any{"peer_nodes_list": []string{node1}, "additional": map[string]any{},
		"session_id": sid, "session_id_sign": a.sign(t, sid)}
	e.post(t, "/api/v1/tasks", withSession).expect(t, 200, 0)
	// Session credentials may be reused.
	e.post(t, "/api/v1/tasks", withSession).expect(t, 200, 0)
	e.post(t, "/api/v1/mining_nodes/session_id", withSession).expect(t, 200, -3, "check authority failed")

	forged := map[string]any{"peer_nodes_list": []string{node1}, "additional": map[string]any{},
		"session_id": sid, "session_id_sign": dev(t, "Bob").sign(t, sid)}
	e.post(t, "/api/v1/tasks", forged).expect(t, 200, -3, "check authority failed: session_id is invalid")
	unknown := map[string]any{"peer_nodes_list": []string{node1}, "additional": map[string]any{},
		"session_id": "nope", "session_id_sign": a.sign(t, "nope")}
	e.post(t, "/api/v1/tasks", unknown).expect(t, 200, -3, "check authority failed: session_id is invalid")
	// Without its signature the session id is not a credential: a bad
	// wallet signature next to it is a failed nonce check (check_authority
	// names the session only when both session fields are set).
	half := walletBody(t, dev(t, "Bob"), aliceAddr, node1, nil)
	half["session_id"] = sid
	e.post(t, "/api/v1/tasks", half).expect(t, 200, -3, "check authority failed: nonce check failed")
}

func TestRentExpiry(t *testing.T) {
	e := newEnv(t, panelsimtest.WithScenarioYAML(authScenario("verify", false)))
	sid := sessionOf(t, e, alice(t, expiring, nil))
	sess := map[string]any{"peer_nodes_list": []string{expiring}, "additional": map[string]any{},
		"session_id": sid, "session_id_sign": dev(t, "Alice").sign(t, sid)}
	e.post(t, "/api/v1/tasks", sess).expect(t, 200, 0)
	e.srv.Advance(time.Hour)
	e.post(t, "/api/v1/tasks", sess).expect(t, 200, -3, "check authority failed: machine has already expired")
	e.post(t, "/api/v1/tasks", alice(t, expiring, nil)).expect(t, 200, -3, "check authority failed: wallet not rented")
}

func multisigBody(t *testing.T, node string, threshold string, signers ...string) map[string]any {
	signs := []map[string]string{}
	addrs := map[string]string{"Alice": aliceAddr, "Bob": bobAddr}
	for _, s := range signers {
		n := freshNonce()
		signs = append(signs, map[string]string{"wallet": addrs[s], "nonce": n, "sign": dev(t, s).sign(t, n)})
	}
	return map[string]any{"peer_nodes_list": []string{node}, "additional": map[string]any{},
		"multisig_accounts": map[string]any{"wallets": []string{aliceAddr, bobAddr}, "threshold": threshold, "signs": signs}}
}

func TestMultisig(t *testing.T) {
	e := newEnv(t, panelsimtest.WithScenarioYAML(authScenario("verify", false)))
	e.post(t, "/api/v1/tasks", multisigBody(t, msigNode, "2", "Alice", "Bob")).expect(t, 200, 0)
	// Threshold above the signs: the client's precheck refuses.
	e.post(t, "/api/v1/tasks", multisigBody(t, msigNode, "2", "Alice")).expect(t, 400, -25, "wallet_sign and multisig_wallets all invalid")
	// A threshold of 0 passes the client's precheck; the node finds it
	// invalid, which the caller sees as a failed nonce check.
	e.post(t, "/api/v1/tasks", multisigBody(t, msigNode, "0", "Alice", "Bob")).expect(t, 200, -3, "check authority failed: nonce check failed")
	e.post(t, "/api/v1/tasks", multisigBody(t, msigNode, "0")).expect(t, 200, -3, "check authority failed: nonce check failed")
	// atoi: "2 of 2" is 2, the renter's account.
	e.post(t, "/api/v1/tasks", multisigBody(t, msigNode, "2 of 2", "Alice", "Bob")).expect(t, 200, 0)
	// A different threshold is a different account: not the renter.
	e.post(t, "/api/v1/tasks", multisigBody(t, msigNode, "1", "Alice")).expect(t, 200, -3, "check authority failed: wallet not rented")
	// A bad signature below the threshold.
	b := multisigBody(t, msigNode, "2", "Alice", "Bob")
	signs := b["multisig_accounts"].(map[string]any)["signs"].([]map[string]string)
	signs[1]["sign"] = signs[0]["sign"]
	e.post(t, "/api/v1/tasks", b).expect(t, 200, -3, "check authority failed: nonce check failed")
	// Any signer may sign the multisig renter's session id.
	sid := sessionOf(t, e, multisigBody(t, msigNode, "2", "Alice", "Bob"))
	sess := map[string]any{"peer_nodes_list": []string{msigNode}, "additional": map[string]any{},
		"session_id": sid, "session_id_sign": dev(t, "Bob").sign(t, sid)}
	e.post(t, "/api/v1/tasks", sess).expect(t, 200, 0)
}

func TestTasksAreThePerWalletView(t *testing.T) {
	e := newEnv(t)
	id := e.createVM(t, nil)
	var list []map[string]any
	e.post(t, "/api/v1/tasks", alice(t, node1, nil)).expect(t, 200, 0).decode(t, &list)
	if len(list) != 1 || list[0]["task_id"] != id {
		raw, _ := json.Marshal(list)
		t.Fatalf("list %s", raw)
	}
	e.post(t, "/api/v1/tasks", alice(t, node2, nil)).expect(t, 200, 0).decode(t, &list)
	if len(list) != 0 {
		t.Fatalf("node2 lists %v", list)
	}
	e.post(t, "/api/v1/tasks/"+id, alice(t, node2, nil)).expect(t, 200, -3, "task_id not exist")
}

// The inspection hook shows what the API hides.
func TestNodesHook(t *testing.T) {
	e := newEnv(t)
	sid := sessionOf(t, e, alice(t, node1, nil))
	id := e.createVM(t, nil)
	var nodes []struct {
		ID       string            `json:"id"`
		Kind     string            `json:"kind"`
		Renter   string            `json:"renter"`
		Sessions map[string]string `json:"sessions"`
		Tasks    []struct {
			TaskID string `json:"task_id"`
			Status string `json:"status"`
		} `json:"tasks"`
	}
	e.c.Get("/_panelsim/dbc/nodes").Expect(t, 200).Decode(t, &nodes)
	if len(nodes) != 4 {
		t.Fatalf("%d nodes", len(nodes))
	}
	for _, n := range nodes {
		if n.ID == node1 && (n.Sessions[aliceAddr] != sid || len(n.Tasks) != 1 || n.Tasks[0].TaskID != id || n.Tasks[0].Status != "creating") {
			t.Fatalf("node1 %+v", n)
		}
		if n.ID == bmMachine && n.Kind != "bare_metal" {
			t.Fatalf("machine %+v", n)
		}
	}
}
