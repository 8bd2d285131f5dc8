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
	"strings"
	"time"

	"github.com/panelsim/panelsim/sim"
	"github.com/panelsim/panelsim/sim/proxy"
)

// proxyOptions are `panelsim proxy`'s command line.
type proxyOptions struct {
	addr      string
	panels    []string
	upstream  string
	record    string
	strict    bool
	insecure  bool
	timeout   time.Duration
	noControl bool
	logLevel  string
	logFormat string
	tls       bool
	tlsCert   string
	tlsKey    string
}

const proxyUsage = `Usage: panelsim proxy --panel PANEL --upstream URL [flags]
       panelsim proxy --panel PANEL=URL [--panel PANEL=URL ...] [flags]

Forwards every request for the named panels to the real panels unchanged and
checks the request and the real answer against panelsim's contract. Each
violation is logged on one line and journaled (GET /_panelsim/requests?violation=1)
with its JSON pointer, the expected and the actual value.

Flags:
`

func parseProxyFlags(args []string, env func(string) string, stderr io.Writer) (*proxyOptions, error) {
	o := &proxyOptions{}
	f := newEnvFlags("panelsim proxy", env, stderr)
	f.Addr(&o.addr, "addr", "127.0.0.1:8080", "address to serve the proxied panels and the control plane on")
	f.List(&o.panels, "panel", "panel to proxy, PANEL or PANEL=URL: dci6, imserver, dbc, ispmgr (repeatable, or comma-separated)", checkProxyPanel)
	f.String(&o.upstream, "upstream", "", "base URL of the real panel, for every --panel given without =URL")
	f.String(&o.record, "record", "", "write each exchange to this directory as a golden file (credentials masked), for panelsim diff")
	f.Bool(&o.strict, "strict", "answer 502 (in the panel's envelope, naming the violation) instead of an answer that breaks the contract")
	f.Bool(&o.insecure, "upstream-insecure", "accept any TLS certificate from upstreams (self-signed panels)")
	f.Duration(&o.timeout, "timeout", proxy.DefaultTimeout, "how long one exchange with an upstream may take, answer included")
	f.Bool(&o.noControl, "no-control", "do not serve the /_panelsim control plane")
	f.Choice(&o.logLevel, "log-level", "info", []string{"debug", "info", "warn", "error"}, "log level: debug, info, warn or error")
	f.Choice(&o.logFormat, "log-format", "text", []string{"text", "json"}, "log format: text or json")
	f.Bool(&o.tls, "tls", "serve HTTPS with a self-signed certificate made at start")
	f.String(&o.tlsCert, "tls-cert", "", "serve HTTPS with this certificate (PEM)")
	f.String(&o.tlsKey, "tls-key", "", "private key (PEM) for --tls-cert")
	f.Usage(proxyUsage)
	if err := f.Parse(args); err != nil {
		return nil, err
	}
	if o.timeout == 0 {
		return nil, fmt.Errorf("%s: want a positive duration such as 30s", f.Source("timeout"))
	}
	if (o.tlsCert == "") != (o.tlsKey == "") {
		return nil, fmt.Errorf("%s and %s go together", f.Source("tls-cert"), f.Source("tls-key"))
	}
	return o, nil
}

func checkProxyPanel(spec string) error {
	if name, _, _ := strings.Cut(spec, "="); name == "" {
		return fmt.Errorf("want PANEL or PANEL=URL, e.g. dci6=https://dci.example.com (got %q)", spec)
	}
	return nil
}

// upstreams pairs each --panel with its URL: its own (PANEL=URL) or
// --upstream's.
func (o *proxyOptions) upstreams() ([]proxy.Upstream, error) {
	if len(o.panels) == 0 {
		return nil, errors.New("name the panel to proxy: --panel dci6 --upstream URL, or --panel dci6=URL")
	}
	var out []proxy.Upstream
	for _, p := range o.panels {
		name, raw, ok := strings.Cut(p, "=")
		if !ok {
			if o.upstream == "" {
				return nil, fmt.Errorf("--panel %s: no upstream (give --upstream URL or --panel %s=URL)", name, name)
			}
			raw = o.upstream
		}
		up, err := proxy.ParseUpstream(name, raw)
		if err != nil {
			return nil, fmt.Errorf("--panel %s: %w", p, err)
		}
		out = append(out, up)
	}
	return out, nil
}

// runProxy is `panelsim proxy`: it returns the exit code.
func runProxy(ctx context.Context, args []string, env func(string) string, stdout, stderr io.Writer, ready func(string)) int {
	o, err := parseProxyFlags(args, env, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err == nil {
		err = o.check()
	}
	if err != nil {
		fmt.Fprintln(stderr, "panelsim proxy:", err)
		return 2
	}
	if err := serveProxy(ctx, o, stdout, stderr, ready); err != nil {
		fmt.Fprintln(stderr, "panelsim proxy:", err)
		return 1
	}
	return 0
}

func (o *proxyOptions) check() error {
	_, err := o.upstreams()
	return err
}

func serveProxy(ctx context.Context, o *proxyOptions, stdout, stderr io.Writer, ready func(string)) error {
	logger, err := newLogger(o.logLevel, o.logFormat, stderr)
	if err != nil {
		return err
	}
	ups, _ := o.upstreams() // checked
	p, err := proxy.New(proxy.Config{
		Upstreams: ups, Strict: o.strict, Insecure: o.insecure, Timeout: o.timeout, Record: o.record,
		NoControl: o.noControl, Logger: logger, Version: version, Start: time.Now().UTC(),
	})
	if err != nil {
		return err
	}
	tlsConf, err := tlsConfig(&options{tls: o.tls, tlsCert: o.tlsCert, tlsKey: o.tlsKey})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", o.addr)
	if err != nil {
		return err
	}
	ln = sim.ConnLimits{}.Listener(ln, logger)
	if tlsConf != nil {
		ln = tls.NewListener(ln, tlsConf)
	}
	printProxyBanner(stdout, p, o, ln.Addr(), tlsConf != nil)
	if ready != nil {
		ready(ln.Addr().String())
	}
	hs := sim.HTTPServer(p.Handler(), sim.ConnLimits{})
	hs.TLSConfig, hs.ErrorLog = tlsConf, slog.NewLogLogger(logger.Handler(), slog.LevelDebug)
	errs := make(chan error, 1)
	go func() { errs <- hs.Serve(ln) }()
	select {
	case <-ctx.Done():
	case err = <-errs:
	}
	shutdown([]*http.Server{hs})
	if err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

func printProxyBanner(w io.Writer, p *proxy.Proxy, o *proxyOptions, addr net.Addr, https bool) {
	base := "http://" + displayAddr(addr)
	if https {
		base = "https://" + displayAddr(addr)
	}
	mode := "violations are logged and journaled"
	if o.strict {
		mode = "strict: a violated answer is a 502"
	}
	fmt.Fprintf(w, "panelsim %s proxy on %s (%s)\n", version, base, mode)
	for _, up := range p.Upstreams() {
		fmt.Fprintf(w, "  %-9s -> %s\n", up.Panel, up.URL.Redacted())
	}
	if o.record != "" {
		fmt.Fprintf(w, "  recording to %s\n", o.record)
	}
	if !o.noControl {
		fmt.Fprintf(w, "  %-9s %s/_panelsim/requests?violation=1\n", "journal", base)
	}
}
