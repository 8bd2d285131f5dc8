package sim_test

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/panelsim/panelsim/internal/simtest"
	"github.com/panelsim/panelsim/panelsimtest"
	"github.com/panelsim/panelsim/state"
)

// Every bound answers natively and the process goes on serving: each test
// here ends with an ordinary request that must still work.

func stillServes(t *testing.T, c *simtest.Client) {
	t.Helper()
	c.Get("/_panelsim/health").Expect(t, http.StatusOK)
	c.Get("/api?cmd=login&loginUsername=petrov&loginPassword=superpassword").Expect(t, http.StatusOK)
}

func TestScenarioJournalBeyondMaximumIsRefusedBeforeAllocating(t *testing.T) {
	srv := panelsimtest.RunT(t)
	c := simtest.New(t, srv)
	before := c.Get("/_panelsim/clock").Expect(t, http.StatusOK).Body
	// Ten billion entries would be hundreds of gigabytes if allocated.
	r := c.Do(http.MethodPost, "/_panelsim/scenario", []byte("seed: 3\njournal: 10000000000\n"))
	expectCtlError(t, r, http.StatusBadRequest, "journal")
	if !strings.Contains(string(r.Body), fmt.Sprint(state.MaxJournalSize)) {
		t.Errorf("error does not name the maximum: %s", r.Body)
	}
	if after := c.Get("/_panelsim/clock").Expect(t, http.StatusOK).Body; string(after) != string(before) {
		t.Errorf("world changed: %s -> %s", before, after)
	}
	stillServes(t, c)
}

func TestTooManyFaultRulesAreRefused(t *testing.T) {
	srv := panelsimtest.RunT(t)
	c := simtest.New(t, srv)
	rules := make([]map[string]any, state.MaxFaultRules+1)
	for i := range rules {
		rules[i] = map[string]any{"name": fmt.Sprintf("r%d", i), "match": map[string]any{"path": "/nowhere"}, "action": map[string]any{"status": 503}}
	}
	expectCtlError(t, c.JSON(http.MethodPost, "/_panelsim/faults", rules), http.StatusBadRequest, fmt.Sprintf("[%d].name", state.MaxFaultRules))
	c.JSON(http.MethodPost, "/_panelsim/faults", rules[:state.MaxFaultRules]).Expect(t, http.StatusOK)
	// PATCH appends: one more is over the bound, and changes nothing.
	expectCtlError(t, c.JSON(http.MethodPatch, "/_panelsim/faults", rules[state.MaxFaultRules]), http.StatusBadRequest, fmt.Sprintf("[%d].name", state.MaxFaultRules))
	var got []state.FaultRule
	c.Get("/_panelsim/faults").Expect(t, http.StatusOK).Decode(t, &got)
	if len(got) != state.MaxFaultRules {
		t.Fatalf("%d rules after a refused append, want %d", len(got), state.MaxFaultRules)
	}
	stillServes(t, c)
}

func TestGeneratedObjectsBeyondMaximumAreRefused(t *testing.T) {
	srv := panelsimtest.RunT(t)
	c := simtest.New(t, srv)
	for name, yaml := range map[string]string{
		"ispmgr.generated_users": "ispmgr:\n  generated_users: 100001\n",
		"generate[1].count":      "dci6:\n  generate:\n    - {count: 60000}\n    - {count: 60000}\n",
		"imserver.accounts[1].generate_servers": "imserver:\n  accounts:\n" +
			strings.Repeat("    - {login: a%d, password: p, generate_servers: 1000}\n", 101),
	} {
		if strings.Contains(yaml, "%d") {
			var b strings.Builder
			for i, line := range strings.SplitAfter(yaml, "\n") {
				if strings.Contains(line, "%d") {
					line = fmt.Sprintf(line, i)
				}
				b.WriteString(line)
			}
			yaml = b.String()
		}
		r := c.Do(http.MethodPost, "/_panelsim/scenario", []byte(yaml))
		r.Expect(t, http.StatusBadRequest)
		if !strings.Contains(string(r.Body), "100000") {
			t.Errorf("%s: error does not name the maximum: %s", name, r.Body)
		}
	}
	stillServes(t, c)
}

