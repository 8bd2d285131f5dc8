package dbc_test

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sync"
	"testing"

	schnorrkel "github.com/ChainSafe/go-schnorrkel"

	"github.com/panelsim/panelsim/internal/simtest"
	"github.com/panelsim/panelsim/panelsimtest"
)

// The seed's node ids, rented by //Alice in the default scenario.
const (
	node1     = "58fb618aa482c41114eb3cfdaefd3ba183172da9e25251449d045043fbd37f45"
	node2     = "80720ffadecb07087b3a5b6f88b91b58f7c738b15405c93914ee04f607a14965"
	node3     = "441f631da912b2186a3ef0452430f139cf01641bf4e2dce07e06103d8d70e533"
	bmNode    = "441f631da912b2186a3ef0452430f139cf01641bf4e2dce07e06103d8d70e533" // also node3: the seed gives it both roles
	bmMachine = "8c29b20da3fdb2d6c5ad7c2c85b303d9d337a1b82fa584a6b6cf1303331efd16"
	aliceAddr = "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY"
	bobAddr   = "5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty"
	devPhrase = "bottom drive obey lake curtain smoke basket hold race lonely fit walk"
)

// devKey is a Substrate development account derived the way polkadot-js
// derives "<phrase>//<name>".
type devKey struct {
	sk   *schnorrkel.SecretKey
	pub  [32]byte
	name string
}

var (
	keysMu sync.Mutex
	keys   = map[string]devKey{}
)

// dev derives //name from the dev phrase (hard junction, SCALE-encoded
// name as chain code).
func dev(t testing.TB, name string) devKey {
	t.Helper()
	keysMu.Lock()
	defer keysMu.Unlock()
	if k, ok := keys[name]; ok {
		return k
	}
	mini, err := schnorrkel.MiniSecretKeyFromMnemonic(devPhrase, "")
	if err != nil {
		t.Fatal(err)
	}
	var cc [32]byte
	cc[0] = byte(len(name) << 2)
	copy(cc[1:], name)
	derived, _, err := mini.HardDeriveMiniSecretKey(nil, cc)
	if err != nil {
		t.Fatal(err)
	}
	sk := derived.ExpandEd25519()
	pub, err := sk.Public()
	if err != nil {
		t.Fatal(err)
	}
	k := devKey{sk: sk, pub: pub.Encode(), name: name}
	keys[name] = k
	return k
}

// sign signs the raw bytes of msg with the substrate context, 0x hex.
func (k devKey) sign(t testing.TB, msg string) string {
	t.Helper()
	sig, err := k.sk.Sign(schnorrkel.NewSigningContext([]byte("substrate"), []byte(msg)))
	if err != nil {
		t.Fatal(err)
	}
	b := sig.Encode()
	return "0x" + hex.EncodeToString(b[:])
}

var (
	nonceMu sync.Mutex
	nonceN  int
)

// freshNonce is a new nonce per request, as real clients send.
func freshNonce() string {
	nonceMu.Lock()
	defer nonceMu.Unlock()
	nonceN++
	return fmt.Sprintf("5q7KRn4d8EmXFFsim8vHBp23N2CpERbD2mWR3WCo1o3te%010d", nonceN)
}

// walletBody is a request body signed by a wallet with a fresh nonce.
func walletBody(t testing.TB, k devKey, addr, node string, additional any) map[string]any {
	t.Helper()
	nonce := freshNonce()
	return map[string]any{
		"peer_nodes_list": nodes(node), "additional": orEmpty(additional),
		"wallet": addr, "nonce": nonce, "sign": k.sign(t, nonce),
	}
}

func nodes(node string) []string {
	if node == "" {
		return []string{}
	}
	return []string{node}
}

func orEmpty(a any) any {
	if a == nil {
		return map[string]any{}
	}
	return a
}

// alice signs as //Alice.
func alice(t testing.TB, node string, additional any) map[string]any {
	return walletBody(t, dev(t, "Alice"), aliceAddr, node, additional)
}

// env is a server and a contract-checking client.
type env struct {
	srv *panelsimtest.Server
	c   *simtest.Client
}

func newEnv(t *testing.T, opts ...panelsimtest.Option) *env {
	srv := panelsimtest.RunT(t, opts...)
	return &env{srv: srv, c: simtest.New(t, srv)}
}

// answer is a decoded envelope.
type answer struct {
	Status  int
	Errcode int             `json:"errcode"`
	Message json.RawMessage `json:"message"`
	Body    []byte
}

func (e *env) post(t *testing.T, path string, body any) answer {
	t.Helper()
	r := e.c.JSON("POST", path, body)
	var a answer
	r.Decode(t, &a)
	a.Status, a.Body = r.Status, r.Body
	return a
}

// text is the message as a string (errors and "ok").
func (a answer) text(t *testing.T) string {
	t.Helper()
	var s string
	if err := json.Unmarshal(a.Message, &s); err != nil {
		t.Fatalf("message is not a string: %s", a.Body)
	}
	return s
}

// expect checks status, errcode and (if given) the message text.
func (a answer) expect(t *testing.T, status, code int, msg ...string) answer {
	t.Helper()
	if a.Status != status || a.Errcode != code {
		t.Fatalf("got HTTP %d errcode %d, want %d %d; body %s", a.Status, a.Errcode, status, code, a.Body)
	}
	if len(msg) > 0 && a.text(t) != msg[0] {
		t.Fatalf("message %q, want %q", a.text(t), msg[0])
	}
	return a
}

func (a answer) decode(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(a.Message, v); err != nil {
		t.Fatalf("decode message: %v\n%s", err, a.Body)
	}
}

// createVM creates a linux VM on node1 as Alice and returns its id.
func (e *env) createVM(t *testing.T, extra map[string]any) string {
	t.Helper()
	add := map[string]any{
		"image_name": "ubuntu.qcow2", "desc": "test vm", "ssh_port": "5684", "vnc_port": "5904",
		"gpu_count": "1", "cpu_cores": "8", "mem_size": "16", "disk_size": "100",
	}
	for k, v := range extra {
		add[k] = v
	}
	a := e.post(t, "/api/v1/tasks/start", alice(t, node1, add)).expect(t, 200, 0)
	var res struct {
		TaskID string `json:"task_id"`
		Status string `json:"status"`
	}
	a.decode(t, &res)
	if res.Status != "creating" || res.TaskID == "" {
		t.Fatalf("create answered %s", a.Body)
	}
	return res.TaskID
}

// status is a VM's status from its detail.
func (e *env) status(t *testing.T, id string) string {
	t.Helper()
	var info struct {
		Status string `json:"status"`
	}
	e.post(t, "/api/v1/tasks/"+id, alice(t, node1, nil)).expect(t, 200, 0).decode(t, &info)
	return info.Status
}
