package panelsimtc_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/testcontainers/testcontainers-go"
	tclog "github.com/testcontainers/testcontainers-go/log"

	"github.com/panelsim/panelsim/internal/simtest"
	"github.com/panelsim/panelsim/panelsimtc"
	"github.com/panelsim/panelsim/state"
)

// These tests start the real image on a real Docker engine. PANELSIM_IMAGE
// names the image (CI builds it with `make image` first); without it the
// tests build panelsim:dev themselves with `make image`. With no reachable
// engine they skip, unless PANELSIM_REQUIRE_DOCKER=1 makes that a failure.

func TestMain(m *testing.M) {
	// The Ryuk reaper image cannot be pulled where there is no registry;
	// every test terminates its containers itself instead.
	if os.Getenv("TESTCONTAINERS_RYUK_DISABLED") == "" {
		os.Setenv("TESTCONTAINERS_RYUK_DISABLED", "true")
	}
	// Run finds the loopback here by itself (TestRunNeedsNoHostOverride
	// shows it); pinning it keeps every other test on this machine even if
	// the detection were wrong. A value given from outside wins.
	if os.Getenv("TESTCONTAINERS_HOST_OVERRIDE") == "" {
		os.Setenv("TESTCONTAINERS_HOST_OVERRIDE", "127.0.0.1")
	}
	os.Exit(m.Run())
}

var (
	setupOnce sync.Once
	dockerErr error  // the engine is not reachable
	imageErr  error  // the image could not be built
	imageName string // what to run
)

// image returns the image under test, skipping the test when no Docker
// engine is reachable (failing it when PANELSIM_REQUIRE_DOCKER=1).
func image(t *testing.T) string {
	t.Helper()
	setupOnce.Do(setup)
	if dockerErr != nil {
		if os.Getenv("PANELSIM_REQUIRE_DOCKER") == "1" {
			t.Fatalf("PANELSIM_REQUIRE_DOCKER=1 but no Docker engine is reachable: %v", dockerErr)
		}
		t.Skipf("no Docker engine reachable (set PANELSIM_REQUIRE_DOCKER=1 to fail instead): %v", dockerErr)
	}
	if imageErr != nil {
		t.Fatalf("image: %v", imageErr)
	}
	return imageName
}

func setup() {
	dockerErr = dockerReachable()
	if dockerErr != nil {
		return
	}
	if imageName = os.Getenv("PANELSIM_IMAGE"); imageName != "" {
		return
	}
	imageName = "panelsim:dev"
	cmd := exec.Command("make", "image", "IMAGE="+imageName)
	cmd.Dir = ".." // the repository root, where the Makefile is
	if out, err := cmd.CombinedOutput(); err != nil {
		imageErr = fmt.Errorf("make image (set PANELSIM_IMAGE to use a built image): %v\n%s", err, out)
	}
}

// dockerReachable asks testcontainers' default provider for the engine's
// health; the provider panics on some broken setups.
func dockerReachable() (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("docker provider: %v", p)
		}
	}()
	provider, err := testcontainers.ProviderDefault.GetProvider()
	if err != nil {
		return err
	}
	defer provider.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	return provider.Health(ctx)
}

// run starts a container and terminates it when the test ends (registered
// before Run's error is checked: Run returns the container on failure too).
func run(t *testing.T, opts ...testcontainers.ContainerCustomizer) *panelsimtc.Container {
	t.Helper()
	img := image(t)
	opts = append([]testcontainers.ContainerCustomizer{testcontainers.WithLogger(tclog.TestLogger(t))}, opts...)
	began := time.Now()
	ctr, err := panelsimtc.Run(context.Background(), img, opts...)
	testcontainers.CleanupContainer(t, ctr)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("Run: created, started and healthy in %s", time.Since(began).Round(time.Millisecond))
	return ctr
}

// get fetches url and returns the status and body.
func get(t *testing.T, url string) (int, string) {
	t.Helper()
	return do(t, http.MethodGet, url, "", nil)
}

