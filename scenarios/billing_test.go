package scenarios_test

import (
	"strings"
	"testing"
	"time"

	"github.com/panelsim/panelsim/internal/simtest"
	"github.com/panelsim/panelsim/panelsimtest"
)

// billing.yaml is what the README's Docker and Compose examples mount: a
// billing suite must find its own account and stock on every panel.
func TestBillingScenarioServesEveryPanel(t *testing.T) {
	srv := panelsimtest.RunT(t, panelsimtest.WithScenarioFile("billing.yaml"))
	c := simtest.New(t, srv)
	if got := srv.Now(); !got.Equal(time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)) {
		t.Errorf("start %v", got)
	}

	tok, _ := c.JSON("POST", "/api/auth/v4/public/token", map[string]string{"email": "billing@hoster.example", "password": "billing-secret"}).Expect(t, 201).Map(t)["token"].(string)
	var servers struct{ Size int }
	c.Get("/api/dci/v3/server", "X-Xsrf-Token", tok).Expect(t, 200).Decode(t, &servers)
	if servers.Size != 17 {
		t.Errorf("dci6: %d servers, want 3 owned + 14 in stock", servers.Size)
	}

	login := c.Get("/api?cmd=login&loginUsername=hoster&loginPassword=hoster-secret").Expect(t, 200)
	if !strings.Contains(string(login.Body), `"success":true`) {
		t.Errorf("imserver login: %s", login.Body)
	}

	node := `{"peer_nodes_list":["1a7b9c3d5e7f91b3d5f7a9c1e3b5d7f9a1c3e5b7d9f1a3c5e7b9d1f3a5c7e9b1"],"additional":{}}`
	if info := c.JSON("POST", "/api/v1/mining_nodes", node).Expect(t, 200); !strings.Contains(string(info.Body), `"gpu_count":"8"`) {
		t.Errorf("dbc spare node: %s", info.Body)
	}

	users := c.Get("/ispmgr?out=json&authinfo=billing:billing-secret&func=user").Expect(t, 200)
	for _, name := range []string{"alice", "bob"} {
		if !strings.Contains(string(users.Body), `"`+name+`"`) {
			t.Errorf("ispmgr: user %s missing from %s", name, users.Body)
		}
	}
	ips := c.Get("/ipmgr?out=json&authinfo=billing:billing-secret&func=ip").Expect(t, 200)
	if !strings.Contains(string(ips.Body), "192.0.2.30") {
		t.Errorf("ipmgr: %s", ips.Body)
	}
}
