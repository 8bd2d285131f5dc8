// Package proxy is panelsim's proxy mode: the walk of a request through
// panelsim (world selection, journal, native errors) with the panel
// replaced by a reverse proxy to the real panel. Every request and every
// real answer is checked against panelsim's contract; violations are
// journaled with their JSON pointer and logged, and --strict turns a
// violated answer into a 502. Exchanges can be recorded as golden files
// (credentials masked) and replayed against the emulator (Diff), so traffic
// from a real panel becomes a fidelity check of panelsim.
//
// Time here is the network's: upstream timeouts are wall-clock deadlines on
// real connections, not the virtual clock, which only the journal reads.
package proxy

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/panelsim/panelsim/openapi"
	"github.com/panelsim/panelsim/sim"
	"github.com/panelsim/panelsim/sim/simhttp"
)

// Upstream is a proxied panel and the base URL of the real one.
type Upstream struct {
	Panel string
	URL   *url.URL
}

// ParseUpstream reads a base URL: http or https, a host, no query.
func ParseUpstream(panel, raw string) (Upstream, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return Upstream{}, fmt.Errorf("upstream of %s: %w", panel, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return Upstream{}, fmt.Errorf("upstream of %s %q: want an http:// or https:// URL", panel, raw)
	}
	if u.Host == "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return Upstream{}, fmt.Errorf("upstream of %s %q: want scheme://host[:port][/base path] only", panel, raw)
	}
	return Upstream{Panel: panel, URL: u}, nil
}

// Config is a proxy's configuration; the binary fills it from flags.
type Config struct {
	// Upstreams are the proxied panels, at most one per panel.
	Upstreams []Upstream
	// Strict answers 502 instead of an answer that breaks the contract.
	Strict bool
	// Insecure accepts any TLS certificate from upstreams (self-signed
	// panels).
	Insecure bool
	// Timeout bounds one exchange with an upstream, answer body included
	// (0: DefaultTimeout).
	Timeout time.Duration
	// Record, when set, is the directory each exchange is written to.
	Record string
	// NoControl leaves the /_panelsim control plane out (health stays).
	NoControl bool
	// Logger receives one line per violation (nil: discard).
	Logger *slog.Logger
	// Transport overrides the upstream transport (tests; nil: one made from
	// Insecure).
	Transport http.RoundTripper
	// Version is reported by /_panelsim/version.
	Version string
	// Start is where the journal's clock starts (the binary passes the
	// wall time, so journal times read as when the exchanges happened;
	// zero: the default scenario's start).
	Start time.Time
}

// DefaultTimeout is how long an exchange with an upstream may take.
const DefaultTimeout = 30 * time.Second

// maxAnswer bounds the answer body read for checking; a longer one is
// passed on unchecked (and that is journaled as a violation).
const maxAnswer = 32 << 20

// Proxy is a built proxy: a panelsim server whose panels forward.
type Proxy struct {
	cfg       Config
	srv       *sim.Server
	contract  *openapi.Contract
	transport http.RoundTripper
	masker    *Masker
	recorder  *Recorder
	log       *slog.Logger
}

// New checks the configuration and builds the proxy.
func New(cfg Config) (*Proxy, error) {
	if len(cfg.Upstreams) == 0 {
		return nil, errors.New("no upstream: name at least one panel and the URL of the real one")
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.Timeout < 0 {
		return nil, fmt.Errorf("timeout %s: want a positive duration", cfg.Timeout)
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	p := &Proxy{cfg: cfg, transport: cfg.Transport, masker: NewMasker(), log: cfg.Logger}
	if p.transport == nil {
		p.transport = upstreamTransport(cfg.Insecure)
	}
	panels, err := proxiedPanels(cfg.Upstreams)
	if err != nil {
		return nil, err
	}
	if cfg.Record != "" {
		if p.recorder, err = NewRecorder(cfg.Record, p.masker); err != nil {
			return nil, err
		}
	}
	forward := map[string]simhttp.Proxy{}
	for _, up := range cfg.Upstreams {
		forward[up.Panel] = simhttp.Proxy{Forward: p.forward(up), Redact: p.masker.Entry}
	}
	p.srv, err = sim.New(sim.Config{
		Panels: panels, Proxy: forward, DefaultClock: "real", NoControl: cfg.NoControl,
		Logger: cfg.Logger, Version: cfg.Version, Start: cfg.Start,
	})
	if err != nil {
		return nil, err
	}
	p.contract = p.srv.Contract()
	return p, nil
}

// proxiedPanels picks the panels named by the upstreams, once each.
func proxiedPanels(ups []Upstream) ([]sim.Panel, error) {
	byName := map[string]sim.Panel{}
	var names []string
	for _, p := range sim.All() {
		byName[p.Name()] = p
		names = append(names, p.Name())
	}
	var out []sim.Panel
	seen := map[string]bool{}
	for _, up := range ups {
		p, ok := byName[up.Panel]
		if !ok {
			return nil, fmt.Errorf("unknown panel %q (want one of %s)", up.Panel, strings.Join(names, ", "))
		}
		if seen[up.Panel] {
			return nil, fmt.Errorf("panel %s has two upstreams", up.Panel)
		}
		seen[up.Panel] = true
		out = append(out, p)
	}
	return out, nil
}

// upstreamTransport is the default transport with the environment's proxy
// settings, and without certificate checks when insecure.
func upstreamTransport(insecure bool) http.RoundTripper {
	t := http.DefaultTransport.(*http.Transport).Clone()
	if insecure {
		t.TLSClientConfig = &tls.Config{InsecureSkipVerify: true} //nolint:gosec // --upstream-insecure: the user's self-signed panel
	}
	return t
}

// Handler serves the proxied panels and the control plane.
func (p *Proxy) Handler() http.Handler { return p.srv.Handler() }

// Sim is the panelsim server underneath (worlds, journal).
func (p *Proxy) Sim() *sim.Server { return p.srv }

// Upstreams are the proxied panels, sorted by name.
func (p *Proxy) Upstreams() []Upstream {
	out := append([]Upstream(nil), p.cfg.Upstreams...)
	sort.Slice(out, func(i, j int) bool { return out[i].Panel < out[j].Panel })
	return out
}

// upstreamError is a failed exchange in the words a user needs: which
// upstream, and whether it timed out or could not be reached.
func upstreamError(up Upstream, timeout time.Duration, err error) *simhttp.Error {
	status, what := http.StatusBadGateway, "unreachable"
	var ne net.Error
	if errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout()) {
		status, what = http.StatusGatewayTimeout, fmt.Sprintf("did not answer within %s", timeout)
	}
	return &simhttp.Error{Kind: simhttp.KindInternal, Status: status,
		Msg: fmt.Sprintf("upstream %s %s: %v", up.URL.Redacted(), what, err)}
}
