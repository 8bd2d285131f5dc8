package proxy

import (
	"bytes"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/panelsim/panelsim/internal/simtest"
	"github.com/panelsim/panelsim/panelsimtest"
	"github.com/panelsim/panelsim/sim"
)

// session drives a login, a list and a power-on (and their like on the
// other panels) through c; it returns the DCI token.
func session(t *testing.T, c *simtest.Client) string {
	t.Helper()
	login := c.JSON("POST", "/api/auth/v4/public/token", `{"email":"admin@example.com","password":"secret"}`).Expect(t, 201)
	token, _ := login.Map(t)["token"].(string)
	c.Get("/api/dci/v3/server", "X-Xsrf-Token", token).Expect(t, 200)
	c.Get("/api/dci/v3/server/1", "Cookie", "ses6="+token).Expect(t, 200)
	c.JSON("POST", "/api/dci/v3/server/1/power_on", `{}`, "X-Xsrf-Token", token).Expect(t, 200)
	c.Get("/api/dci/v3/server/424242", "X-Xsrf-Token", token).Expect(t, 404)
	im := c.Get("/api?cmd=login&loginUsername=petrov&loginPassword=superpassword").Expect(t, 200).Map(t)
	sess, _ := im["sess"].(string)
	if sess == "" {
		t.Fatalf("no IMserver session: %v", im)
	}
	c.Get("/api?cmd=get_servers&sess="+sess).Expect(t, 200)
	c.Get("/ispmgr?func=auth&username=root&password=secret").Expect(t, 200)
	c.Get("/ispmgr?func=user&authinfo=root:secret&out=json").Expect(t, 200)
	c.JSON("POST", "/api/v1", `{}`).Expect(t, 200)
	return token
}

func TestRecordedPanelsimTrafficDiffsEmptyAgainstTheEmulator(t *testing.T) {
	up := panelsimtest.RunT(t)
	dir := t.TempDir()
	if d := os.Getenv("PANELSIM_KEEP_RECORDING"); d != "" {
		dir = d
	}
	c, _, _ := startProxy(t, Config{Upstreams: upstreams(t, up.BaseURL(), "dci6", "imserver", "ispmgr", "dbc"), Record: dir})
	token := session(t, c)

	files, exchanges, err := ReadExchanges(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(exchanges) != 10 {
		t.Fatalf("%d exchanges recorded, want 10: %v", len(exchanges), files)
	}
	for _, f := range files {
		data, _ := os.ReadFile(filepath.Join(dir, f))
		for _, secret := range []string{token, `"secret"`, "superpassword", "root:secret", "ses6=" + token} {
			if bytes.Contains(data, []byte(secret)) {
				t.Errorf("%s keeps %q:\n%s", f, secret, data)
			}
		}
	}
	if !strings.HasPrefix(files[0], "0001-dci6-post-api-auth-v4-public-token") {
		t.Errorf("first file %s", files[0])
	}
	if exchanges[0].Response.Status != 201 || len(exchanges[0].Response.JSON) == 0 {
		t.Errorf("login recorded as %+v", exchanges[0].Response)
	}

	emu, err := sim.New(sim.Config{})
	if err != nil {
		t.Fatal(err)
	}
	rp := NewReplayer("http://panelsim", HandlerTransport(emu.Handler()), map[string]string{
		"password": "secret", "loginPassword": "superpassword", "authinfo": "root:secret",
	})
	results := rp.Diff(files, exchanges)
	var report bytes.Buffer
	if n := WriteReport(&report, results); n != 0 {
		t.Fatalf("panelsim differs from its own recording:\n%s", report.String())
	}
	if !strings.Contains(report.String(), "10 exchange(s), 0 differ") {
		t.Errorf("report:\n%s", report.String())
	}

	// The same recording against a running panelsim (diff --target).
	target := panelsimtest.RunT(t)
	remote := NewReplayer(target.BaseURL(), http.DefaultTransport, map[string]string{
		"password": "secret", "loginPassword": "superpassword", "authinfo": "root:secret",
	})
	report.Reset()
	if n := WriteReport(&report, remote.Diff(files, exchanges)); n != 0 {
		t.Fatalf("a running panelsim differs from the recording:\n%s", report.String())
	}

	// Without the password the replayed login fails, and the report says
	// where: the status and the envelope.
	bare := NewReplayer("http://panelsim", HandlerTransport(mustSim(t).Handler()), nil)
	first := bare.Diff(files[:1], exchanges[:1])[0]
	if first.Same() || first.Differences[0].Kind != "status" {
		t.Fatalf("a login with a masked password replayed the same: %+v", first)
	}
	report.Reset()
	WriteReport(&report, []Result{first})
	for _, want := range []string{"status (recorded 201, panelsim 401)", "/error: extra", "/token: missing"} {
		if !strings.Contains(report.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, report.String())
		}
	}
}

