package main

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/panelsim/panelsim/sim"
	"github.com/panelsim/panelsim/state"
)

// options are the command line, each flag with an environment variable
// that sets its default (so the Docker image is configured by env alone).
type options struct {
	addr      string
	scenario  string
	seed      uint64
	clock     string
	start     time.Time
	listen    []string
	tls       bool
	tlsCert   string
	tlsKey    string
	validate  string
	noControl bool
	logLevel  string
	logFormat string
	stateFile string
	version   bool
	// from names where a flag's value came from, for errors found later:
	// "--state-file" or "PANELSIM_STATE_FILE".
	from func(flag string) string
	// maxBody and maxControlBody bound request bodies (0: the defaults).
	maxBody, maxControlBody int64
	// maxConnsPerClient caps one client address's open connections (0:
	// no cap).
	maxConnsPerClient int64
	// controlToken guards the control plane (see sim.Config.ControlToken).
	controlToken string
	scale
	// coverageOut is where the coverage report goes on shutdown.
	coverageOut string
}

// checkListen vets one --listen item, PANEL=ADDR (the panel name is
// checked against the served panels before listening).
func checkListen(spec string) error {
	panel, addr, ok := strings.Cut(spec, "=")
	if !ok || panel == "" {
		return fmt.Errorf("want PANEL=ADDR, e.g. ispmgr=127.0.0.1:1500 (got %q)", spec)
	}
	return checkAddr(addr)
}

const usage = `Usage: panelsim [flags]
       panelsim version
       panelsim healthcheck [--addr ADDR] [--tls]
       panelsim proxy --panel PANEL --upstream URL [--record DIR] [--strict]  (see panelsim proxy -h)
       panelsim diff DIR  (see panelsim diff -h)

Serves simulated DCImanager 6, IMserver, DBC client and ISPsystem mgr5 APIs.

Flags:
`

func parseFlags(args []string, env func(string) string, stderr io.Writer) (*options, error) {
	o := &options{}
	f := newEnvFlags("panelsim", env, stderr)
	f.Addr(&o.addr, "addr", "127.0.0.1:8080", "address to serve every panel and the control plane on")
	f.String(&o.scenario, "scenario", "", "scenario YAML file (default: the embedded default scenario)")
	f.Func("seed", "", "seed for generated data, overriding the scenario's (not 0)", func(s string) error {
		n, err := parseSeed(s)
		o.seed = n
		return err
	})
	f.Func("clock", "", "virtual clock: manual, real or real:N (N times faster); default: the scenario's, else real", func(s string) error {
		if _, err := state.ParseClockMode(s); err != nil {
			return errors.New("want manual, real or real:N (N between 0 and 1000000)")
		}
		o.clock = s
		return nil
	})
	f.Func("start", "", "virtual clock start (RFC 3339), overriding the scenario's", func(s string) error {
		t, err := time.Parse(time.RFC3339, s)
		if err != nil {
			return errors.New("want an RFC 3339 time such as 2025-01-01T00:00:00Z")
		}
		o.start = t
		return nil
	})
	f.String(&o.tlsCert, "tls-cert", "", "serve HTTPS with this certificate (PEM)")
	f.String(&o.tlsKey, "tls-key", "", "private key (PEM) for --tls-cert")
	f.Choice(&o.validate, "validate", "off", []string{"off", "log", "strict"}, "check requests against the OpenAPI contract: off, log or strict")
	f.Choice(&o.logLevel, "log-level", "info", []string{"debug", "info", "warn", "error"}, "log level: debug, info, warn or error")
	f.Choice(&o.logFormat, "log-format", "text", []string{"text", "json"}, "log format: text or json")
	f.String(&o.stateFile, "state-file", "", "restore worlds from this file at start if it exists; save to it on SIGINT/SIGTERM and POST /_panelsim/state/save")
	f.String(&o.controlToken, "control-token", "", "require Authorization: Bearer TOKEN on every /_panelsim call but health")
	f.String(&o.coverageOut, "coverage-out", "", "write the coverage report (every world merged) to this file on SIGINT/SIGTERM: .json, .txt (one line per panel) or .html")
	f.Int64(&o.maxBody, "max-body", 8<<20, 1, "largest request body a panel accepts, in bytes; a larger one gets the panel's error, HTTP 413")
	f.Int64(&o.maxControlBody, "max-control-body", 16<<20, 1, "largest /_panelsim request body (scenario, state, faults), in bytes")
	f.Int64(&o.maxConnsPerClient, "max-conns-per-client", sim.DefaultMaxConnsPerClient, 0, "most connections one client IP may hold open at once; past it new ones are closed at accept (0: no cap)")
	_ = o.scale.setMaxWorlds("auto")
	f.Func("max-worlds", "auto", "most worlds alive at once; past it the least recently used idle world is evicted (auto: "+autoMaxWorldsHelp+")", o.scale.setMaxWorlds)
	_ = o.scale.setJournalMemory("auto")
	f.Func("journal-memory", "auto", "most bytes the journals of all worlds hold together; past it a world journaling a request gives up its own oldest entries (0: no bound but each journal's size; auto: "+autoJournalMemoryHelp+")", o.scale.setJournalMemory)
	f.Duration(&o.worldIdleTTL, "world-idle-ttl", 15*time.Minute, "how long a world must go unused before it may be evicted to make room (0: never; new worlds past --max-worlds are then refused)")
	f.String(&o.pprof, "pprof", "", "serve Go profiles (net/http/pprof) on this address, e.g. 127.0.0.1:6060")
	f.Bool(&o.tls, "tls", "serve HTTPS with a self-signed certificate made at start")
	f.Bool(&o.noControl, "no-control", "do not serve the /_panelsim control plane")
	f.List(&o.listen, "listen", "extra listener serving one panel's paths only, PANEL=ADDR (repeatable, or comma-separated)", checkListen)
	f.fs.Var((*boolValue)(&o.version), "version", "print the version, commit and Go version, and exit")
	f.Usage(usage)
	if err := f.Parse(args); err != nil {
		return nil, err
	}
	if (o.tlsCert == "") != (o.tlsKey == "") {
		return nil, fmt.Errorf("%s and %s go together", f.Source("tls-cert"), f.Source("tls-key"))
	}
	o.from = f.Source
	return o, nil
}

// connLimits are the connection bounds the flags ask for: the defaults,
// and the per-client cap (0 on the command line: none).
func (o *options) connLimits() sim.ConnLimits {
	if o.maxConnsPerClient == 0 {
		return sim.ConnLimits{MaxConnsPerClient: -1}
	}
	return sim.ConnLimits{MaxConnsPerClient: int(o.maxConnsPerClient)}
}

// parseSeed reads a seed: gofakeit takes 0 as "random", so it is refused.
func parseSeed(s string) (uint64, error) {
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil || n == 0 {
		return 0, errors.New("want a positive whole number")
	}
	return n, nil
}

// source is where a flag's value came from (options made in code, such as
// panelsim diff's, name the flag).
func (o *options) source(flag string) string {
	if o.from == nil {
		return "--" + flag
	}
	return o.from(flag)
}
