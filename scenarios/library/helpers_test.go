package library_test

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"testing"

	schnorrkel "github.com/ChainSafe/go-schnorrkel"

	"github.com/panelsim/panelsim/internal/simtest"
	"github.com/panelsim/panelsim/panelsimtest"
	"github.com/panelsim/panelsim/state"
)

// runStory serves one story of this directory (name without .yaml) the way
// a user would: panelsimtest.WithScenarioFile, a manual clock, strict
// contract checks on every answer the client reads.
func runStory(t *testing.T, name string, opts ...panelsimtest.Option) (*panelsimtest.Server, *simtest.Client) {
	t.Helper()
	opts = append([]panelsimtest.Option{panelsimtest.WithScenarioFile(name + ".yaml")}, opts...)
	srv := panelsimtest.RunT(t, opts...)
	return srv, simtest.New(t, srv)
}

// runDefault serves the embedded default scenario with no faults.
func runDefault(t *testing.T, opts ...panelsimtest.Option) (*panelsimtest.Server, *simtest.Client) {
	t.Helper()
	srv := panelsimtest.RunT(t, opts...)
	return srv, simtest.New(t, srv)
}

// setFaults replaces the default world's rules or fails the test.
func setFaults(t *testing.T, srv *panelsimtest.Server, rules ...state.FaultRule) {
	t.Helper()
	if err := srv.SetFaults(rules...); err != nil {
		t.Fatalf("set faults: %v", err)
	}
}

// firings counts the journal entries a rule shaped.
func firings(srv *panelsimtest.Server, rule string) int {
	return len(srv.Requests(state.JournalFilter{Fault: rule}))
}

// fired is how often a rule fired, from the world's own counters (which
// also count the firings whose journal entries have left the ring).
func fired(t *testing.T, srv *panelsimtest.Server, rule string) int {
	t.Helper()
	var snap state.Snapshot
	if err := json.Unmarshal(srv.Snapshot(), &snap); err != nil {
		t.Fatal(err)
	}
	return snap.Fired[rule]
}

// ---- DCImanager 6 ----

// dciLogin gets a token for a default-scenario user (password "secret").
func dciLogin(t *testing.T, c *simtest.Client, email string) string {
	t.Helper()
	r := c.JSON("POST", "/api/auth/v4/public/token", map[string]string{"email": email, "password": "secret"}).Expect(t, 201)
	tok, _ := r.Map(t)["token"].(string)
	if tok == "" {
		t.Fatalf("no token in %s", r.Body)
	}
	return tok
}

// dci sends a DCI request with the token in x-xsrf-token.
func dci(c *simtest.Client, method, path, body, tok string) *simtest.Response {
	h := []string{"X-Xsrf-Token", tok}
	if body != "" {
		h = append(h, "Content-Type", "application/json")
	}
	return c.Do(method, path, []byte(body), h...)
}

// dciErr is the DCI error envelope {"error":{code,msg,value}}.
type dciErr struct {
	Code  int    `json:"code"`
	Msg   string `json:"msg"`
	Value any    `json:"value"`
}

// dciError decodes a DCI error answer, failing when it has another shape.
func dciError(t *testing.T, r *simtest.Response) dciErr {
	t.Helper()
	var e struct {
		Error *dciErr `json:"error"`
	}
	r.Decode(t, &e)
	if e.Error == nil {
		t.Fatalf("not a DCI error envelope: %d %s", r.Status, r.Body)
	}
	return *e.Error
}

// dciList is a DCI list answer.
type dciList struct {
	List []map[string]any `json:"list"`
	Size int              `json:"size"`
}

// dciServer is the part of a DCI server the stories look at.
type dciServer struct {
	ID          int64  `json:"id"`
	PowerStatus string `json:"power_status"`
	Operation   struct {
		ID         int64          `json:"id"`
		Status     string         `json:"status"`
		StatusInfo map[string]any `json:"status_info"`
	} `json:"operation"`
}

// dciTask is the part of a DCI task the stories look at.
type dciTask struct {
	ID     int64  `json:"id"`
	Name   string `json:"name"`
	Status string `json:"status"`
	Error  any    `json:"error"`
}

func dciServerGet(t *testing.T, c *simtest.Client, tok string, id int64) dciServer {
	t.Helper()
	var s dciServer
	dci(c, "GET", fmt.Sprintf("/api/dci/v3/server/%d", id), "", tok).Expect(t, 200).Decode(t, &s)
	return s
}

