// Package panelsimtest runs panelsim inside a Go test, the way httptest or
// miniredis do: RunT starts every panel on 127.0.0.1 with a manual virtual
// clock and stops it when the test ends. Time moves only when the test says
// so (Advance), so tests never sleep.
package panelsimtest

import (
	"bytes"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"sync"
	"time"

	"github.com/panelsim/panelsim/scenarios"
	"github.com/panelsim/panelsim/sim"
	"github.com/panelsim/panelsim/sim/simhttp"
	"github.com/panelsim/panelsim/state"
)

// DefaultStart is where the clock starts unless the scenario or WithStart
// says otherwise (the scenarios package's default start).
var DefaultStart = scenarios.DefaultStart

// TB is the part of testing.TB that RunT needs, so it works with any test
// framework.
type TB interface {
	Helper()
	Cleanup(func())
	Fatalf(format string, args ...any)
}

type options struct {
	cfg         sim.Config
	conn        sim.ConnLimits
	err         error
	coverageOut string
}

// Option changes how the server starts.
type Option func(*options)

// WithScenarioYAML serves a scenario given as YAML text.
func WithScenarioYAML(yaml string) Option {
	return func(o *options) { o.cfg.ScenarioYAML, o.cfg.ScenarioFile = []byte(yaml), "scenario.yaml" }
}

// WithScenarioFile serves the scenario in a file.
func WithScenarioFile(path string) Option {
	return func(o *options) {
		data, err := os.ReadFile(path)
		if err != nil {
			o.err = err
			return
		}
		o.cfg.ScenarioYAML, o.cfg.ScenarioFile = data, path
	}
}

// WithSeed overrides the scenario's seed.
func WithSeed(seed uint64) Option { return func(o *options) { o.cfg.Seed = seed } }

// WithStart overrides where the virtual clock starts.
func WithStart(t time.Time) Option { return func(o *options) { o.cfg.Start = t } }

// WithClock sets the clock mode: "manual" (the default here), "real" or "real:N".
func WithClock(mode string) Option { return func(o *options) { o.cfg.Clock = mode } }

// WithValidation sets the request contract check: "strict" (the default
// here: a request that breaks the vendor contract fails loudly), "log" or "off".
func WithValidation(mode string) Option {
	return func(o *options) { o.cfg.Validate = simhttp.ValidateMode(mode) }
}

// WithPanels serves only the given panels.
func WithPanels(panels ...sim.Panel) Option { return func(o *options) { o.cfg.Panels = panels } }

// WithLogger sends panelsim's warnings (e.g. validation in log mode) to l.
func WithLogger(l *slog.Logger) Option { return func(o *options) { o.cfg.Logger = l } }

// WithBodyLimits sets the largest request body a panel (panel) and the
// control plane (control) accept; 0 keeps the default.
func WithBodyLimits(panel, control int64) Option {
	return func(o *options) { o.cfg.MaxBody, o.cfg.MaxControlBody = panel, control }
}

// WithWorldLimits caps the worlds alive at once and lets worlds unused for
// idleTTL be evicted to make room (see --max-worlds, --world-idle-ttl);
// by default in-process servers have no cap.
func WithWorldLimits(max int, idleTTL time.Duration) Option {
	return func(o *options) { o.cfg.MaxWorlds, o.cfg.WorldIdleTTL = max, idleTTL }
}

// WithJournalMemory bounds the bytes all worlds' journals hold together
// (see --journal-memory; 0, the default here: no bound but each journal's
// size).
func WithJournalMemory(bytes int64) Option {
	return func(o *options) { o.cfg.JournalMemory = bytes }
}

// WithConnLimits sets the server's connection bounds (timeouts, header
// size, connections per client address); zero fields keep the binary's
// defaults. Short timeouts let a test watch a slow or idle client being cut
// off without waiting for the defaults.
func WithConnLimits(l sim.ConnLimits) Option { return func(o *options) { o.conn = l } }

// WithWallClock replaces the host clock that real clock mode and world
// idleness are measured on, so a test can move it without sleeping.
func WithWallClock(now func() time.Time) Option {
	return func(o *options) { o.cfg.Wall = now }
}

// WithControlToken requires "Authorization: Bearer tok" on every
// /_panelsim HTTP call but health (the Server's own methods work in
// process and need nothing); ControlToken returns it.
func WithControlToken(tok string) Option { return func(o *options) { o.cfg.ControlToken = tok } }

// Server is a running in-process panelsim. Its own methods act on the
// default world; World(name) gives a handle on another.
type Server struct {
	sim  *sim.Server
	http *httptest.Server
	// coverageOut is WithCoverageReport's path ("" for none).
	coverageOut string
	reported    sync.Once
}

// Run starts a server; the caller must Close it.
func Run(opts ...Option) (*Server, error) {
	o := &options{cfg: sim.Config{
		DefaultClock: "manual", Validate: simhttp.ValidateStrict, CheckInvariants: true,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	}}
	for _, opt := range opts {
		opt(o)
	}
	if o.err != nil {
		return nil, o.err
	}
	if o.cfg.Clock == "" {
		o.cfg.Clock = "manual"
	}
	s, err := sim.New(o.cfg)
	if err != nil {
		return nil, err
	}
	// The binary's connection bounds (header size, timeouts, connections
	// per client) hold here too.
	hs := httptest.NewUnstartedServer(s.Handler())
	hs.Config = sim.HTTPServer(s.Handler(), o.conn)
	hs.Listener = o.conn.Listener(hs.Listener, o.cfg.Logger)
	hs.Start()
	return &Server{sim: s, http: hs, coverageOut: o.coverageOut}, nil
}

