package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/panelsim/panelsim/internal/simtest"
	"github.com/panelsim/panelsim/state"
)

// runCmd runs a command that ends by itself (diff, bad flags) and returns
// its exit code and output.
func runCmd(t *testing.T, args ...string) (int, string) {
	t.Helper()
	var out bytes.Buffer
	code := run(context.Background(), args, func(string) string { return "" }, &out, &out, nil)
	return code, out.String()
}

// TestProxyAndDiffAsTheREADMEShows runs the README's worked example: a
// panelsim as the "real" panel, the proxy in front of it recording, a
// login, a list and a power-on through it, an empty violation journal,
// and an empty diff of the recording against the emulator.
func TestProxyAndDiffAsTheREADMEShows(t *testing.T) {
	upstream, _, stopUp := start(t, nil, "--addr", "127.0.0.1:0", "--clock", "manual", "--log-level", "warn")
	defer stopUp()
	dir := filepath.Join(t.TempDir(), "rec")
	addr, out, stop := start(t, nil, "proxy", "--addr", "127.0.0.1:0", "--panel", "dci6,imserver", "--upstream", "http://"+upstream, "--record", dir)
	c := simtest.NewURL(t, "http://"+addr)
	login := c.Do("POST", "/api/auth/v4/public/token", []byte(`{"email":"admin@example.com","password":"secret"}`)).Expect(t, 201)
	token, _ := login.Map(t)["token"].(string)
	c.Get("/api/dci/v3/server", "X-Xsrf-Token", token).Expect(t, 200)
	c.Do("POST", "/api/dci/v3/server/1/power_on", []byte(`{}`), "X-Xsrf-Token", token).Expect(t, 200)
	c.Get("/api?cmd=login&loginUsername=petrov&loginPassword=superpassword").Expect(t, 200)
	var vs []state.Entry
	c.Get("/_panelsim/requests?violation=1").Expect(t, 200).Decode(t, &vs)
	if len(vs) != 0 {
		t.Fatalf("violations in front of panelsim: %+v", vs)
	}
	if code := stop(); code != 0 {
		t.Fatalf("proxy exited with %d: %s", code, out.String())
	}
	banner := out.String()
	for _, want := range []string{"proxy on http://" + addr, "dci6      -> http://" + upstream, "recording to " + dir, "/_panelsim/requests?violation=1"} {
		if !strings.Contains(banner, want) {
			t.Errorf("banner lacks %q:\n%s", want, banner)
		}
	}
	files, _ := os.ReadDir(dir)
	if len(files) != 4 {
		t.Fatalf("%d files recorded, want 4", len(files))
	}

	code, report := runCmd(t, "diff", dir, "--secret", "password=secret", "--secret", "loginPassword=superpassword")
	if code != 0 || !strings.Contains(report, "4 exchange(s), 0 differ") {
		t.Fatalf("diff exited %d:\n%s", code, report)
	}
	// Without the password the login replays as a failed one: exit 1, and
	// the report names the status and the envelope.
	code, report = runCmd(t, "diff", dir)
	if code != 1 || !strings.Contains(report, "status (recorded 201, panelsim 401)") || !strings.Contains(report, "/error: extra") {
		t.Fatalf("diff without the password exited %d:\n%s", code, report)
	}
	code, report = runCmd(t, "diff", "--json", "--secret", "password=secret", "--secret", "loginPassword=superpassword", dir)
	if code != 0 || !strings.Contains(report, `"differences": null`) && !strings.Contains(report, `"differences": []`) {
		t.Fatalf("diff --json exited %d:\n%s", code, report)
	}
}