func dciTaskGet(t *testing.T, c *simtest.Client, tok string, id int64) dciTask {
	t.Helper()
	var task dciTask
	dci(c, "GET", fmt.Sprintf("/api/dci/v3/task/%d", id), "", tok).Expect(t, 200).Decode(t, &task)
	return task
}

// dciRef is the answer of an async DCI action.
type dciRef struct {
	ID   int64 `json:"id"`
	Task int64 `json:"task"`
}

// ---- IMserver ----

// imAnswer is the IMserver envelope.
type imAnswer struct {
	Success bool            `json:"success"`
	Data    json.RawMessage `json:"data"`
	Login   string          `json:"login"`
	Sess    string          `json:"sess"`
	raw     []byte
}

// code is the error code of a failed answer ("0027").
func (a imAnswer) code() string {
	var s string
	_ = json.Unmarshal(a.Data, &s)
	return s
}

// im sends an IMserver command as a GET query of name/value pairs.
func im(t *testing.T, c *simtest.Client, kv ...string) imAnswer {
	t.Helper()
	return imDecode(t, c.Get("/api?"+query(kv...)))
}

func imDecode(t *testing.T, r *simtest.Response) imAnswer {
	t.Helper()
	var a imAnswer
	r.Decode(t, &a)
	a.raw = r.Body
	return a
}

// imLogin opens a session for a default-scenario account without 2FA.
func imLogin(t *testing.T, c *simtest.Client, user, pass string) string {
	t.Helper()
	a := im(t, c, "cmd", "login", "loginUsername", user, "loginPassword", pass)
	if !a.Success || a.Sess == "" {
		t.Fatalf("login %s: %s", user, a.raw)
	}
	return a.Sess
}

// imOK runs a command that must succeed and decodes its data into v (when v
// is not nil).
func imOK(t *testing.T, c *simtest.Client, sess, cmd string, v any, kv ...string) {
	t.Helper()
	a := im(t, c, append([]string{"cmd", cmd, "sess", sess}, kv...)...)
	if !a.Success {
		t.Fatalf("%s %v: %s", cmd, kv, a.raw)
	}
	if v != nil {
		if err := json.Unmarshal(a.Data, v); err != nil {
			t.Fatalf("%s data: %v\n%s", cmd, err, a.raw)
		}
	}
}

// imStatus is one get_servers_status entry.
type imStatus struct {
	ID     int64  `json:"id"`
	Status string `json:"status"`
	Task   string `json:"task"`
	Error  string `json:"error"`
}

func imServerStatus(t *testing.T, c *simtest.Client, sess string, id int64) imStatus {
	t.Helper()
	var list []imStatus
	imOK(t, c, sess, "get_servers_status", &list, "id", fmt.Sprint(id))
	if len(list) != 1 {
		t.Fatalf("get_servers_status %d: %d entries", id, len(list))
	}
	return list[0]
}

// imLog is one get_logs entry.
type imLog struct {
	ID       int64  `json:"id"`
	Cmd      string `json:"cmd"`
	Status   int    `json:"status"`
	ServerID int64  `json:"serverid"`
}

// query builds a query string from name/value pairs, keeping their order.
func query(kv ...string) string {
	var parts []string
	for i := 0; i+1 < len(kv); i += 2 {
		parts = append(parts, url.QueryEscape(kv[i])+"="+url.QueryEscape(kv[i+1]))
	}
	return strings.Join(parts, "&")
}

// ---- mgr5 ----

const (
	mgrRoot  = "root:secret"
	mgrVasya = "vasya:vasyapass"
)

// mgr calls an mgr5 path with the pairs as the query string.
func mgr(c *simtest.Client, path string, kv ...string) *simtest.Response {
	return c.Get(path + "?" + query(kv...))
}

// mgrDoc decodes an out=json|sjson answer's doc object.
func mgrDoc(t *testing.T, r *simtest.Response) map[string]any {
	t.Helper()
	var v struct {
		Doc map[string]any `json:"doc"`
	}
	r.Decode(t, &v)
	if v.Doc == nil {
		t.Fatalf("no doc in %s", r.Body)
	}
	return v.Doc
}

// mgrError is the error element of a JSON doc: type, object and message.
func mgrError(doc map[string]any) (typ, object, msg string) {
	e, _ := doc["error"].(map[string]any)
	if e == nil {
		return "", "", ""
	}
	typ, _ = e["$type"].(string)
	object, _ = e["$object"].(string)
	msg = text(e["msg"])
	return
}

