package main

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/panelsim/panelsim/sim"
	"github.com/panelsim/panelsim/sim/simhttp"
)

// listener is one address and what it serves.
type listener struct {
	name    string // "" for the main listener, else a panel name
	ln      net.Listener
	handler http.Handler
}

// run is main without the process: it returns the exit code. ready, if not
// nil, receives the main listener's address once every listener is open.
func run(ctx context.Context, args []string, env func(string) string, stdout, stderr io.Writer, ready func(addr string)) int {
	if len(args) > 0 && args[0] == "healthcheck" {
		return healthcheck(args[1:], env, stderr)
	}
	if len(args) > 0 && args[0] == "proxy" {
		return runProxy(ctx, args[1:], env, stdout, stderr, ready)
	}
	if len(args) > 0 && args[0] == "diff" {
		return runDiff(args[1:], stdout, stderr)
	}
	if len(args) > 0 && args[0] == "version" {
		if len(args) > 1 {
			fmt.Fprintf(stderr, "panelsim version: unexpected argument %q\n", args[1])
			return 2
		}
		printVersion(stdout)
		return 0
	}
	if len(args) > 0 && args[0] == "spec" {
		return runSpec(args[1:], stdout, stderr)
	}
	o, err := parseFlags(args, env, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintln(stderr, "panelsim:", err)
		return 2
	}
	if o.version {
		printVersion(stdout)
		return 0
	}
	app, err := setup(o, stderr)
	if err != nil {
		// Everything up to here is what the user asked for: flags,
		// environment, and the files they name.
		fmt.Fprintln(stderr, "panelsim:", err)
		return 2
	}
	if err := serve(ctx, o, app, stdout, ready); err != nil {
		fmt.Fprintln(stderr, "panelsim:", err)
		return 1
	}
	return 0
}

// app is a server built from the options, not yet listening.
type app struct {
	logger  *slog.Logger
	srv     *sim.Server
	tlsConf *tls.Config
}

// setup builds the server and checks what can be checked before
// listening, so a mistake in the configuration stops the start.
func setup(o *options, stderr io.Writer) (*app, error) {
	logger, err := newLogger(o.logLevel, o.logFormat, stderr)
	if err != nil {
		return nil, err
	}
	if err := checkStateFile(o.stateFile, o.source("state-file")); err != nil {
		return nil, err
	}
	srv, err := newServer(o, logger)
	if err != nil {
		return nil, err
	}
	for _, spec := range o.listen {
		panel, _, _ := strings.Cut(spec, "=")
		if _, err := srv.PanelHandler(panel); err != nil {
			return nil, fmt.Errorf("%s %s: %w", o.source("listen"), spec, err)
		}
	}
	tlsConf, err := tlsConfig(o)
	if err != nil {
		return nil, err
	}
	return &app{logger: logger, srv: srv, tlsConf: tlsConf}, nil
}

func serve(ctx context.Context, o *options, a *app, stdout io.Writer, ready func(string)) error {
	logger, srv, tlsConf := a.logger, a.srv, a.tlsConf
	listeners, err := listen(o, srv)
	if err != nil {
		return err
	}
	printBanner(stdout, srv, listeners, tlsConf != nil)
	if ready != nil {
		ready(listeners[0].ln.Addr().String())
	}
	errs := make(chan error, len(listeners))
	servers := make([]*http.Server, 0, len(listeners))
	limits := o.connLimits()
	for _, l := range listeners {
		hs := sim.HTTPServer(l.handler, limits)
		hs.TLSConfig, hs.ErrorLog = tlsConf, slog.NewLogLogger(logger.Handler(), slog.LevelDebug)
		servers = append(servers, hs)
		go func(ln net.Listener) {
			// The per-client cap counts TCP connections, beneath TLS.
			ln = limits.Listener(ln, logger)
			if tlsConf != nil {
				ln = tls.NewListener(ln, tlsConf)
			}
			errs <- hs.Serve(ln)
		}(l.ln)
	}
	select {
	case <-ctx.Done():
	case err = <-errs:
	}
	shutdown(servers)
	if o.stateFile != "" {
		if serr := srv.SaveState(o.stateFile); serr != nil {
			return fmt.Errorf("saving state: %w", serr)
		}
		logger.Info("state saved", "file", o.stateFile)
	}
	if o.coverageOut != "" {
		if cerr := sim.WriteCoverage(o.coverageOut, srv.Coverage("")); cerr != nil {
			return fmt.Errorf("writing coverage: %w", cerr)
		}
		logger.Info("coverage written", "file", o.coverageOut)
	}
	if err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

func shutdown(servers []*http.Server) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for _, hs := range servers {
		_ = hs.Shutdown(ctx)
	}
}

