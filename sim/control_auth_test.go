package sim_test

import (
	"bytes"
	"net/http"
	"strings"
	"testing"

	"github.com/panelsim/panelsim/internal/simtest"
	"github.com/panelsim/panelsim/panelsimtest"
)

// raw sends a request without the client's automatic control token and
// checks the answer against the contract.
func raw(t *testing.T, srv *panelsimtest.Server, method, path, auth string, body []byte) *simtest.Response {
	t.Helper()
	req, _ := http.NewRequest(method, srv.BaseURL()+path, bytes.NewReader(body))
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var b bytes.Buffer
	_, _ = b.ReadFrom(resp.Body)
	r := &simtest.Response{Status: resp.StatusCode, Header: resp.Header, Body: b.Bytes()}
	simtest.CheckAnswer(t, srv.Sim().Contract(), req, body, r)
	return r
}

// With --control-token every control call but health needs the bearer
// token: reading the journal (passwords, cookies), the DCI sessions hook
// (live tokens) or replacing state is refused with 401 and changes nothing.
func TestControlTokenGuardsTheControlPlane(t *testing.T) {
	const token = "s3cret-control"
	srv := panelsimtest.RunT(t, panelsimtest.WithControlToken(token))
	c := simtest.New(t, srv)
	before := c.Get("/_panelsim/clock").Expect(t, http.StatusOK).Map(t)["now"]

	if r := raw(t, srv, http.MethodGet, "/_panelsim/health", "", nil); r.Status != http.StatusOK {
		t.Fatalf("health needs no token: %d", r.Status)
	}
	for _, tc := range []struct{ method, path, auth string }{
		{http.MethodGet, "/_panelsim/requests", ""},
		{http.MethodGet, "/_panelsim/dci6/sessions", ""},
		{http.MethodGet, "/_w/other/_panelsim/clock", ""},
		{http.MethodGet, "/_panelsim/clock", "Bearer wrong"},
		{http.MethodGet, "/_panelsim/clock", token},
		{http.MethodPost, "/_panelsim/clock/advance", "Basic " + token},
		{http.MethodPut, "/_panelsim/state", ""},
	} {
		r := raw(t, srv, tc.method, tc.path, tc.auth, []byte(`{"by":"1h"}`))
		if r.Status != http.StatusUnauthorized || !strings.Contains(string(r.Body), `"field":"authorization"`) || r.Header.Get("WWW-Authenticate") == "" {
			t.Errorf("%s %s (auth %q): %d %s", tc.method, tc.path, tc.auth, r.Status, r.Body)
		}
	}
	if r := raw(t, srv, http.MethodGet, "/_panelsim/clock", "Bearer "+token, nil); r.Status != http.StatusOK {
		t.Errorf("the right token was refused: %d %s", r.Status, r.Body)
	}
	// The panels keep their own auth; the control token is not theirs.
	c.Get("/api?cmd=login&loginUsername=petrov&loginPassword=superpassword").Expect(t, http.StatusOK)
	c.JSON(http.MethodPost, "/api/auth/v4/public/token", `{"email":"admin@example.com","password":"secret"}`).Expect(t, http.StatusCreated)
	if after := c.Get("/_panelsim/clock").Expect(t, http.StatusOK).Map(t)["now"]; after != before {
		t.Errorf("a refused advance moved the clock: %v -> %v", before, after)
	}
}
