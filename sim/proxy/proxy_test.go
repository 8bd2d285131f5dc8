package proxy

import (
	"compress/gzip"

	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/panelsim/panelsim/internal/simtest"
	"github.com/panelsim/panelsim/panelsimtest"
	"github.com/panelsim/panelsim/state"
)

// startProxy serves a proxy for cfg on 127.0.0.1 and returns a client for
// it (checking answers against the contract) and the proxy's log.
func startProxy(t *testing.T, cfg Config) (*simtest.Client, *Proxy, *simtest.LogBuffer) {
	t.Helper()
	logs := &simtest.LogBuffer{}
	cfg.Logger = slog.New(slog.NewTextHandler(logs, nil))
	p, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(p.Handler())
	t.Cleanup(hs.Close)
	return simtest.NewURL(t, hs.URL), p, logs
}

func upstreams(t *testing.T, base string, panels ...string) []Upstream {
	t.Helper()
	var out []Upstream
	for _, name := range panels {
		up, err := ParseUpstream(name, base)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, up)
	}
	return out
}

func violations(t *testing.T, c *simtest.Client) []state.Entry {
	t.Helper()
	var entries []state.Entry
	c.Get("/_panelsim/requests?violation=1").Expect(t, 200).Decode(t, &entries)
	return entries
}

// TestProxyInFrontOfPanelsimFindsNothing puts the proxy in front of
// panelsim itself: a login, a list and a power-on per panel pass unchanged,
// and nothing breaks the contract.
func TestProxyInFrontOfPanelsimFindsNothing(t *testing.T) {
	up := panelsimtest.RunT(t)
	c, _, logs := startProxy(t, Config{Upstreams: upstreams(t, up.BaseURL(), "dci6", "imserver", "ispmgr", "dbc")})

	login := c.JSON("POST", "/api/auth/v4/public/token", `{"email":"admin@example.com","password":"secret"}`).Expect(t, 201)
	token, _ := login.Map(t)["token"].(string)
	if token == "" {
		t.Fatalf("no token through the proxy: %s", login.Body)
	}
	auth := []string{"X-Xsrf-Token", token}
	var list struct {
		List []struct {
			ID int `json:"id"`
		} `json:"list"`
	}
	c.Get("/api/dci/v3/server", auth...).Expect(t, 200).Decode(t, &list)
	if len(list.List) == 0 {
		t.Fatal("no servers through the proxy")
	}
	c.JSON("POST", "/api/dci/v3/server/1/power_on", `{}`, auth...).Expect(t, 200)
	c.Get("/api/dci/v3/server/999999", auth...).Expect(t, 404)
	c.Get("/api?cmd=login&loginUsername=petrov&loginPassword=superpassword").Expect(t, 200)
	c.Get("/ispmgr?func=auth&username=root&password=secret&out=json").Expect(t, 200)
	c.JSON("POST", "/api/v1", `{}`).Expect(t, 200)
	// A world by prefix reaches the same upstream and is journaled apart.
	c.World("other").JSON("POST", "/api/auth/v4/public/token", `{"email":"admin@example.com","password":"nope"}`).Expect(t, 401)

	if vs := violations(t, c); len(vs) != 0 {
		t.Fatalf("panelsim breaks its own contract through the proxy: %+v", vs)
	}
	if strings.Contains(logs.String(), "violation") {
		t.Fatalf("violations logged: %s", logs.String())
	}
	var all []state.Entry
	c.Get("/_panelsim/requests").Expect(t, 200).Decode(t, &all)
	if len(all) != 7 {
		t.Fatalf("journal has %d entries, want 7: %+v", len(all), all)
	}
	first := all[0]
	if first.Panel != "dci6" || first.Status != 201 || first.Op == "" {
		t.Errorf("first entry %+v", first)
	}
	if strings.Contains(first.Body, "secret") {
		t.Errorf("the journal keeps a real password: %s", first.Body)
	}
	for _, e := range all {
		if strings.Contains(e.Query, "superpassword") || strings.Contains(e.Headers["X-Xsrf-Token"], token) {
			t.Errorf("the journal keeps a credential: %+v", e)
		}
	}
	var other []state.Entry
	c.World("other").Get("/_panelsim/requests").Expect(t, 200).Decode(t, &other)
	if len(other) != 1 || other[0].Status != 401 {
		t.Errorf("world other journal: %+v", other)
	}
	// The upstream saw every request, without the world prefix or header
	// (the world is the proxy's, the upstream is one real panel).
	seen := up.World("default").Requests(state.JournalFilter{})
	if len(seen) != 8 {
		t.Errorf("upstream saw %d requests in its default world, want 8", len(seen))
	}
}

