package proxy

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/panelsim/panelsim/panelsimtest"
)

// BenchmarkProxyOverhead lists DCI servers directly and through the proxy
// (which checks each request and answer against the contract), side by
// side: compare the two ns/op as a ratio.
func BenchmarkProxyOverhead(b *testing.B) {
	up := panelsimtest.RunT(b)
	p, err := New(Config{Upstreams: []Upstream{mustUpstream(b, "dci6", up.BaseURL())}})
	if err != nil {
		b.Fatal(err)
	}
	px := httptest.NewServer(p.Handler())
	defer px.Close()
	token := benchLogin(b, up.BaseURL())
	for _, bc := range []struct{ name, base string }{{"direct", up.BaseURL()}, {"proxy", px.URL}} {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				req, _ := http.NewRequest("GET", bc.base+"/api/dci/v3/server?limit=5", nil)
				req.Header.Set("X-Xsrf-Token", token)
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					b.Fatal(err)
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 {
					b.Fatalf("status %d", resp.StatusCode)
				}
			}
		})
	}
}

func mustUpstream(b *testing.B, panel, base string) Upstream {
	up, err := ParseUpstream(panel, base)
	if err != nil {
		b.Fatal(err)
	}
	return up
}

func benchLogin(b *testing.B, base string) string {
	resp, err := http.Post(base+"/api/auth/v4/public/token", "application/json", strings.NewReader(`{"email":"admin@example.com","password":"secret"}`))
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	_, rest, _ := strings.Cut(string(body), `"token":"`)
	token, _, _ := strings.Cut(rest, `"`)
	return token
}