// RunT starts a server and stops it when the test ends.
func RunT(t TB, opts ...Option) *Server {
	t.Helper()
	s, err := Run(opts...)
	if err != nil {
		t.Fatalf("panelsimtest: %v", err)
		return nil
	}
	t.Cleanup(s.Close)
	return s
}

// Close stops the server and writes its coverage report if asked to
// (WithCoverageReport); a report that cannot be written panics, since a
// test run that silently loses its report would mislead.
func (s *Server) Close() {
	s.http.Close()
	if s.coverageOut == "" {
		return
	}
	s.reported.Do(func() {
		if err := s.writeCoverage(s.coverageOut); err != nil {
			panic("panelsimtest: coverage report: " + err.Error())
		}
	})
}

// ControlToken is the token the control plane requires over HTTP ("" for
// none), for clients that call /_panelsim themselves.
func (s *Server) ControlToken() string { return s.sim.ControlToken() }

// Sim is the underlying server, for what this package does not wrap.
func (s *Server) Sim() *sim.Server { return s.sim }

// BaseURL is the server's root URL (every panel is under it).
func (s *Server) BaseURL() string { return s.http.URL }

// World returns a handle on a world, created from the scenario on first use.
func (s *Server) World(name string) *World { return s.world(name) }

func (s *Server) world(name string) *World { return &World{srv: s, name: name} }

// The default world's methods, spelled out (not embedded) so that go doc
// lists them on Server; TestServerHasEveryWorldMethod keeps the two sets
// equal.

func (s *Server) def() *World { return s.world(simhttp.DefaultWorld) }

// URL is the default world's base URL, the same as BaseURL (append vendor
// paths).
func (s *Server) URL() string { return s.def().URL() }

// Now is the default world's virtual time.
func (s *Server) Now() time.Time { return s.def().Now() }

// Advance moves the default world's clock, returning when every due step
// has run, with the steps that ran.
func (s *Server) Advance(d time.Duration) []state.Ran { return s.def().Advance(d) }

// SetFaults replaces the default world's fault rules; no rules clears them.
func (s *Server) SetFaults(rules ...state.FaultRule) error { return s.def().SetFaults(rules...) }

// Reset rebuilds the default world from its scenario with the clock at its
// start.
func (s *Server) Reset() { s.def().Reset() }

// Requests returns the default world's journal entries matching f (zero
// value: all), oldest first.
func (s *Server) Requests(f state.JournalFilter) []state.Entry { return s.def().Requests(f) }

// Do runs fn inside the default world's lock, for tests that inspect or
// prepare model state directly.
func (s *Server) Do(fn func(tx *state.Tx) error) error { return s.def().Do(fn) }

// Snapshot returns the default world's state as JSON.
func (s *Server) Snapshot() []byte { return s.def().Snapshot() }

// World is a handle on one world of a server.
type World struct {
	srv  *Server
	name string
}

// Name is the world's name.
func (w *World) Name() string { return w.name }

// URL is the base URL that addresses this world (append vendor paths).
func (w *World) URL() string {
	if w.name == simhttp.DefaultWorld {
		return w.srv.http.URL
	}
	return w.srv.http.URL + "/_w/" + w.name
}

func (w *World) get() *state.World {
	sw, err := w.srv.sim.Worlds().Get(w.name)
	if err != nil {
		panic(fmt.Sprintf("panelsimtest: %v", err))
	}
	return sw
}

// Now is the world's virtual time.
func (w *World) Now() time.Time { return w.get().Now() }

// Advance moves the world's clock, returning when every due step has run.
func (w *World) Advance(d time.Duration) []state.Ran {
	ran, err := w.get().Advance(d)
	if err != nil {
		panic(fmt.Sprintf("panelsimtest: %v", err))
	}
	return ran
}

// SetFaults replaces the world's fault rules; no rules clears them.
func (w *World) SetFaults(rules ...state.FaultRule) error {
	if err := w.srv.sim.ValidateFaults(rules); err != nil {
		return err
	}
	w.get().SetFaults(rules)
	return nil
}

// Reset rebuilds the world from its scenario with the clock at its start.
func (w *World) Reset() {
	if _, err := w.srv.sim.Worlds().Rebuild(w.name, nil); err != nil {
		panic(fmt.Sprintf("panelsimtest: %v", err))
	}
}

// Requests returns the journal entries matching f (zero value: all).
func (w *World) Requests(f state.JournalFilter) []state.Entry {
	return w.get().Journal().List(f)
}

// Do runs fn inside the world's lock, for tests that inspect or prepare
// model state directly.
func (w *World) Do(fn func(tx *state.Tx) error) error { return w.get().Do(fn) }

// Snapshot returns the world's state as JSON.
func (w *World) Snapshot() []byte {
	snap, err := w.get().Snapshot()
	if err != nil {
		panic(fmt.Sprintf("panelsimtest: %v", err))
	}
	var b bytes.Buffer
	_ = jsonEncode(&b, snap)
	return b.Bytes()
}