// A body over the limit is refused in the panel's own envelope with 413,
// even when what fits would parse: the rest is never read, so valid JSON
// followed by a sea of spaces and garbage is not accepted.
func TestPanelBodyOverLimitIsRefusedNatively(t *testing.T) {
	const limit = 4 << 10
	srv := panelsimtest.RunT(t, panelsimtest.WithBodyLimits(limit, 0))
	c := simtest.New(t, srv)
	pad := strings.Repeat(" ", limit) + "GARBAGE"
	cases := []struct {
		name, path, contentType, body string
		status                        int
		native                        string
	}{
		{"dci6", "/api/auth/v4/public/token", "application/json", `{"email":"admin@example.com","password":"secret"}`, http.StatusRequestEntityTooLarge, `"error":{"code":`},
		{"imserver", "/api?cmd=login", "application/x-www-form-urlencoded", "loginUsername=petrov&loginPassword=superpassword", http.StatusOK, `"success":false`},
		{"ispmgr", "/ispmgr?out=json", "application/x-www-form-urlencoded", "func=auth&username=root&password=secret", http.StatusRequestEntityTooLarge, `"error"`},
		{"dbc", "/api/v1/mining_nodes", "application/json", `{"peer_nodes_list":[],"additional":{}}`, 0, `"errcode"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := c.Do(http.MethodPost, tc.path, []byte(tc.body+pad), "Content-Type", tc.contentType)
			if tc.status != 0 && r.Status != tc.status {
				t.Errorf("status %d, want %d: %s", r.Status, tc.status, r.Body)
			}
			// IMserver answers every error HTTP 200 with a bare code; the
			// reason travels in panelsim's reason header.
			said := string(r.Body) + r.Header.Get("X-Panelsim-Reason")
			if !strings.Contains(string(r.Body), tc.native) || !strings.Contains(said, "too large") {
				t.Errorf("not the panel's own too-large error: %s", r.Body)
			}
			if strings.Contains(string(r.Body), `"success":true`) || strings.Contains(string(r.Body), `"token"`) {
				t.Errorf("an over-long body was served: %s", r.Body)
			}
			// The same request within the limit is served.
			if ok := c.Do(http.MethodPost, tc.path, []byte(tc.body), "Content-Type", tc.contentType); strings.Contains(string(ok.Body), "too large") {
				t.Errorf("a body within the limit was refused: %s", ok.Body)
			}
		})
	}
	var refused []state.Entry
	c.Get("/_panelsim/requests?status=413").Expect(t, http.StatusOK).Decode(t, &refused)
	if len(refused) < 2 {
		t.Errorf("refusals not journaled: %+v", refused)
	}
	stillServes(t, c)
}

func TestControlBodyOverLimitIsRefusedAndChangesNothing(t *testing.T) {
	const limit = 4 << 10
	srv := panelsimtest.RunT(t, panelsimtest.WithBodyLimits(0, limit))
	c := simtest.New(t, srv)
	before := c.Get("/_panelsim/clock").Expect(t, http.StatusOK).Body
	// A valid scenario whose bad key comes past the limit must not be applied.
	body := "seed: 5\n" + strings.Repeat("# padding\n", limit/10+1) + "bad_key: 1\n"
	expectCtlError(t, c.Do(http.MethodPost, "/_panelsim/scenario", []byte(body)), http.StatusRequestEntityTooLarge, "body")
	expectCtlError(t, c.JSON(http.MethodPost, "/_panelsim/clock/advance", `{"by":"1h"}`+strings.Repeat(" ", limit)), http.StatusRequestEntityTooLarge, "body")
	expectCtlError(t, c.JSON(http.MethodPost, "/_panelsim/faults", "["+strings.Repeat(" ", limit)+"]"), http.StatusRequestEntityTooLarge, "body")
	if after := c.Get("/_panelsim/clock").Expect(t, http.StatusOK).Body; string(after) != string(before) {
		t.Errorf("world changed: %s -> %s", before, after)
	}
	stillServes(t, c)
}

// The journal keeps what it needs of a request, not whatever size a client
// sends: long header values and queries are cut and the entry says so.
func TestJournalBoundsHeadersAndQuery(t *testing.T) {
	srv := panelsimtest.RunT(t)
	c := simtest.New(t, srv)
	token := strings.Repeat("t", 32<<10)
	query := "cmd=login&pad=" + strings.Repeat("q", 32<<10)
	c.Get("/api?"+query, "X-Xsrf-Token", token).Expect(t, http.StatusOK)
	var entries []state.Entry
	c.Get("/_panelsim/requests?panel=imserver").Expect(t, http.StatusOK).Decode(t, &entries)
	e := entries[len(entries)-1]
	if len(e.Headers["X-Xsrf-Token"]) != state.MaxJournalHeader || len(e.Query) != state.MaxJournalQuery {
		t.Fatalf("kept a %d-byte header and a %d-byte query", len(e.Headers["X-Xsrf-Token"]), len(e.Query))
	}
	if strings.Join(e.Truncated, ",") != "query,headers.X-Xsrf-Token" {
		t.Errorf("truncated = %v", e.Truncated)
	}
	stillServes(t, c)
}

// Headers past the server's bound never reach a handler (or the journal).
func TestOversizedHeadersAreRefused(t *testing.T) {
	srv := panelsimtest.RunT(t)
	c := simtest.New(t, srv)
	c.SkipValidation = true // net/http's own plain 431, before any route
	r := c.Get("/api?cmd=login", "X-Xsrf-Token", strings.Repeat("t", 128<<10))
	if r.Status != http.StatusRequestHeaderFieldsTooLarge {
		t.Fatalf("status %d, want 431", r.Status)
	}
	c.SkipValidation = false
	stillServes(t, c)
}

// Deeply nested JSON and YAML are refused, not recursed into without end.
func TestDeepNestingIsRefused(t *testing.T) {
	srv := panelsimtest.RunT(t)
	c := simtest.New(t, srv)
	deepJSON := strings.Repeat("[", 20000) + strings.Repeat("]", 20000)
	expectCtlError(t, c.JSON(http.MethodPut, "/_panelsim/state", deepJSON), http.StatusBadRequest, "body")
	r := c.Do(http.MethodPost, "/api/auth/v4/public/token", []byte(`{"email":`+deepJSON+`}`), "Content-Type", "application/json")
	if r.Status < 400 || !json.Valid(r.Body) || !strings.Contains(string(r.Body), `"error"`) {
		t.Errorf("DCI answered deep JSON with %d %s", r.Status, r.Body)
	}
	deepYAML := "dci6: " + strings.Repeat("[", 100000) + strings.Repeat("]", 100000) + "\n"
	c.Do(http.MethodPost, "/_panelsim/scenario", []byte(deepYAML)).Expect(t, http.StatusBadRequest)
	stillServes(t, c)
}

// A journal filter of many stars over long paths answers at once (the
// recursive matcher took seconds for ten stars and hours for twelve, with
// the journal locked).
func TestJournalPathFilterWithManyStarsAnswers(t *testing.T) {
	srv := panelsimtest.RunT(t)
	c := simtest.New(t, srv)
	long := "/api/dci/v3/" + strings.Repeat("a", 2000)
	for range 20 {
		c.Get(long)
	}
	pattern := strings.Repeat("*a", 40) + "*b"
	var entries []state.Entry
	c.Get("/_panelsim/requests?path="+pattern).Expect(t, http.StatusOK).Decode(t, &entries)
	if len(entries) != 0 {
		t.Errorf("%d entries matched a pattern ending in b", len(entries))
	}
	stillServes(t, c)
}

// Every server panelsim starts (the binary, panelsimtest) cuts off slow
// and idle clients: a connection that sends half a request line is closed
// by the server, not held.
func TestSlowClientIsCutOff(t *testing.T) {
	if testing.Short() {
		t.Skip("waits for the read-header timeout")
	}
	t.Parallel()
	srv := panelsimtest.RunT(t)
	conn, err := net.Dial("tcp", strings.TrimPrefix(srv.BaseURL(), "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.Write([]byte("GET /_panelsim/health HTTP/1.1\r\nHost: x\r\n")); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 1)
	// Read blocks until the server gives up on the headers and hangs up.
	if _, err := conn.Read(buf); err == nil {
		t.Fatalf("server answered a request whose headers never ended: %q", buf)
	}
}
