package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/panelsim/panelsim/internal/simtest"
)

// start runs panelsim in the background with args and returns its address
// and a stop function that waits for the exit code.
func start(t *testing.T, env map[string]string, args ...string) (addr string, out *simtest.LogBuffer, stop func() int) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	out = &simtest.LogBuffer{}
	ready := make(chan string, 1)
	code := make(chan int, 1)
	getenv := func(k string) string { return env[k] }
	go func() { code <- run(ctx, args, getenv, out, out, func(a string) { ready <- a }) }()
	select {
	case addr = <-ready:
	case c := <-code:
		cancel()
		t.Fatalf("panelsim exited with %d: %s", c, out.String())
	}
	return addr, out, func() int { cancel(); return <-code }
}

// get fetches url and checks the answer against the contract.
func get(t *testing.T, url string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	simtest.CheckAnswer(t, simtest.Contract(t), req, nil, &simtest.Response{Status: resp.StatusCode, Header: resp.Header, Body: b})
	return resp.StatusCode, string(b)
}

func TestServesTheDefaultScenarioAndPrintsTheBanner(t *testing.T) {
	addr, out, stop := start(t, nil, "--addr", "127.0.0.1:0", "--log-level", "warn")
	if code, body := get(t, "http://"+addr+"/_panelsim/health"); code != 200 || !strings.Contains(body, `"ok"`) {
		t.Fatalf("health %d %s", code, body)
	}
	_, clock := get(t, "http://"+addr+"/_panelsim/clock")
	if !strings.Contains(clock, `"mode":"real"`) {
		t.Fatalf("the binary's default clock is not real: %s", clock)
	}
	banner := out.String()
	for _, want := range []string{"http://" + addr, "dci6", "imserver", "dbc", "ispmgr", "/_panelsim"} {
		if !strings.Contains(banner, want) {
			t.Errorf("banner lacks %q:\n%s", want, banner)
		}
	}
	if code := stop(); code != 0 {
		t.Fatalf("exit %d", code)
	}
}

func TestEnvironmentConfiguresFlags(t *testing.T) {
	addr, _, stop := start(t, map[string]string{"PANELSIM_ADDR": "127.0.0.1:0", "PANELSIM_CLOCK": "manual", "PANELSIM_SEED": "7"})
	defer stop()
	if _, clock := get(t, "http://"+addr+"/_panelsim/clock"); !strings.Contains(clock, `"mode":"manual"`) {
		t.Fatalf("PANELSIM_CLOCK ignored: %s", clock)
	}
}

func TestBadFlagsExitWithUsage(t *testing.T) {
	for _, args := range [][]string{
		{"--clock", "sometimes", "--addr", "127.0.0.1:0"},
		{"--seed", "0"},
		{"--validate", "maybe", "--addr", "127.0.0.1:0"},
		{"--listen", "nope"},
		{"--listen", "whmcs=127.0.0.1:0", "--addr", "127.0.0.1:0"},
		{"--tls-cert", "x.pem"},
		{"--log-format", "xml", "--addr", "127.0.0.1:0"},
		{"--scenario", "/does/not/exist.yaml", "--addr", "127.0.0.1:0"},
		{"extra-arg"},
	} {
		var out bytes.Buffer
		if code := run(context.Background(), args, func(string) string { return "" }, &out, &out, nil); code == 0 {
			t.Errorf("%v: exit 0", args)
		}
	}
	var out bytes.Buffer
	if code := run(context.Background(), []string{"--help"}, func(string) string { return "" }, &out, &out, nil); code != 0 || !strings.Contains(out.String(), "PANELSIM_ADDR") {
		t.Fatalf("--help: %d %s", code, out.String())
	}
}

