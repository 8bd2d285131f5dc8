// Package panelsimtc runs panelsim in a Docker container for Go tests,
// following the testcontainers-go module conventions: Run starts the image,
// options configure it, and the returned Container drives panelsim's control
// plane (/_panelsim/...) over HTTP.
//
// The module starts panelsim with the manual virtual clock, so a test moves
// time itself (Advance) and never sleeps; the image on its own runs in real
// time. It also checks client requests against the vendor contracts
// (validation "strict") by default, like the in-process helper panelsimtest,
// so a suite behaves the same whichever of the two it uses.
//
// One container serves many worlds: give each parallel subtest its own with
// NewWorld, and use the URLs and methods of that handle.
//
// Run finds where the container's published ports are reached without any
// setting: the loopback on a plain host or in a container that holds the
// Docker engine itself, the engine's host over TCP, the bridge's gateway
// when the host's socket is mounted in. TESTCONTAINERS_HOST_OVERRIDE, when
// set, always wins.
//
// On machines that cannot pull the Ryuk reaper image, set
// TESTCONTAINERS_RYUK_DISABLED=true and terminate containers yourself,
// e.g. with testcontainers.CleanupContainer(t, ctr) right after Run and
// before checking its error.
package panelsimtc

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/moby/moby/api/types/container"
	"github.com/testcontainers/testcontainers-go"

	"github.com/panelsim/panelsim/state"
)

// Port is the port panelsim listens on inside the container (every panel
// and the control plane share it).
const Port = "8080/tcp"

// ScenarioPath is where WithScenario and WithScenarioYAML put the scenario
// file inside the container.
const ScenarioPath = "/etc/panelsim/scenario.yaml"

// DefaultWorld is the world that requests without a /_w/{world} prefix use;
// the Container's own methods act on it.
const DefaultWorld = "default"

// StartupTimeout bounds how long Run waits for /_panelsim/health. panelsim
// is ready in well under a second; the rest is slack for a loaded machine.
const StartupTimeout = 60 * time.Second

// Container is a running panelsim container. The embedded
// testcontainers.Container gives the usual lifecycle (Terminate, Logs, ...);
// the methods here act on the default world, World and NewWorld give
// handles on others.
type Container struct {
	testcontainers.Container

	client *http.Client
	host   host // where published ports are reached

	mu     sync.Mutex
	base   string            // http://host:port, once known
	panels map[string]string // panel name -> base path, from /_panelsim/version
	// token is the control token (see WithControlToken), once known.
	token      string
	tokenKnown bool
}

// Run starts panelsim from the image img (e.g. "panelsim:dev") and waits
// until /_panelsim/health answers. Like every testcontainers-go module it
// returns the container even when it fails after creating it, so the caller
// can terminate it: call testcontainers.CleanupContainer before checking err.
func Run(ctx context.Context, img string, opts ...testcontainers.ContainerCustomizer) (*Container, error) {
	h, err := detectHost(ctx, os.LookupEnv)
	if err != nil {
		return nil, err
	}
	moduleOpts := []testcontainers.ContainerCustomizer{
		testcontainers.WithExposedPorts(Port),
		testcontainers.WithEnv(map[string]string{
			"PANELSIM_CLOCK":    "manual",
			"PANELSIM_VALIDATE": "strict",
		}),
		// The module waits on HTTP itself; the image's Docker HEALTHCHECK
		// would only spend CPU on a probe process every half second.
		testcontainers.WithConfigModifier(func(cfg *container.Config) {
			cfg.Healthcheck = &container.HealthConfig{Test: []string{"NONE"}}
		}),
		// Not wait.ForHTTP: it asks testcontainers for the host, which
		// inside a container is the bridge's gateway even when the engine
		// runs in this very network namespace (see chooseHost).
		testcontainers.WithWaitStrategy(&healthWait{
			host: h, timeout: StartupTimeout, poll: 50 * time.Millisecond,
			client: &http.Client{Timeout: 2 * time.Second},
		}),
	}
	moduleOpts = append(moduleOpts, opts...)

	ctr, err := testcontainers.Run(ctx, img, moduleOpts...)
	var c *Container
	if ctr != nil {
		c = &Container{Container: ctr, client: &http.Client{Timeout: 60 * time.Second}, host: h}
	}
	if err != nil {
		if c != nil {
			if out := c.logTail(ctx); out != "" {
				err = fmt.Errorf("%w; panelsim said:\n%s", err, out)
			}
		}
		return c, fmt.Errorf("run panelsim: %w", err)
	}
	return c, nil
}

