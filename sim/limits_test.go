package sim_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/panelsim/panelsim/internal/simtest"
	"github.com/panelsim/panelsim/panelsimtest"
	"github.com/panelsim/panelsim/sim"
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

// The connection bounds are tested with timeouts of a few milliseconds
// and no sleep: each test reads from its connection until the server
// closes it, under a deadline far shorter than the default timeouts (so a
// server that ignored the configured bound fails the test) and far longer
// than the configured one (so a slow machine does not).
const (
	shortTimeout = 50 * time.Millisecond
	patience     = 10 * time.Second
)

// dialRaw opens a plain TCP connection to a test server.
func dialRaw(t *testing.T, srv *panelsimtest.Server) net.Conn {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(srv.BaseURL(), "http://"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

// readUntilClosed reads everything the server sends until it closes the
// connection, failing the test if it is still open after patience (a
// timer closes it then: no wall-clock reading in sim/'s tests).
func readUntilClosed(t *testing.T, conn net.Conn) []byte {
	t.Helper()
	var gaveUp atomic.Bool
	timer := time.AfterFunc(patience, func() { gaveUp.Store(true); conn.Close() })
	defer timer.Stop()
	got, _ := io.ReadAll(conn) // io.EOF or a reset: either way it is closed
	if gaveUp.Load() {
		t.Fatalf("the server still held the connection after %s (read %q)", patience, got)
	}
	return got
}

func TestSlowHeadersAreCutOff(t *testing.T) {
	srv := panelsimtest.RunT(t, panelsimtest.WithConnLimits(sim.ConnLimits{ReadHeaderTimeout: shortTimeout}))
	conn := dialRaw(t, srv)
	// Half a request: the headers never end.
	if _, err := conn.Write([]byte("GET /_panelsim/health HTTP/1.1\r\nHost: x\r\n")); err != nil {
		t.Fatal(err)
	}
	if got := readUntilClosed(t, conn); bytes.Contains(got, []byte(`"ok"`)) {
		t.Fatalf("server answered a request whose headers never ended: %q", got)
	}
	stillServes(t, simtest.New(t, srv))
}

// A body that stops coming is cut off by the whole-request timeout, and
// what did arrive is not taken for the whole body: here each part sent is a
// complete request on its own (a login, an advance), which must not be
// served.
func TestSlowBodyIsCutOffAndNotServed(t *testing.T) {
	srv := panelsimtest.RunT(t, panelsimtest.WithConnLimits(sim.ConnLimits{ReadTimeout: shortTimeout}))
	c := simtest.New(t, srv)
	before := c.Get("/_panelsim/clock").Expect(t, http.StatusOK).Body
	for path, part := range map[string]string{
		"/_panelsim/clock/advance":  `{"by":"1h"}`,
		"/api/auth/v4/public/token": `{"email":"admin@example.com","password":"secret"}`,
		"/api/v1/mining_nodes":      `{"peer_nodes_list":[],"additional":{}}`,
	} {
		conn := dialRaw(t, srv)
		// The headers announce more than is sent; then nothing comes.
		req := fmt.Sprintf("POST %s HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s", path, len(part)+50, part)
		if _, err := conn.Write([]byte(req)); err != nil {
			t.Fatal(err)
		}
		got := readUntilClosed(t, conn)
		if bytes.Contains(got, []byte("200 OK")) || bytes.Contains(got, []byte("201 Created")) || bytes.Contains(got, []byte(`"token"`)) {
			t.Errorf("%s: half a body was served: %q", path, got)
		}
	}
	if after := c.Get("/_panelsim/clock").Expect(t, http.StatusOK).Body; string(after) != string(before) {
		t.Errorf("world changed: %s -> %s", before, after)
	}
	var logins []state.Entry
	c.Get("/_panelsim/requests?path=/api/auth/v4/public/token").Expect(t, http.StatusOK).Decode(t, &logins)
	if len(logins) != 1 || logins[0].Status != http.StatusBadRequest {
		t.Errorf("the cut-off login is not journaled as refused: %+v", logins)
	}
	stillServes(t, c)
}

// An idle keep-alive connection is closed once its idle time is up; the
// answer before it was whole.
func TestIdleKeepAliveIsCutOff(t *testing.T) {
	srv := panelsimtest.RunT(t, panelsimtest.WithConnLimits(sim.ConnLimits{IdleTimeout: shortTimeout}))
	conn := dialRaw(t, srv)
	if _, err := conn.Write([]byte("GET /_panelsim/health HTTP/1.1\r\nHost: x\r\n\r\n")); err != nil {
		t.Fatal(err)
	}
	r := bufio.NewReader(conn)
	resp, err := http.ReadResponse(r, nil)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || resp.Close || !strings.Contains(string(body), `"ok"`) {
		t.Fatalf("health on a keep-alive connection: %d close=%v %s", resp.StatusCode, resp.Close, body)
	}
	// Then the client sends nothing more.
	if rest := readUntilClosed(t, &bufferedConn{Conn: conn, r: r}); len(rest) != 0 {
		t.Errorf("the server sent %q on an idle connection", rest)
	}
	stillServes(t, simtest.New(t, srv))
}

// bufferedConn reads through the bufio.Reader a response was parsed with.
type bufferedConn struct {
	net.Conn
	r *bufio.Reader
}

func (b *bufferedConn) Read(p []byte) (int, error) { return b.r.Read(p) }

// Past its cap, a client's new connections are closed at accept without a
// byte; the connections it holds go on being served.
func TestConnectionsPerClientAreCapped(t *testing.T) {
	var log simtest.LogBuffer
	srv := panelsimtest.RunT(t, panelsimtest.WithConnLimits(sim.ConnLimits{MaxConnsPerClient: 2}),
		panelsimtest.WithLogger(slog.New(slog.NewTextHandler(&log, nil))))
	held := []net.Conn{dialRaw(t, srv), dialRaw(t, srv)}
	health := func(conn net.Conn) {
		t.Helper()
		if _, err := conn.Write([]byte("GET /_panelsim/health HTTP/1.1\r\nHost: x\r\n\r\n")); err != nil {
			t.Fatal(err)
		}
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("health %d", resp.StatusCode)
		}
	}
	for _, conn := range held {
		health(conn) // answered, so accepted and counted
	}
	if got := readUntilClosed(t, dialRaw(t, srv)); len(got) != 0 {
		t.Fatalf("a connection past the cap was answered: %q", got)
	}
	if !strings.Contains(log.String(), "max_conns_per_client=2") {
		t.Errorf("the refusal is not logged: %s", log.String())
	}
	for _, conn := range held {
		health(conn)
	}
}

// The cap is per client address and a closed connection gives its slot
// back at once.
func TestConnectionCapIsPerClientAndReleasedOnClose(t *testing.T) {
	inner, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ln := sim.ConnLimits{MaxConnsPerClient: 1}.Listener(inner, nil)
	defer ln.Close()
	dial := func(from string) net.Conn {
		t.Helper()
		d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(from)}}
		conn, err := d.Dial("tcp", inner.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { conn.Close() })
		return conn
	}
	accepted := make(chan net.Conn)
	accept := func() {
		go func() {
			c, err := ln.Accept()
			if err != nil {
				close(accepted)
				return
			}
			accepted <- c
		}()
	}
	// The first client's one connection.
	dial("127.0.0.1")
	accept()
	firstServed := <-accepted
	// Its second is closed at accept; the Accept call goes on waiting.
	accept()
	if got := readUntilClosed(t, dial("127.0.0.1")); len(got) != 0 {
		t.Fatalf("read %q from a refused connection", got)
	}
	// Another address is not held to the first one's count (Linux routes
	// all of 127/8 to the loopback device).
	other := dial("127.0.0.2")
	otherServed := <-accepted
	roundTrip(t, other, otherServed)
	// Once the first client's connection closes, it may connect again.
	firstServed.Close()
	again := dial("127.0.0.1")
	accept()
	roundTrip(t, again, <-accepted)
}

// roundTrip checks that client and served are the two ends of one open
// connection.
func roundTrip(t *testing.T, client, served net.Conn) {
	t.Helper()
	if _, err := client.Write([]byte("x")); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 1)
	timer := time.AfterFunc(patience, func() { served.Close() })
	defer timer.Stop()
	if _, err := io.ReadFull(served, buf); err != nil || buf[0] != 'x' {
		t.Fatalf("the accepted connection is not the client's: %q %v", buf, err)
	}
	served.Close()
}
