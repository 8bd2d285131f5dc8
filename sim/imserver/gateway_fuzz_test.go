package imserver_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/panelsim/panelsim/internal/simtest"
	"github.com/panelsim/panelsim/panelsimtest"
)

// FuzzGateway sends arbitrary parameters (SESS stands for a live session)
// through the whole gateway: every answer must be an HTTP 200 envelope
// that matches the contract, whatever the input.
func FuzzGateway(f *testing.F) {
	for _, seed := range []struct{ query, body string }{
		{"cmd=get_servers&sess=SESS", ""},
		{"cmd=run_server&sess=SESS&id=333", ""},
		{"cmd=add_server&sess=SESS", `json={"cpu":1,"ram":1,"hdd_list":[{"size":10}]}`},
		{"cmd=add_dns_record&sess=SESS&zone=1&name=x&type=MX&content=a.b", "priority=5"},
		{"cmd=eth_action&sess=SESS&id=335&action=attach&network=1", ""},
		{"cmd=get_stats&sess=SESS&id=334&period=week", ""},
		{"cmd=login&loginUsername=ivanov&loginPassword=ivanovpass&sendkey=1", ""},
		{"cmd=update_server&sess=SESS&id=333", `json={"hdd_list":[{"size":41}]}`},
		{"json=%7B", "cmd=%zz"},
		{"cmd=run_server&sess=1d69a2ca5bbb423245438aabb0723f1f&json=%7B%22id%22%3A%22333%22%7D", ""},
		{"cmd=add_dns_record&sess=SESS&zone=1&name=x&type=a&content=1.2.3.4&ttl=-1", "priority=-9223372036854775808"},
		{"cmd=add_server&sess=SESS", `json={"cpu":1.5,"ram":1,"hdd_list":[{"size":1e3,"type":"SSD"}],"server_name":null}`},
		{"cmd=get_logs&sess=SESS&count=-9223372036854775808", ""},
		{"cmd=add_network&sess=SESS&name=big&subnet=10.200.0.0/16", ""},
	} {
		f.Add(seed.query, seed.body)
	}
	srv := panelsimtest.RunT(f)
	var login struct {
		Sess string `json:"sess"`
	}
	simtest.New(f, srv).Get("/api?cmd=login&loginUsername=petrov&loginPassword=superpassword").Decode(f, &login)
	f.Fuzz(func(t *testing.T, query, body string) {
		query = strings.ReplaceAll(query, "SESS", login.Sess)
		if !sendable(query) {
			return // not a query string a client could send
		}
		c := simtest.New(t, srv) // a client reports to the fuzz target's own t
		r := c.Form("POST", "/api?"+query, body)
		if r.Status != 200 {
			t.Fatalf("status %d for %q %q: %s", r.Status, query, body, r.Body)
		}
		var env map[string]json.RawMessage
		if err := json.Unmarshal(r.Body, &env); err != nil || env["success"] == nil || env["login"] == nil {
			t.Fatalf("not an envelope for %q %q: %s", query, body, r.Body)
		}
	})
}

// sendable reports whether a query string can travel in a request line.
func sendable(q string) bool {
	for _, c := range []byte(q) {
		if c <= ' ' || c == 0x7f || c == '#' {
			return false
		}
	}
	return true
}