// logTail returns the end of the container's output: when panelsim refuses
// to start (a bad scenario, a bad flag) its reason is there.
func (c *Container) logTail(ctx context.Context) string {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	rc, err := c.Logs(ctx)
	if err != nil {
		return ""
	}
	defer rc.Close()
	b, _ := io.ReadAll(io.LimitReader(rc, 1<<20))
	const keep = 4 << 10
	if len(b) > keep {
		b = b[len(b)-keep:]
	}
	return strings.TrimSpace(string(b))
}

// WithScenario serves the scenario YAML file at path (on the host), copied
// into the container. Decoding is strict: a bad scenario makes Run fail
// with panelsim's message naming the line and key.
func WithScenario(path string) testcontainers.CustomizeRequestOption {
	return func(req *testcontainers.GenericContainerRequest) error {
		if _, err := os.Stat(path); err != nil {
			return fmt.Errorf("panelsimtc: scenario: %w", err)
		}
		f := testcontainers.ContainerFile{HostFilePath: path, ContainerFilePath: ScenarioPath, FileMode: 0o644}
		if err := testcontainers.WithFiles(f)(req); err != nil {
			return err
		}
		return testcontainers.WithEnv(map[string]string{"PANELSIM_SCENARIO": ScenarioPath})(req)
	}
}

// WithScenarioYAML serves a scenario given as YAML text, so a test can keep
// its scenario next to its assertions.
func WithScenarioYAML(yaml string) testcontainers.CustomizeRequestOption {
	return func(req *testcontainers.GenericContainerRequest) error {
		f := testcontainers.ContainerFile{Reader: strings.NewReader(yaml), ContainerFilePath: ScenarioPath, FileMode: 0o644}
		if err := testcontainers.WithFiles(f)(req); err != nil {
			return err
		}
		return testcontainers.WithEnv(map[string]string{"PANELSIM_SCENARIO": ScenarioPath})(req)
	}
}

// WithSeed overrides the scenario's seed for generated data (names, MACs,
// addresses...). Seed 0 is refused: it would mean "random" and break
// reproducibility.
func WithSeed(seed uint64) testcontainers.CustomizeRequestOption {
	return func(req *testcontainers.GenericContainerRequest) error {
		if seed == 0 {
			return errors.New("panelsimtc: seed 0 is not allowed (it would mean random)")
		}
		return testcontainers.WithEnv(map[string]string{"PANELSIM_SEED": strconv.FormatUint(seed, 10)})(req)
	}
}

// WithClock sets the virtual clock mode: "manual" (the module's default:
// time moves only through Advance), "real", or "real:N" (N times faster
// than the wall clock).
func WithClock(mode string) testcontainers.CustomizeRequestOption {
	return testcontainers.WithEnv(map[string]string{"PANELSIM_CLOCK": mode})
}

// WithStart overrides where the virtual clock starts (the scenario's start
// otherwise).
func WithStart(t time.Time) testcontainers.CustomizeRequestOption {
	return testcontainers.WithEnv(map[string]string{"PANELSIM_START": t.UTC().Format(time.RFC3339Nano)})
}

// WithValidation sets how client requests are checked against the vendor
// contracts: "strict" (the module's default: a non-conforming request is
// rejected in the panel's own error format), "log" or "off".
func WithValidation(mode string) testcontainers.CustomizeRequestOption {
	return testcontainers.WithEnv(map[string]string{"PANELSIM_VALIDATE": mode})
}

// BaseURL is the root URL of the default world: every panel is under it at
// its vendor paths, and the control plane under /_panelsim.
func (c *Container) BaseURL(ctx context.Context) (string, error) {
	return c.World(DefaultWorld).BaseURL(ctx)
}

// PanelURL is the URL of a panel ("dci6", "imserver", "dbc", "ispmgr") in
// the default world, without a trailing slash: append the vendor path.
func (c *Container) PanelURL(ctx context.Context, panel string) (string, error) {
	return c.World(DefaultWorld).PanelURL(ctx, panel)
}

// Advance moves the default world's virtual clock forward by d. It returns
// when every step that fell due has run, with the steps that fired.
func (c *Container) Advance(ctx context.Context, d time.Duration) ([]state.Ran, error) {
	return c.World(DefaultWorld).Advance(ctx, d)
}

// SetTime moves the default world's clock to t (never back), running every
// step that falls due, and returns them.
func (c *Container) SetTime(ctx context.Context, t time.Time) ([]state.Ran, error) {
	return c.World(DefaultWorld).SetTime(ctx, t)
}