func mustSim(t *testing.T) *sim.Server {
	t.Helper()
	s, err := sim.New(sim.Config{})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestDiffReportsDriftedRecordings records a drifted panel and diffs it:
// every drift is named with its pointer.
func TestDiffReportsDriftedRecordings(t *testing.T) {
	up := drifted(t)
	dir := t.TempDir()
	c, _, _ := startProxy(t, Config{Upstreams: upstreams(t, up.URL, "dci6"), Record: dir})
	raw := c.For(t)
	raw.SkipValidation = true
	raw.JSON("POST", "/api/auth/v4/public/token", `{"email":"admin@example.com","password":"secret"}`).Expect(t, 201)
	raw.Get("/api/dci/v3/server/424242", "X-Xsrf-Token", "masked-1").Expect(t, 404)
	files, exchanges, err := ReadExchanges(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(exchanges[0].Violations) == 0 {
		t.Error("the recording lacks the exchange's violations")
	}
	results := NewReplayer("http://panelsim", HandlerTransport(mustSim(t).Handler()), map[string]string{"password": "secret"}).Diff(files, exchanges)
	var report bytes.Buffer
	if n := WriteReport(&report, results); n != 2 {
		t.Fatalf("%d exchanges differ, want 2:\n%s", n, report.String())
	}
	for _, want := range []string{
		"/session: missing", "/token: extra", // the renamed field
		"/code: missing", "/message: missing", "/error: extra", // the other envelope
	} {
		if !strings.Contains(report.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, report.String())
		}
	}
}

func TestCompareShapes(t *testing.T) {
	rec := Message{Status: 200, Header: http.Header{"Content-Type": {"application/json"}},
		JSON: []byte(`{"id":1,"name":"a","ip":[{"v":"x"}],"owner":null}`)}
	h := http.Header{"Content-Type": {"application/json; charset=utf-8"}}
	diffs := compare(rec, 200, h, []byte(`{"id":"1","name":"b","ip":[{"v":2}],"owner":null,"new":true}`))
	want := []string{"/id: type (recorded number, panelsim string)", "/ip/0/v: type (recorded string, panelsim number)", "/new: extra (recorded absent, panelsim boolean)"}
	if len(diffs) != len(want) {
		t.Fatalf("diffs %v", diffs)
	}
	for i, d := range diffs {
		if d.String() != want[i] {
			t.Errorf("diff %d: %s, want %s", i, d, want[i])
		}
	}
	xml := Message{Status: 200, Header: http.Header{"Content-Type": {"text/xml"}}, Body: `<doc><elem><name>x</name></elem></doc>`}
	diffs = compare(xml, 200, http.Header{"Content-Type": {"text/xml"}}, []byte(`<doc><elem name="x"/></doc>`))
	if len(diffs) != 2 || diffs[0].Pointer != "/doc/elem/name" || diffs[1].Pointer != "/doc/elem/@name" {
		t.Errorf("xml diffs %v", diffs)
	}
	diffs = compare(rec, 200, http.Header{"Content-Type": {"text/html"}}, []byte(`<html>`))
	if len(diffs) != 2 || diffs[0].Kind != "content-type" || diffs[1].Kind != "body" {
		t.Errorf("format diffs %v", diffs)
	}
}
