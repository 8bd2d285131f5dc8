package dci6_test

import (
	"io"
	"net/http"
	"net/url"
	"testing"

	"github.com/panelsim/panelsim/internal/simtest"
	"github.com/panelsim/panelsim/panelsimtest"
)

// bigScenario has 10,000 servers over three configurations in 250 racks.
const bigScenario = `
dci6:
  users:
    - {email: admin@example.com, password: secret, role: "@admin"}
    - {email: client@example.com, password: secret}
  locations: [{name: DC1}]
  racks: [{name: R, location: DC1, count: 250}]
  configurations:
    - {name: C1, platform: P1, disks: [d1]}
    - {name: C2, platform: P2, disks: [d1, d2]}
    - {name: C3, platform: P3, disks: [d1, d2, d3, d4]}
  generate:
    - {count: 4000, configuration: C1, owner: client@example.com, owned: 1000}
    - {count: 3000, configuration: C2, is_new: true}
    - {count: 3000, configuration: C3, power_status: "off"}
`

// benchGet runs GETs with a plain client (no contract check, which would
// dominate the figures) after checking one answer against the contract.
func benchGet(b *testing.B, srv *panelsimtest.Server, path, token string) {
	simtest.New(b, srv).Get(path, "X-Xsrf-Token", token).Expect(b, 200)
	hc := &http.Client{}
	req, err := http.NewRequest(http.MethodGet, srv.BaseURL()+path, nil)
	if err != nil {
		b.Fatal(err)
	}
	req.Header.Set("X-Xsrf-Token", token)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		resp, err := hc.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			b.Fatalf("status %d", resp.StatusCode)
		}
	}
}

func benchLogin(b *testing.B, srv *panelsimtest.Server) string {
	r := simtest.New(b, srv).JSON("POST", "/api/auth/v4/public/token", `{"email":"admin@example.com","password":"secret"}`)
	r.Expect(b, 201)
	return r.Map(b)["token"].(string)
}

// BenchmarkGetServer is an authenticated GET /api/dci/v3/server/{id} on the
// default scenario.
func BenchmarkGetServer(b *testing.B) {
	srv := panelsimtest.RunT(b)
	benchGet(b, srv, "/api/dci/v3/server/2", benchLogin(b, srv))
}

// BenchmarkListServersWhere10k filters 10,000 servers with a where and
// returns one page.
func BenchmarkListServersWhere10k(b *testing.B) {
	srv := panelsimtest.RunT(b, panelsimtest.WithScenarioYAML(bigScenario))
	q := url.Values{"where": {"(owner_email IS null) AND is_new EQ false AND configuration EQ 'C1'"},
		"orderby": {"id desc"}, "limit": {"0,20"}}
	benchGet(b, srv, "/api/dci/v3/server?"+q.Encode(), benchLogin(b, srv))
}

// BenchmarkListServersCP10k is a LIKE filter over every server's name.
func BenchmarkListServersCP10k(b *testing.B) {
	srv := panelsimtest.RunT(b, panelsimtest.WithScenarioYAML(bigScenario))
	q := url.Values{"where": {"name CP '%99%' AND power_status EQ 'off'"}, "limit": {"0,50"}}
	benchGet(b, srv, "/api/dci/v3/server?"+q.Encode(), benchLogin(b, srv))
}

// BenchmarkListServersPage400of10k is the page size real billing modules
// ask for, ordered by a text field.
func BenchmarkListServersPage400of10k(b *testing.B) {
	srv := panelsimtest.RunT(b, panelsimtest.WithScenarioYAML(bigScenario))
	q := url.Values{"orderby": {"owner_email asc"}, "limit": {"0,400"}}
	benchGet(b, srv, "/api/dci/v3/server?"+q.Encode(), benchLogin(b, srv))
}