// Clock is the default world's clock: now, start, mode and pending steps.
func (c *Container) Clock(ctx context.Context) (Clock, error) {
	return c.World(DefaultWorld).Clock(ctx)
}

// Faults returns the default world's fault rules in force.
func (c *Container) Faults(ctx context.Context) ([]state.FaultRule, error) {
	return c.World(DefaultWorld).Faults(ctx)
}

// ClearRequests empties the default world's journal.
func (c *Container) ClearRequests(ctx context.Context) error {
	return c.World(DefaultWorld).ClearRequests(ctx)
}

// Now is the default world's virtual time.
func (c *Container) Now(ctx context.Context) (time.Time, error) {
	return c.World(DefaultWorld).Now(ctx)
}

// SetFaults replaces the default world's fault rules; no rules clears them.
func (c *Container) SetFaults(ctx context.Context, rules ...state.FaultRule) error {
	return c.World(DefaultWorld).SetFaults(ctx, rules...)
}

// Reset puts the default world back to its scenario's initial state, with
// the clock at the scenario start.
func (c *Container) Reset(ctx context.Context) error {
	return c.World(DefaultWorld).Reset(ctx)
}

// Requests returns the default world's journal entries matching f, oldest
// first (the zero filter matches all).
func (c *Container) Requests(ctx context.Context, f state.JournalFilter) ([]state.Entry, error) {
	return c.World(DefaultWorld).Requests(ctx, f)
}

// World returns a handle on the named world without a round trip; panelsim
// creates the world from the scenario on its first request. Use NewWorld
// to create it explicitly (and fail if the name is taken).
func (c *Container) World(name string) *World {
	return &World{c: c, name: name}
}

// NewWorld creates a world fresh from the scenario and returns its handle.
// Give each parallel subtest its own world: they share the container but
// not state, clock, faults or journal.
func (c *Container) NewWorld(ctx context.Context, name string) (*World, error) {
	return c.createWorld(ctx, name, "")
}

func (c *Container) createWorld(ctx context.Context, name, from string) (*World, error) {
	body := map[string]string{"name": name}
	if from != "" {
		body["from"] = from
	}
	if err := c.call(ctx, "", http.MethodPost, "/worlds", body, nil); err != nil {
		return nil, err
	}
	return c.World(name), nil
}

// Host is the address the container's published ports are reached on from
// this process: TESTCONTAINERS_HOST_OVERRIDE when set, else what Run
// detected (the loopback when the Docker engine runs on this machine or in
// this container's network namespace). It replaces testcontainers' own
// choice, which inside a container is always the bridge's gateway.
func (c *Container) Host(context.Context) (string, error) {
	return c.host.addr, nil
}

// PortEndpoint is proto://Host:PORT for a port of the container (e.g.
// Port), as testcontainers' PortEndpoint but on Host.
func (c *Container) PortEndpoint(ctx context.Context, port, proto string) (string, error) {
	p, err := c.MappedPort(ctx, port)
	if err != nil {
		return "", fmt.Errorf("panelsimtc: %w", err)
	}
	ep := net.JoinHostPort(c.host.addr, p.Port())
	if proto != "" {
		ep = proto + "://" + ep
	}
	return ep, nil
}

// baseURL finds the container's mapped port once.
func (c *Container) baseURL(ctx context.Context) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.base != "" {
		return c.base, nil
	}
	ep, err := c.PortEndpoint(ctx, Port, "http")
	if err != nil {
		return "", err
	}
	c.base = ep
	return ep, nil
}

// panelBase returns a panel's base path, asking /_panelsim/version once.
func (c *Container) panelBase(ctx context.Context, panel string) (string, error) {
	c.mu.Lock()
	panels := c.panels
	c.mu.Unlock()
	if panels == nil {
		var v struct {
			Panels []struct {
				Name string `json:"name"`
				Base string `json:"base"`
			} `json:"panels"`
		}
		if err := c.call(ctx, "", http.MethodGet, "/version", nil, &v); err != nil {
			return "", err
		}
		panels = map[string]string{}
		for _, p := range v.Panels {
			panels[p.Name] = p.Base
		}
		c.mu.Lock()
		c.panels = panels
		c.mu.Unlock()
	}
	base, ok := panels[panel]
	if !ok {
		names := make([]string, 0, len(panels))
		for n := range panels {
			names = append(names, n)
		}
		slices.Sort(names)
		return "", fmt.Errorf("panelsimtc: no panel %q (this panelsim serves %s)", panel, strings.Join(names, ", "))
	}
	return strings.TrimSuffix(base, "/"), nil
}