// drifted is a DCImanager that drifted from the contract: a field renamed
// in the login answer, a type changed in a server, another error envelope.
func drifted(t *testing.T) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	answer := func(status int, body string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(status)
			w.Write([]byte(body))
		}
	}
	mux.Handle("POST /api/auth/v4/public/token", answer(201, `{"confirmed":true,"id":"7","session":"abcdef123456"}`))
	mux.Handle("GET /api/dci/v3/task/{id}", answer(200, `{"id":"5","name":"power_on","status":"complete"}`))
	mux.Handle("GET /api/dci/v3/server/{id}", answer(404, `{"code":2001,"message":"not found"}`))
	mux.Handle("GET /api/dci/v3/os_template", answer(200, `{"list":[],"size":0}`))
	hs := httptest.NewServer(mux)
	t.Cleanup(hs.Close)
	return hs
}

func TestProxyReportsEveryDriftWithItsPointer(t *testing.T) {
	up := drifted(t)
	c, _, logs := startProxy(t, Config{Upstreams: upstreams(t, up.URL, "dci6")})
	raw := c.For(t)
	raw.SkipValidation = true
	raw.JSON("POST", "/api/auth/v4/public/token", `{"email":"a@b.c","password":"pw"}`).Expect(t, 201)
	raw.Get("/api/dci/v3/task/5", "X-Xsrf-Token", "t").Expect(t, 200)
	raw.Get("/api/dci/v3/server/3", "X-Xsrf-Token", "t").Expect(t, 404)
	raw.Get("/api/dci/v3/os_template", "X-Xsrf-Token", "t").Expect(t, 200)

	got := map[string][]state.Violation{}
	total := 0
	for _, e := range violations(t, c) {
		if len(e.Violations) == 0 {
			t.Errorf("entry %s listed without violations", e.Path)
		}
		got[e.Path] = e.Violations
		total += len(e.Violations)
	}
	// The first violation of each answer is the one strict mode names.
	first := map[string]state.Violation{
		"/api/auth/v4/public/token": {In: "response", Part: "body", Pointer: "/session", Expected: "no such property", Actual: `property "session"`},
		"/api/dci/v3/task/5":        {In: "response", Part: "body", Pointer: "/id", Expected: "type integer", Actual: `"5"`},
		"/api/dci/v3/server/3":      {In: "response", Part: "body", Pointer: "/code", Expected: "no such property", Actual: `property "code"`},
	}
	// Every violation of an answer is reported, one per pointer: the task
	// answer lacks every field but three.
	pointers := map[string]string{
		"/api/auth/v4/public/token": "/session /token",
		"/api/dci/v3/task/5":        "/id /consul_id /server /progress /progress_info /error /registration_time /update_time /finish_time",
		"/api/dci/v3/server/3":      "/code /message /error",
	}
	if len(got) != len(first) {
		t.Errorf("violations on %d exchanges, want %d: %+v", len(got), len(first), got)
	}
	for path, w := range first {
		if len(got[path]) == 0 {
			t.Errorf("%s: no violation", path)
			continue
		}
		g := got[path][0]
		if g.In != w.In || g.Part != w.Part || g.Pointer != w.Pointer || g.Expected != w.Expected || g.Actual != w.Actual || g.Message == "" {
			t.Errorf("%s: got %+v, want %+v", path, g, w)
		}
		var ps []string
		for _, v := range got[path] {
			ps = append(ps, v.Pointer)
		}
		if strings.Join(ps, " ") != pointers[path] {
			t.Errorf("%s: violations at %v, want %s", path, ps, pointers[path])
		}
	}
	for _, line := range []string{"pointer=/session", "pointer=/token", "pointer=/id", "pointer=/code"} {
		if !strings.Contains(logs.String(), line) {
			t.Errorf("log lacks %q:\n%s", line, logs.String())
		}
	}
	if n := strings.Count(logs.String(), "contract violation"); n != total || total != 14 {
		t.Errorf("%d violation lines logged, %d journaled, want one per violation (14):\n%s", n, total, logs.String())
	}
}

