package dci6_test

import (
	"encoding/json"
	"testing"

	"github.com/panelsim/panelsim/internal/simtest"
	"github.com/panelsim/panelsim/panelsimtest"
)

// FuzzActionBodies throws arbitrary bodies at every POST that parses one:
// the answer is always a success or a native error, never a 500.
func FuzzActionBodies(f *testing.F) {
	for _, s := range []string{`{}`, ``, `{"os_template_id":1}`, `{"ip_name":"203.0.113.9","family":"ipv4"}`,
		`{"owner":2}`, `{"email":"a@b.c","password":"p","role":"@admin"}`, `{"clear_hdd":"full"}`, `{"value":"5"}`,
		`{"key":"1-x"}`, `{"expires_at":"2031-01-01 00:00:00"}`, `[]`, `null`, `{"ssh_pub_keys":[null]}`,
		`{"ip_name":"::ffff:203.0.113.9"}`, `{"ip_name":"fe80::1%eth0","family":"ipv6"}`, `{"owner":1e40}`,
		`{"ip_net":-1,"ip_pool":0,"userspace":-7}`, `{"expires_at":"9999-12-31 23:59:59"}`, `{"value":1e308}`,
		`{"a":[[[[[[[[[[[[[[[[{}]]]]]]]]]]]]]]]]}`, "{\"email\":\"\u0000@\u0000\",\"password\":\"\"}"} {
		f.Add(s)
	}
	srv := panelsimtest.RunT(f)
	c := simtest.New(f, srv)
	tok := c.JSON("POST", "/api/auth/v4/public/token", `{"email":"admin@example.com","password":"secret"}`).Map(f)["token"].(string)
	paths := []string{"/api/dci/v3/server/3/operation_os", "/api/dci/v3/server/4/ip", "/api/dci/v3/server/5/owner",
		"/api/dci/v3/user", "/api/dci/v3/server/6/operation_clear_hdd", "/api/dci/v3/server/7/operation_diag",
		"/api/auth/v4/setting/token_ttl", "/api/auth/v4/public/key", "/api/auth/v4/token", "/api/dci/v3/setting/operation_change_boot_order",
		"/ip/v3/userspace/public/ippool"}
	f.Fuzz(func(t *testing.T, body string) {
		c := simtest.New(t, srv)
		for _, p := range paths {
			r := c.Do("POST", p, []byte(body), "Content-Type", "application/x-www-form-urlencoded", "X-Xsrf-Token", tok)
			if r.Status >= 500 {
				t.Fatalf("%s with %q: %d %s", p, body, r.Status, r.Body)
			}
			if r.Status >= 400 {
				var e struct {
					Error *struct{ Code int } `json:"error"`
				}
				if json.Unmarshal(r.Body, &e) != nil || e.Error == nil || e.Error.Code == 0 {
					t.Fatalf("%s with %q: not a DCI error: %s", p, body, r.Body)
				}
			}
		}
	})
}