// TestProxyLogsEveryDriftOnOneLine puts the proxy in front of a drifted
// DCImanager: each drift is a log line with its pointer, and the recording
// diffs with the same pointers.
func TestProxyLogsEveryDriftOnOneLine(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /api/auth/v4/public/token", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(201)
		w.Write([]byte(`{"confirmed":true,"id":7,"token":"abcdef123456"}`))
	})
	mux.HandleFunc("GET /api/dci/v3/server/{id}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(404)
		w.Write([]byte(`{"errors":[{"code":2001}]}`))
	})
	drift := httptest.NewServer(mux)
	defer drift.Close()
	dir := t.TempDir()
	addr, out, stop := start(t, nil, "proxy", "--addr", "127.0.0.1:0", "--panel", "dci6="+drift.URL, "--record", dir)
	c := simtest.NewURL(t, "http://"+addr)
	c.SkipValidation = true
	c.Do("POST", "/api/auth/v4/public/token", []byte(`{"email":"admin@example.com","password":"secret"}`)).Expect(t, 201)
	c.Get("/api/dci/v3/server/424242", "X-Xsrf-Token", "abcdef123456").Expect(t, 404)
	stop()
	log := out.String()
	for _, want := range []string{"contract violation", "pointer=/id", `expected="type string"`, "pointer=/errors"} {
		if !strings.Contains(log, want) {
			t.Errorf("log lacks %q:\n%s", want, log)
		}
	}
	code, report := runCmd(t, "diff", dir, "--secret", "password=secret")
	if code != 1 {
		t.Fatalf("diff of a drifted recording exited %d:\n%s", code, report)
	}
	for _, want := range []string{"/id: type (recorded number, panelsim string)", "/errors: missing", "/error: extra"} {
		if !strings.Contains(report, want) {
			t.Errorf("diff lacks %q:\n%s", want, report)
		}
	}
}

func TestProxyAndDiffUsageErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"proxy"}, "name the panel"},
		{[]string{"proxy", "--panel", "dci6"}, "no upstream"},
		{[]string{"proxy", "--panel", "cpanel", "--upstream", "http://127.0.0.1:1"}, "unknown panel"},
		{[]string{"proxy", "--panel", "dci6=dci.example.com"}, "want an http:// or https:// URL"},
		{[]string{"proxy", "--panel", "dci6", "--upstream", "http://127.0.0.1:1", "--timeout", "soon"}, "--timeout"},
		{[]string{"diff"}, "name the recording directory"},
		{[]string{"diff", "a", "b"}, "unexpected argument"},
		{[]string{"diff", "--secret", "x", "dir"}, "want NAME=VALUE"},
		{[]string{"diff", "--target", "http://127.0.0.1:1", "--seed", "3", "dir"}, "drop --scenario and --seed"},
		{[]string{"diff", t.TempDir()}, "no recorded exchange"},
	} {
		code, out := runCmd(t, tc.args...)
		if tc.want == "unknown panel" {
			if code != 1 || !strings.Contains(out, tc.want) {
				t.Errorf("%v: exit %d, %s", tc.args, code, out)
			}
			continue
		}
		if code != 2 || !strings.Contains(out, tc.want) {
			t.Errorf("%v: exit %d, want 2 and %q: %s", tc.args, code, tc.want, out)
		}
	}
}

// TestProxyFromTheEnvironmentOverHTTPS configures the proxy by environment
// alone (as a container would) and serves it over HTTPS.
func TestProxyFromTheEnvironmentOverHTTPS(t *testing.T) {
	upstream, _, stopUp := start(t, nil, "--addr", "127.0.0.1:0", "--log-level", "warn")
	defer stopUp()
	env := map[string]string{"PANELSIM_PANEL": "dci6", "PANELSIM_UPSTREAM": "http://" + upstream, "PANELSIM_TLS": "true", "PANELSIM_STRICT": "true"}
	addr, out, stop := start(t, env, "proxy", "--addr", "127.0.0.1:0")
	defer stop()
	if !strings.Contains(out.String(), "proxy on https://"+addr+" (strict") {
		t.Errorf("banner:\n%s", out.String())
	}
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}} // the proxy's own self-signed certificate
	resp, err := hc.Post("https://"+addr+"/api/auth/v4/public/token", "application/json", strings.NewReader(`{"email":"admin@example.com","password":"secret"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 201 {
		t.Errorf("login over HTTPS through the proxy: %d", resp.StatusCode)
	}
}