func newServer(o *options, logger *slog.Logger) (*sim.Server, error) {
	cfg := sim.Config{
		Seed: o.seed, Clock: o.clock, DefaultClock: "real", Validate: simhttp.ValidateMode(o.validate),
		NoControl: o.noControl, StateFile: o.stateFile, Logger: logger, Version: version,
		MaxBody: o.maxBody, MaxControlBody: o.maxControlBody, ControlToken: o.controlToken,
		MaxWorlds: o.maxWorlds, WorldIdleTTL: o.worldIdleTTL, JournalMemory: o.journalMemory, Start: o.start,
	}
	if o.scenario != "" {
		data, err := os.ReadFile(o.scenario)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", o.source("scenario"), err)
		}
		cfg.ScenarioYAML, cfg.ScenarioFile = data, o.scenario
	}
	srv, err := sim.New(cfg)
	if err != nil {
		return nil, err
	}
	if o.stateFile != "" {
		if err := srv.LoadState(o.stateFile); err != nil {
			return nil, err
		}
	}
	return srv, nil
}

func listen(o *options, srv *sim.Server) ([]listener, error) {
	var out []listener
	closeAll := func() {
		for _, l := range out {
			l.ln.Close()
		}
	}
	ln, err := net.Listen("tcp", o.addr)
	if err != nil {
		return nil, err
	}
	out = append(out, listener{ln: ln, handler: srv.Handler()})
	for _, spec := range o.listen {
		panel, addr, _ := strings.Cut(spec, "=")
		h, err := srv.PanelHandler(panel)
		if err != nil {
			closeAll()
			return nil, fmt.Errorf("--listen %s: %w", spec, err)
		}
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			closeAll()
			return nil, fmt.Errorf("--listen %s: %w", spec, err)
		}
		out = append(out, listener{name: panel, ln: ln, handler: h})
	}
	if o.pprof != "" {
		ln, err := net.Listen("tcp", o.pprof)
		if err != nil {
			closeAll()
			return nil, fmt.Errorf("--pprof %s: %w", o.pprof, err)
		}
		out = append(out, listener{name: "pprof", ln: ln, handler: pprofHandler()})
	}
	return out, nil
}

func newLogger(level, format string, w io.Writer) (*slog.Logger, error) {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("--log-level %q: want debug, info, warn or error", level)
	}
	opts := &slog.HandlerOptions{Level: lv}
	switch format {
	case "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return nil, fmt.Errorf("--log-format %q: want text or json", format)
}

// printBanner tells a person where each panel is and how to log in.
func printBanner(w io.Writer, srv *sim.Server, listeners []listener, https bool) {
	scheme := "http"
	if https {
		scheme = "https"
	}
	base := scheme + "://" + displayAddr(listeners[0].ln.Addr())
	sc := srv.Scenario()
	fmt.Fprintf(w, "panelsim %s on %s (scenario %s, seed %d)\n", version, base, sc.File, sc.Seed)
	urlWidth := 0
	for _, p := range srv.Panels() {
		urlWidth = max(urlWidth, len(base+p.Info().Base))
	}
	for _, p := range srv.Panels() {
		info := p.Info()
		fmt.Fprintf(w, "  %-9s %-*s  %s; login: %s\n", p.Name(), urlWidth, base+info.Base, info.Title, info.Login)
	}
	for _, l := range listeners[1:] {
		fmt.Fprintf(w, "  %-9s %s://%s  (own listener)\n", l.name, scheme, displayAddr(l.ln.Addr()))
	}
	fmt.Fprintf(w, "  %-9s %-*s  clock, faults, worlds, journal, specs\n", "control", urlWidth, base+"/_panelsim")
}

// displayAddr turns a wildcard listen address into one a person can open.
func displayAddr(a net.Addr) string {
	host, port, err := net.SplitHostPort(a.String())
	if err != nil {
		return a.String()
	}
	if ip := net.ParseIP(host); ip == nil || ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, port)
}

// healthcheck asks a running panelsim whether it is ready: the Docker
// HEALTHCHECK, since the image has no shell or curl. It reads the same
// environment as the server (PANELSIM_ADDR, PANELSIM_TLS, PANELSIM_TLS_CERT)
// with the same parsers, so whatever made the server serve TLS makes the
// probe speak it.
func healthcheck(args []string, env func(string) string, stderr io.Writer) int {
	f := newEnvFlags("panelsim healthcheck", env, stderr)
	var addr, cert string
	var useTLS bool
	f.Addr(&addr, "addr", "127.0.0.1:8080", "address panelsim listens on")
	f.Bool(&useTLS, "tls", "panelsim serves HTTPS (also implied by a certificate)")
	f.String(&cert, "tls-cert", "", "the certificate panelsim serves; only its presence matters here")
	f.Usage("Usage: panelsim healthcheck [--addr ADDR] [--tls]\n\nExits 0 when panelsim at ADDR answers /_panelsim/health with 200.\n\nFlags:\n")
	if err := f.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		fmt.Fprintln(stderr, "healthcheck:", err)
		return 2
	}
	useTLS = useTLS || cert != ""
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		fmt.Fprintln(stderr, "healthcheck:", err)
		return 2
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "127.0.0.1"
	}
	scheme := "http"
	client := &http.Client{Timeout: 2 * time.Second}
	if useTLS {
		scheme = "https"
		client.Transport = &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}} // our own self-signed cert
	}
	resp, err := client.Get(scheme + "://" + net.JoinHostPort(host, port) + "/_panelsim/health")
	if err != nil {
		fmt.Fprintln(stderr, "healthcheck:", err)
		return 1
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		fmt.Fprintln(stderr, "healthcheck: status", resp.StatusCode)
		return 1
	}
	return 0
}
