package main

import (
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// options are the command line, each flag with an environment variable
// that sets its default (so the Docker image is configured by env alone).
type options struct {
	addr      string
	scenario  string
	seed      uint64
	clock     string
	start     string
	listen    listenFlags
	tls       bool
	tlsCert   string
	tlsKey    string
	validate  string
	noControl bool
	logLevel  string
	logFormat string
	stateFile string
	// maxBody and maxControlBody bound request bodies (0: the defaults).
	maxBody, maxControlBody int64
	scale
}

// listenFlags collects repeated --listen PANEL=ADDR.
type listenFlags []string

func (l *listenFlags) String() string { return strings.Join(*l, ",") }
func (l *listenFlags) Set(v string) error {
	for _, part := range strings.Split(v, ",") {
		if part = strings.TrimSpace(part); part != "" {
			if !strings.Contains(part, "=") {
				return fmt.Errorf("want PANEL=ADDR, e.g. ispmgr=127.0.0.1:1500 (got %q)", part)
			}
			*l = append(*l, part)
		}
	}
	return nil
}

func parseFlags(args []string, env func(string) string, stderr io.Writer) (*options, error) {
	o := &options{}
	fs := flag.NewFlagSet("panelsim", flag.ContinueOnError)
	fs.SetOutput(stderr)
	str := func(p *string, name, envName, def, usage string) {
		if v := env(envName); v != "" {
			def = v
		}
		fs.StringVar(p, name, def, usage+" ($"+envName+")")
	}
	boolean := func(p *bool, name, envName, usage string) {
		def, _ := strconv.ParseBool(env(envName))
		fs.BoolVar(p, name, def, usage+" ($"+envName+")")
	}
	str(&o.addr, "addr", "PANELSIM_ADDR", "127.0.0.1:8080", "address to serve every panel and the control plane on")
	str(&o.scenario, "scenario", "PANELSIM_SCENARIO", "", "scenario YAML file (default: the embedded default scenario)")
	var seed string
	str(&seed, "seed", "PANELSIM_SEED", "", "seed for generated data, overriding the scenario's (not 0)")
	str(&o.clock, "clock", "PANELSIM_CLOCK", "", "virtual clock: manual, real or real:N (N times faster); default: the scenario's, else real")
	str(&o.start, "start", "PANELSIM_START", "", "virtual clock start (RFC 3339), overriding the scenario's")
	str(&o.tlsCert, "tls-cert", "PANELSIM_TLS_CERT", "", "serve HTTPS with this certificate (PEM)")
	str(&o.tlsKey, "tls-key", "PANELSIM_TLS_KEY", "", "private key (PEM) for --tls-cert")
	str(&o.validate, "validate", "PANELSIM_VALIDATE", "off", "check requests against the OpenAPI contract: off, log or strict")
	str(&o.logLevel, "log-level", "PANELSIM_LOG_LEVEL", "info", "log level: debug, info, warn or error")
	str(&o.logFormat, "log-format", "PANELSIM_LOG_FORMAT", "text", "log format: text or json")
	str(&o.stateFile, "state-file", "PANELSIM_STATE_FILE", "", "restore worlds from this file at start if it exists; save to it on SIGINT/SIGTERM and POST /_panelsim/state/save")
	var maxBody, maxControlBody string
	str(&maxBody, "max-body", "PANELSIM_MAX_BODY", "8388608", "largest request body a panel accepts, in bytes; a larger one gets the panel's error, HTTP 413")
	str(&maxControlBody, "max-control-body", "PANELSIM_MAX_CONTROL_BODY", "16777216", "largest /_panelsim request body (scenario, state, faults), in bytes")
	var maxWorlds, idleTTL string
	str(&maxWorlds, "max-worlds", "PANELSIM_MAX_WORLDS", "auto", "most worlds alive at once; past it the least recently used idle world is evicted (auto: "+autoMaxWorldsHelp+")")
	str(&idleTTL, "world-idle-ttl", "PANELSIM_WORLD_IDLE_TTL", "15m", "how long a world must go unused before it may be evicted to make room (0: never; new worlds past --max-worlds are then refused)")
	str(&o.pprof, "pprof", "PANELSIM_PPROF", "", "serve Go profiles (net/http/pprof) on this address, e.g. 127.0.0.1:6060")
	boolean(&o.tls, "tls", "PANELSIM_TLS", "serve HTTPS with a self-signed certificate made at start")
	boolean(&o.noControl, "no-control", "PANELSIM_NO_CONTROL", "do not serve the /_panelsim control plane")
	if v := env("PANELSIM_LISTEN"); v != "" {
		if err := o.listen.Set(v); err != nil {
			return nil, fmt.Errorf("PANELSIM_LISTEN: %w", err)
		}
	}
	fs.Var(&o.listen, "listen", "extra listener serving one panel's paths only, PANEL=ADDR (repeatable; $PANELSIM_LISTEN, comma-separated)")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: panelsim [flags]\n       panelsim healthcheck [--addr ADDR]\n       panelsim proxy --panel PANEL --upstream URL [--record DIR] [--strict]  (see panelsim proxy -h)\n       panelsim diff DIR  (see panelsim diff -h)\n\nServes simulated DCImanager 6, IMserver, DBC client and ISPsystem mgr5 APIs.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if seed != "" {
		n, err := strconv.ParseUint(seed, 10, 64)
		if err != nil || n == 0 {
			return nil, fmt.Errorf("--seed %q: want a positive whole number", seed)
		}
		o.seed = n
	}
	for _, b := range []struct {
		name, v string
		p       *int64
	}{{"--max-body", maxBody, &o.maxBody}, {"--max-control-body", maxControlBody, &o.maxControlBody}} {
		n, err := strconv.ParseInt(b.v, 10, 64)
		if err != nil || n < 1 {
			return nil, fmt.Errorf("%s %q: want a positive number of bytes", b.name, b.v)
		}
		*b.p = n
	}
	if err := o.scale.parse(maxWorlds, idleTTL); err != nil {
		return nil, err
	}
	if (o.tlsCert == "") != (o.tlsKey == "") {
		return nil, fmt.Errorf("--tls-cert and --tls-key go together")
	}
	return o, nil
}