func TestExtraPanelListenerServesOnlyThatPanel(t *testing.T) {
	addr, out, stop := start(t, nil, "--addr", "127.0.0.1:0", "--listen", "ispmgr=127.0.0.1:0")
	defer stop()
	line := ""
	for _, l := range strings.Split(out.String(), "\n") {
		if strings.Contains(l, "(own listener)") {
			line = l
		}
	}
	i := strings.Index(line, "http://")
	if i < 0 {
		t.Fatalf("no extra listener in the banner:\n%s", out.String())
	}
	extra := strings.Fields(line[i:])[0]
	// Not through get: on this listener the control plane's paths are
	// deliberately not served, so the answer is outside the contract.
	resp, err := http.Get(extra + "/_panelsim/health")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 404 {
		t.Fatalf("the panel listener answers the control plane's health: %d", resp.StatusCode)
	}
	if code, _ := get(t, "http://"+addr+"/_panelsim/health"); code != 200 {
		t.Fatal("main listener lost the control plane")
	}
}

func TestStateFileSurvivesRestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "worlds.json")
	addr, _, stop := start(t, nil, "--addr", "127.0.0.1:0", "--clock", "manual", "--state-file", path)
	req, _ := http.NewRequest("POST", "http://"+addr+"/_panelsim/clock/advance", strings.NewReader(`{"by":"3h"}`))
	req.Header.Set("Content-Type", "application/json")
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 200 {
		t.Fatalf("advance: %v", err)
	}
	if code := stop(); code != 0 {
		t.Fatalf("exit %d", code)
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("no state saved on shutdown: %v", err)
	}
	addr, _, stop = start(t, nil, "--addr", "127.0.0.1:0", "--clock", "manual", "--state-file", path)
	defer stop()
	if _, clock := get(t, "http://"+addr+"/_panelsim/clock"); !strings.Contains(clock, `"now":"2025-01-01T03:00:00Z"`) {
		t.Fatalf("clock not restored: %s", clock)
	}
}

func TestHealthcheckSubcommand(t *testing.T) {
	addr, _, stop := start(t, nil, "--addr", "127.0.0.1:0")
	defer stop()
	var out bytes.Buffer
	env := func(k string) string { return map[string]string{"PANELSIM_ADDR": addr}[k] }
	if code := run(context.Background(), []string{"healthcheck"}, env, &out, &out, nil); code != 0 {
		t.Fatalf("healthcheck of a running server: %d %s", code, out.String())
	}
	if code := run(context.Background(), []string{"healthcheck", "--addr", "127.0.0.1:1"}, env, &out, &out, nil); code == 0 {
		t.Fatal("healthcheck of nothing succeeded")
	}
}

func TestSelfSignedTLS(t *testing.T) {
	addr, out, stop := start(t, nil, "--addr", "127.0.0.1:0", "--tls")
	defer stop()
	if !strings.Contains(out.String(), "https://"+addr) {
		t.Fatalf("banner does not say https:\n%s", out.String())
	}
	var hc bytes.Buffer
	env := func(k string) string { return map[string]string{"PANELSIM_ADDR": addr, "PANELSIM_TLS": "true"}[k] }
	if code := run(context.Background(), []string{"healthcheck"}, env, &hc, &hc, nil); code != 0 {
		t.Fatalf("healthcheck over TLS: %d %s", code, hc.String())
	}
}

// BenchmarkStartToReady measures flag parsing, scenario load, default world
// seeding and listening: the time until health answers 200.
func BenchmarkStartToReady(b *testing.B) {
	for i := 0; i < b.N; i++ {
		ctx, cancel := context.WithCancel(context.Background())
		ready := make(chan string, 1)
		done := make(chan int, 1)
		go func() {
			done <- run(ctx, []string{"--addr", "127.0.0.1:0"}, func(string) string { return "" }, io.Discard, io.Discard, func(a string) { ready <- a })
		}()
		addr := <-ready
		resp, err := http.Get("http://" + addr + "/_panelsim/health")
		if err != nil || resp.StatusCode != 200 {
			b.Fatal(err)
		}
		resp.Body.Close()
		cancel()
		<-done
	}
}