// text reads mgr5's {"$": "..."} text value (or a bare string).
func text(v any) string {
	if m, ok := v.(map[string]any); ok {
		s, _ := m["$"].(string)
		return s
	}
	s, _ := v.(string)
	return s
}

// ---- DBC ----

// The seed's GPU node ids (rented by //Alice in the default scenario) and
// the well-known development accounts.
const (
	dbcNode1  = "58fb618aa482c41114eb3cfdaefd3ba183172da9e25251449d045043fbd37f45"
	aliceAddr = "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY"
	devPhrase = "bottom drive obey lake curtain smoke basket hold race lonely fit walk"
)

var (
	aliceOnce sync.Once
	aliceSK   *schnorrkel.SecretKey
	aliceErr  error
)

// alice is //Alice's secret key, derived from the dev phrase the way
// polkadot-js derives a hard junction: the SCALE-encoded name as chain code.
func alice(t *testing.T) *schnorrkel.SecretKey {
	t.Helper()
	aliceOnce.Do(func() {
		mini, err := schnorrkel.MiniSecretKeyFromMnemonic(devPhrase, "")
		if err != nil {
			aliceErr = err
			return
		}
		var cc [32]byte
		cc[0] = byte(len("Alice") << 2)
		copy(cc[1:], "Alice")
		derived, _, err := mini.HardDeriveMiniSecretKey(nil, cc)
		if err != nil {
			aliceErr = err
			return
		}
		aliceSK = derived.ExpandEd25519()
	})
	if aliceErr != nil {
		t.Fatal(aliceErr)
	}
	return aliceSK
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
	return fmt.Sprintf("libraryNonce%08d", nonceN)
}

// signed is a DBC body for node signed by //Alice over nonce.
func signed(t *testing.T, node, nonce string, additional map[string]any) []byte {
	t.Helper()
	sig, err := alice(t).Sign(schnorrkel.NewSigningContext([]byte("substrate"), []byte(nonce)))
	if err != nil {
		t.Fatal(err)
	}
	enc := sig.Encode()
	if additional == nil {
		additional = map[string]any{}
	}
	b, err := json.Marshal(map[string]any{
		"peer_nodes_list": []string{node}, "additional": additional,
		"wallet": aliceAddr, "nonce": nonce, "sign": "0x" + hex.EncodeToString(enc[:]),
	})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// dbcAnswer is the DBC envelope.
type dbcAnswer struct {
	Status  int
	Errcode int             `json:"errcode"`
	Message json.RawMessage `json:"message"`
	raw     []byte
}

// msg is the message as text (errors and "ok"); "" when it is an object.
func (a dbcAnswer) msg() string {
	var s string
	_ = json.Unmarshal(a.Message, &s)
	return s
}

// dbcPost posts body to a DBC route.
func dbcPost(t *testing.T, c *simtest.Client, path string, body []byte) dbcAnswer {
	t.Helper()
	r := c.Do("POST", path, body, "Content-Type", "application/json")
	var a dbcAnswer
	r.Decode(t, &a)
	a.Status, a.raw = r.Status, r.Body
	return a
}

// dbcCreateBody is a small Linux VM on node1.
func dbcCreateBody(t *testing.T) []byte {
	return signed(t, dbcNode1, freshNonce(), map[string]any{
		"image_name": "ubuntu.qcow2", "desc": "library vm", "ssh_port": "5684", "vnc_port": "5904",
		"gpu_count": "1", "cpu_cores": "8", "mem_size": "16", "disk_size": "100",
	})
}

// dbcTaskStatus reads a VM's status from its detail.
func dbcTaskStatus(t *testing.T, c *simtest.Client, id string) string {
	t.Helper()
	a := dbcPost(t, c, "/api/v1/tasks/"+id, signed(t, dbcNode1, freshNonce(), nil))
	var info struct {
		Status string `json:"status"`
	}
	if err := json.Unmarshal(a.Message, &info); err != nil || a.Errcode != 0 {
		t.Fatalf("task %s detail: %s", id, a.raw)
	}
	return info.Status
}

// ---- state ----

// panelState is a world's model state without the parts a faulted request
// may legitimately touch (the clock, fault counters, the journal): what a
// fault must never change.
func panelState(t *testing.T, srv *panelsimtest.Server) []byte {
	t.Helper()
	var snap state.Snapshot
	if err := json.Unmarshal(srv.Snapshot(), &snap); err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	for _, v := range []any{snap.Panels, snap.Queue, snap.IDs, snap.Seq} {
		if err := enc.Encode(v); err != nil {
			t.Fatal(err)
		}
	}
	return b.Bytes()
}