func TestStrictTurnsAViolatedAnswerInto502(t *testing.T) {
	up := drifted(t)
	c, _, _ := startProxy(t, Config{Upstreams: upstreams(t, up.URL, "dci6"), Strict: true})
	r := c.JSON("POST", "/api/auth/v4/public/token", `{"email":"a@b.c","password":"pw"}`).Expect(t, 502)
	var env struct {
		Error struct {
			Code int    `json:"code"`
			Msg  string `json:"msg"`
		} `json:"error"`
	}
	r.Decode(t, &env)
	if !strings.Contains(env.Error.Msg, "/session") || !strings.Contains(env.Error.Msg, "breaks the contract") {
		t.Errorf("the 502 does not name the violation: %s", r.Body)
	}
	// A conforming answer passes in strict mode too.
	c.Get("/api/dci/v3/os_template", "X-Xsrf-Token", "t").Expect(t, 200)
	if vs := violations(t, c); len(vs) != 1 || vs[0].Status != 502 {
		t.Errorf("journal: %+v", vs)
	}
}

func TestRequestViolationsAreJournaledAndForwarded(t *testing.T) {
	up := panelsimtest.RunT(t, panelsimtest.WithValidation("off"))
	c, _, _ := startProxy(t, Config{Upstreams: upstreams(t, up.BaseURL(), "dci6")})
	raw := c.For(t)
	raw.SkipValidation = true
	raw.JSON("POST", "/api/auth/v4/public/token", `{"email":"admin@example.com","password":7}`).Expect(t, 400)
	vs := violations(t, c)
	if len(vs) != 1 {
		t.Fatalf("violations %+v", vs)
	}
	v := vs[0].Violations[0]
	if v.In != "request" || v.Part != "body" || v.Pointer != "/password" || v.Expected != "type string" || v.Actual != "7" {
		t.Errorf("request violation %+v", v)
	}
	if len(up.World("default").Requests(state.JournalFilter{})) != 1 {
		t.Error("a request that breaks the contract was not forwarded")
	}
}

// TestUpstreamFailuresAnswerInThePanelsEnvelope: an unreachable upstream
// and one that does not answer in time are the panel's own error, 502 and
// 504.
func TestUpstreamFailuresAnswerInThePanelsEnvelope(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + ln.Addr().String()
	ln.Close()
	c, _, _ := startProxy(t, Config{Upstreams: upstreams(t, closed, "dci6", "imserver")})
	r := c.Get("/api/dci/v3/server", "X-Xsrf-Token", "t").Expect(t, 502)
	if m := r.Map(t); m["error"] == nil || !strings.Contains(string(r.Body), "unreachable") {
		t.Errorf("unreachable upstream answer: %s", r.Body)
	}
	im := c.Get("/api?cmd=login&loginUsername=a&loginPassword=b").Expect(t, 502)
	if m := im.Map(t); m["success"] != false {
		t.Errorf("imserver envelope expected: %s", im.Body)
	}

	release := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	t.Cleanup(func() { close(release); slow.Close() })
	c2, _, _ := startProxy(t, Config{Upstreams: upstreams(t, slow.URL, "dci6"), Timeout: 50 * time.Millisecond})
	r = c2.Get("/api/dci/v3/server", "X-Xsrf-Token", "t").Expect(t, 504)
	if !strings.Contains(string(r.Body), "did not answer within 50ms") {
		t.Errorf("timeout answer: %s", r.Body)
	}
}

func TestTLSUpstreams(t *testing.T) {
	up := panelsimtest.RunT(t)
	tlsUp := httptest.NewUnstartedServer(up.Sim().Handler())
	tlsUp.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshake
	tlsUp.StartTLS()
	t.Cleanup(tlsUp.Close)
	c, _, _ := startProxy(t, Config{Upstreams: upstreams(t, tlsUp.URL, "dci6")})
	r := c.JSON("POST", "/api/auth/v4/public/token", `{"email":"admin@example.com","password":"secret"}`).Expect(t, 502)
	if !strings.Contains(string(r.Body), "certificate") {
		t.Errorf("a self-signed upstream without --upstream-insecure: %s", r.Body)
	}
	c, _, _ = startProxy(t, Config{Upstreams: upstreams(t, tlsUp.URL, "dci6"), Insecure: true})
	c.JSON("POST", "/api/auth/v4/public/token", `{"email":"admin@example.com","password":"secret"}`).Expect(t, 201)
}

func TestConfigErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  Config
		want string
	}{
		{"none", Config{}, "no upstream"},
		{"unknown panel", Config{Upstreams: []Upstream{{Panel: "cpanel", URL: mustURL(t, "http://127.0.0.1:1")}}}, "unknown panel"},
		{"twice", Config{Upstreams: []Upstream{{Panel: "dci6", URL: mustURL(t, "http://127.0.0.1:1")}, {Panel: "dci6", URL: mustURL(t, "http://127.0.0.1:2")}}}, "two upstreams"},
		{"timeout", Config{Upstreams: []Upstream{{Panel: "dci6", URL: mustURL(t, "http://127.0.0.1:1")}}, Timeout: -1}, "timeout"},
	} {
		if _, err := New(tc.cfg); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
	}
	for _, bad := range []string{"ftp://x", "dci.example.com", "http://", "http://h/?a=1", "http://u:p@h/"} {
		if _, err := ParseUpstream("dci6", bad); err == nil {
			t.Errorf("upstream %q accepted", bad)
		}
	}
}

func mustURL(t *testing.T, s string) *url.URL {
	t.Helper()
	up, err := ParseUpstream("x", s)
	if err != nil {
		t.Fatal(err)
	}
	return up.URL
}

// TestForwardingDetails: panelsim's world header stays home, a compressed
// answer is still checked, and a redirect to the upstream stays on the
// proxy.
func TestForwardingDetails(t *testing.T) {
	var sawWorld, sawBody string
	var mu sync.Mutex
	var up *httptest.Server
	up = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		sawWorld = r.Header.Get("X-Panelsim-World")
		b, _ := io.ReadAll(r.Body)
		sawBody = string(b)
		mu.Unlock()
		switch r.URL.Path {
		case "/auth/key-v4/k1":
			http.Redirect(w, r, up.URL+"/api/dci/v3/server?x=1", http.StatusFound)
		default:
			if !strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
				t.Errorf("the transport did not ask for gzip: %v", r.Header)
			}
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("Content-Encoding", "gzip")
			zw := gzip.NewWriter(w)
			zw.Write([]byte(`{"list":[],"size":"0"}`))
			zw.Close()
		}
	}))
	t.Cleanup(up.Close)
	c, _, _ := startProxy(t, Config{Upstreams: upstreams(t, up.URL, "dci6")})
	raw := c.For(t)
	raw.SkipValidation = true
	raw.With("X-Panelsim-World", "w1").Do("GET", "/api/dci/v3/os_template", []byte(`{"a":1}`), "X-Xsrf-Token", "t", "Accept-Encoding", "gzip")
	mu.Lock()
	if sawWorld != "" || sawBody != `{"a":1}` {
		t.Errorf("upstream saw world %q body %q", sawWorld, sawBody)
	}
	mu.Unlock()
	var vs []state.Entry
	c.World("w1").Get("/_panelsim/requests?violation=1").Expect(t, 200).Decode(t, &vs)
	found := false
	for _, e := range vs {
		for _, v := range e.Violations {
			found = found || (v.In == "response" && v.Pointer == "/size")
		}
	}
	if !found {
		t.Errorf("the compressed answer's drift was not found: %+v", vs)
	}
	r := raw.Get("/auth/key-v4/k1")
	if r.Status != http.StatusFound || r.Header.Get("Location") != "/api/dci/v3/server?x=1" {
		t.Errorf("redirect %d to %q", r.Status, r.Header.Get("Location"))
	}
}

func TestRecordingsGoOnNumbering(t *testing.T) {
	up := panelsimtest.RunT(t)
	dir := t.TempDir()
	for range 2 {
		c, _, _ := startProxy(t, Config{Upstreams: upstreams(t, up.BaseURL(), "dci6"), Record: dir})
		c.JSON("POST", "/api/auth/v4/public/token", `{"email":"admin@example.com","password":"secret"}`).Expect(t, 201)
	}
	files, _, err := ReadExchanges(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 2 || !strings.HasPrefix(files[0], "0001-") || !strings.HasPrefix(files[1], "0002-") {
		t.Errorf("files %v", files)
	}
}