// do sends a request (header: pairs of names and values) and checks the
// answer against panelsim's contract, as every test of panelsim does.
func do(t *testing.T, method, url, contentType string, body io.Reader, header ...string) (int, string) {
	t.Helper()
	var sent []byte
	if body != nil {
		var err error
		if sent, err = io.ReadAll(body); err != nil {
			t.Fatal(err)
		}
	}
	req, err := http.NewRequest(method, url, bytes.NewReader(sent))
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	simtest.CheckAnswer(t, simtest.Contract(t), req, sent, &simtest.Response{Status: resp.StatusCode, Header: resp.Header, Body: b})
	return resp.StatusCode, string(b)
}

// TestContainer starts the image once and runs everything that can share a
// container as parallel subtests, each in its own world.
func TestContainer(t *testing.T) {
	ctr := run(t)
	ctx := context.Background()

	t.Run("health and version", func(t *testing.T) {
		t.Parallel()
		base, err := ctr.BaseURL(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(base, "http://") {
			t.Fatalf("BaseURL %q: want http://host:port", base)
		}
		status, body := get(t, base+"/_panelsim/health")
		if status != http.StatusOK || strings.TrimSpace(body) != `{"status":"ok"}` {
			t.Fatalf("health: %d %s", status, body)
		}
		status, body = get(t, base+"/_panelsim/version")
		if status != http.StatusOK {
			t.Fatalf("version: %d %s", status, body)
		}
		for _, p := range []string{"dci6", "imserver", "dbc", "ispmgr"} {
			if _, err := ctr.PanelURL(ctx, p); err != nil {
				t.Errorf("PanelURL(%s): %v", p, err)
			}
		}
		if _, err := ctr.PanelURL(ctx, "cpanel"); err == nil || !strings.Contains(err.Error(), "dci6") {
			t.Errorf("PanelURL(cpanel) = %v, want an error listing the panels served", err)
		}
	})

	t.Run("coverage", func(t *testing.T) {
		t.Parallel()
		w, err := ctr.NewWorld(ctx, "covered")
		if err != nil {
			t.Fatal(err)
		}
		base, err := w.BaseURL(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for range 2 {
			if status, _ := get(t, base+"/api/dci/v3/server"); status != http.StatusUnauthorized {
				t.Fatalf("status %d", status)
			}
		}
		rep, err := w.Coverage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		dci, _ := rep.Panel("dci6")
		if rep.World != "covered" || dci.Operations.Count("/api/dci/v3/server") != 2 || dci.Codes.Count("3001") != 2 {
			t.Fatalf("world %q: server list %d, 3001 %d; want 2 and 2", rep.World, dci.Operations.Count("/api/dci/v3/server"), dci.Codes.Count("3001"))
		}
		all, err := ctr.Coverage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if d, _ := all.Panel("dci6"); all.World != "" || d.Operations.Count("/api/dci/v3/server") < 2 {
			t.Fatalf("merged report %q counts %d", all.World, d.Operations.Count("/api/dci/v3/server"))
		}
	})

	t.Run("manual clock by default", func(t *testing.T) {
		t.Parallel()
		w, err := ctr.NewWorld(ctx, "clock")
		if err != nil {
			t.Fatal(err)
		}
		c, err := w.Clock(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if c.Mode != "manual" {
			t.Fatalf("mode %q, want the module's default manual", c.Mode)
		}
		if !c.Now.Equal(c.Start) {
			t.Fatalf("a fresh world's clock moved by itself: now %s, start %s", c.Now, c.Start)
		}
		if _, err := w.Advance(ctx, 15*time.Minute); err != nil {
			t.Fatal(err)
		}
		if _, err := w.Advance(ctx, 36*time.Hour); err != nil {
			t.Fatal(err)
		}
		now, err := w.Now(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if want := c.Start.Add(36*time.Hour + 15*time.Minute); !now.Equal(want) {
			t.Fatalf("after Advance(15m) and Advance(36h): now %s, want %s", now, want)
		}
		at := c.Start.Add(48 * time.Hour)
		if _, err := w.SetTime(ctx, at); err != nil {
			t.Fatal(err)
		}
		if now, _ := w.Now(ctx); !now.Equal(at) {
			t.Fatalf("after SetTime(%s): now %s", at, now)
		}
		if _, err := w.Advance(ctx, -time.Second); err == nil {
			t.Fatal("Advance(-1s) succeeded")
		}
		if err := w.Reset(ctx); err != nil {
			t.Fatal(err)
		}
		if now, _ := w.Now(ctx); !now.Equal(c.Start) {
			t.Fatalf("after Reset: now %s, want the scenario start %s", now, c.Start)
		}
	})

	t.Run("parallel worlds do not interfere", func(t *testing.T) {
		t.Parallel()
		for i := 1; i <= 4; i++ {
			t.Run(fmt.Sprint("world", i), func(t *testing.T) {
				t.Parallel()
				isolatedWorld(t, ctr, i)
			})
		}
	})

	t.Run("world handles", func(t *testing.T) {
		t.Parallel()
		w, err := ctr.NewWorld(ctx, "parent")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ctr.NewWorld(ctx, "parent"); err == nil {
			t.Fatal("NewWorld with a taken name succeeded")
		}
		base, _ := ctr.BaseURL(ctx)
		wbase, err := w.BaseURL(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if wbase != base+"/_w/parent" {
			t.Fatalf("world BaseURL %q, want %q", wbase, base+"/_w/parent")
		}
		if _, err := w.Advance(ctx, time.Hour); err != nil {
			t.Fatal(err)
		}
		rule := state.FaultRule{Name: "down", Panel: "ispmgr", Action: state.FaultAction{Status: 503}}
		if err := w.SetFaults(ctx, rule); err != nil {
			t.Fatal(err)
		}
		fork, err := w.Fork(ctx, "child")
		if err != nil {
			t.Fatal(err)
		}
		wNow, _ := w.Now(ctx)
		fNow, _ := fork.Now(ctx)
		if !fNow.Equal(wNow) {
			t.Fatalf("fork's clock %s, want the parent's %s", fNow, wNow)
		}
		if rules, err := fork.Faults(ctx); err != nil || len(rules) != 1 || rules[0].Name != "down" {
			t.Fatalf("fork's faults %+v, %v: want the parent's rule", rules, err)
		}
		if err := fork.Delete(ctx); err != nil {
			t.Fatal(err)
		}
		var perr *panelsimtc.Error
		if err := fork.Delete(ctx); !errors.As(err, &perr) || perr.Status != http.StatusNotFound {
			t.Fatalf("deleting a deleted world: %v, want a 404 *panelsimtc.Error", err)
		}
	})

	t.Run("invalid fault rule is refused with its field", func(t *testing.T) {
		t.Parallel()
		w, err := ctr.NewWorld(ctx, "badfault")
		if err != nil {
			t.Fatal(err)
		}
		bad := state.FaultRule{Name: "two-actions", Action: state.FaultAction{Status: 503, Reset: true}}
		err = w.SetFaults(ctx, bad)
		var perr *panelsimtc.Error
		if !errors.As(err, &perr) || perr.Status != http.StatusBadRequest || !strings.Contains(perr.Field, "action") {
			t.Fatalf("SetFaults(rule with two actions) = %v, want a 400 *panelsimtc.Error on the action", err)
		}
		if rules, _ := w.Faults(ctx); len(rules) != 0 {
			t.Fatalf("a refused rule list was half-applied: %+v", rules)
		}
	})

	t.Run("panels", func(t *testing.T) {
		t.Parallel()
		panelFlows(t, ctr)
	})
}

// isolatedWorld works one world hard while its siblings do the same, then
// checks it saw only its own time, rules and requests.
func isolatedWorld(t *testing.T, ctr *panelsimtc.Container, i int) {
	ctx := context.Background()
	w, err := ctr.NewWorld(ctx, fmt.Sprint("iso", i))
	if err != nil {
		t.Fatal(err)
	}
	start, err := w.Now(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for range i {
		if _, err := w.Advance(ctx, time.Hour); err != nil {
			t.Fatal(err)
		}
	}
	name := fmt.Sprint("rule-of-world", i)
	// Every world breaks the same URL its own way: the DBC client's
	// version root, which needs no login.
	if err := w.SetFaults(ctx, state.FaultRule{Name: name, Panel: "dbc", Action: state.FaultAction{Status: 500 + i, Body: name}}); err != nil {
		t.Fatal(err)
	}
	dbc, err := w.PanelURL(ctx, "dbc")
	if err != nil {
		t.Fatal(err)
	}
	for range i {
		if status, body := get(t, dbc+"/"); status != 500+i || body != name {
			t.Errorf("world %d: DBC version root answered %d %q, want its own fault %d %q", i, status, body, 500+i, name)
		}
	}
	now, err := w.Now(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if want := start.Add(time.Duration(i) * time.Hour); !now.Equal(want) {
		t.Errorf("world %d: now %s, want %s (another world's Advance leaked in?)", i, now, want)
	}
	rules, err := w.Faults(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(rules) != 1 || rules[0].Name != name {
		t.Errorf("world %d: faults %+v, want only its own %q", i, rules, name)
	}
	entries, err := w.Requests(ctx, state.JournalFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != i {
		t.Errorf("world %d: journal has %d entries, want its own %d requests", i, len(entries), i)
	}
	for _, e := range entries {
		if e.World != w.Name() || e.Fault != name {
			t.Errorf("world %d: journal entry of world %q, fault %q: want %q, %q", i, e.World, e.Fault, w.Name(), name)
		}
	}
	// The default world is untouched by all of this.
	if rules, err := ctr.World(panelsimtc.DefaultWorld).Faults(ctx); err != nil || len(rules) != 0 {
		t.Errorf("default world's faults %+v, %v: want none", rules, err)
	}
	dbcDefault, err := ctr.PanelURL(ctx, "dbc")
	if err != nil {
		t.Fatal(err)
	}
	if status, body := get(t, dbcDefault+"/"); status != http.StatusOK {
		t.Errorf("default world's DBC version root: %d %s", status, body)
	}
}

// TestRunOptions checks that every option reaches panelsim.
func TestRunOptions(t *testing.T) {
	scenario := filepath.Join(t.TempDir(), "scenario.yaml")
	err := os.WriteFile(scenario, []byte("version: 1\nname: from-file\nseed: 5\nstart: 2024-02-29T12:00:00Z\n"), 0o600)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Date(2031, 7, 1, 8, 30, 0, 0, time.UTC)
	ctr := run(t,
		panelsimtc.WithScenario(scenario),
		panelsimtc.WithSeed(777),
		panelsimtc.WithStart(start),
		panelsimtc.WithClock("real:2"),
		panelsimtc.WithValidation("log"),
	)
	ctx := context.Background()
	c, err := ctr.World(panelsimtc.DefaultWorld).Clock(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !c.Start.Equal(start) {
		t.Errorf("start %s, want WithStart's %s", c.Start, start)
	}
	if c.Mode != "real:2" {
		t.Errorf("clock mode %q, want WithClock's real:2", c.Mode)
	}
	if seed := snapshotSeed(t, ctr); seed != 777 {
		t.Errorf("seed %d, want WithSeed's 777", seed)
	}
	info, err := ctr.Inspect(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if hc := info.Config.Healthcheck; hc == nil || len(hc.Test) == 0 || hc.Test[0] != "NONE" {
		t.Errorf("healthcheck %+v: the module waits on HTTP and should switch the image's probe off", hc)
	}
	env := containerEnv(t, ctr)
	for _, kv := range []string{"PANELSIM_VALIDATE=log", "PANELSIM_SCENARIO=" + panelsimtc.ScenarioPath} {
		if !env[kv] {
			t.Errorf("container env lacks %s", kv)
		}
	}
}

// TestRunScenarioYAML serves a scenario given inline, faults included, and
// shows Reset going back to it.
func TestRunScenarioYAML(t *testing.T) {
	ctr := run(t, panelsimtc.WithScenarioYAML(`
version: 1
name: inline
seed: 99
start: 2030-05-01T10:00:00Z
faults:
  - name: from-scenario
    panel: dci6
    match: {path: /nowhere}
    action: {status: 503}
`))
	ctx := context.Background()
	now, err := ctr.Now(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if want := time.Date(2030, 5, 1, 10, 0, 0, 0, time.UTC); !now.Equal(want) {
		t.Fatalf("now %s, want the scenario's start %s", now, want)
	}
	if seed := snapshotSeed(t, ctr); seed != 99 {
		t.Errorf("seed %d, want the scenario's 99", seed)
	}
	if err := ctr.SetFaults(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := ctr.Advance(ctx, 2*time.Hour); err != nil {
		t.Fatal(err)
	}
	if err := ctr.Reset(ctx); err != nil {
		t.Fatal(err)
	}
	world := ctr.World(panelsimtc.DefaultWorld)
	rules, err := world.Faults(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(rules) != 1 || rules[0].Name != "from-scenario" {
		t.Fatalf("after Reset: faults %+v, want the scenario's from-scenario", rules)
	}
	if now2, _ := ctr.Now(ctx); !now2.Equal(now) {
		t.Fatalf("after Reset: now %s, want %s", now2, now)
	}
}

// TestRunFailure: a scenario panelsim refuses makes Run fail with
// panelsim's own message, and still hands back the container to clean up.
func TestRunFailure(t *testing.T) {
	img := image(t)
	ctr, err := panelsimtc.Run(context.Background(), img, testcontainers.WithLogger(tclog.TestLogger(t)),
		panelsimtc.WithScenarioYAML("version: 1\nsede: 5\n"))
	testcontainers.CleanupContainer(t, ctr)
	if err == nil {
		t.Fatal("Run with a misspelt scenario key succeeded")
	}
	if ctr == nil {
		t.Error("Run returned no container to terminate")
	}
	if !strings.Contains(err.Error(), "sede") {
		t.Errorf("error does not name the bad key: %v", err)
	}
}

// TestRunRejectsSeedZero: seed 0 would mean random, so it never reaches
// Docker.
func TestRunRejectsSeedZero(t *testing.T) {
	img := image(t)
	ctr, err := panelsimtc.Run(context.Background(), img, panelsimtc.WithSeed(0))
	testcontainers.CleanupContainer(t, ctr)
	if err == nil || !strings.Contains(err.Error(), "seed 0") {
		t.Fatalf("Run(WithSeed(0)) = %v, want a seed error", err)
	}
}

func snapshotSeed(t *testing.T, ctr *panelsimtc.Container) uint64 {
	t.Helper()
	base, err := ctr.BaseURL(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	status, body := get(t, base+"/_panelsim/state")
	if status != http.StatusOK {
		t.Fatalf("state: %d %s", status, body)
	}
	var snap struct {
		Seed uint64 `json:"seed"`
	}
	if err := json.Unmarshal([]byte(body), &snap); err != nil {
		t.Fatal(err)
	}
	return snap.Seed
}

func containerEnv(t *testing.T, ctr *panelsimtc.Container) map[string]bool {
	t.Helper()
	info, err := ctr.Inspect(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	env := map[string]bool{}
	for _, kv := range info.Config.Env {
		env[kv] = true
	}
	return env
}
