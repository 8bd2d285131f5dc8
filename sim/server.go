package sim

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/panelsim/panelsim/openapi"
	"github.com/panelsim/panelsim/scenarios"
	"github.com/panelsim/panelsim/sim/simhttp"
	"github.com/panelsim/panelsim/state"
)

// Config is everything a server is built from; the binary fills it from
// flags, panelsimtest from options.
type Config struct {
	// ScenarioFile names the scenario in errors; ScenarioYAML is its text
	// (nil: the embedded default scenario).
	ScenarioFile string
	ScenarioYAML []byte
	// Seed overrides the scenario's seed when not 0.
	Seed uint64
	// Clock overrides the scenario's clock mode when not "".
	Clock string
	// DefaultClock applies when neither Clock nor the scenario names one.
	DefaultClock string
	// Start overrides the scenario's start time when not zero.
	Start time.Time
	// Wall is the wall clock for real mode (nil: the system clock).
	Wall state.WallClock
	// Validate is the request contract check mode.
	Validate simhttp.ValidateMode
	// NoControl leaves the /_panelsim control plane out.
	NoControl bool
	// StateFile is where POST /_panelsim/state/save writes the worlds.
	StateFile string
	// Logger receives warnings (nil: discard).
	Logger *slog.Logger
	// Panels to serve (nil: every panel).
	Panels []Panel
	// Version is reported by /_panelsim/version.
	Version string
	// MaxBody is the largest request body a panel accepts (0:
	// simhttp.DefaultMaxBody) and MaxControlBody the largest the control
	// plane accepts (0: DefaultMaxControlBody); larger ones are refused.
	MaxBody, MaxControlBody int64
	// CheckInvariants runs every panel's invariant check after each
	// scenario load and fork too (restores always run it); panelsimtest
	// turns it on, so a seeding bug fails the test that meets it.
	CheckInvariants bool
	// ControlToken, when set, is required as "Authorization: Bearer
	// <token>" by every /_panelsim call but health (401 otherwise).
	ControlToken string
	// MaxWorlds caps the worlds alive at once (0: no cap); WorldIdleTTL is
	// how long a world must go unused before it may be evicted to make room
	// (0: never). See state.Limits.
	MaxWorlds    int
	WorldIdleTTL time.Duration
	// JournalMemory bounds the bytes all worlds' journals hold together
	// (0: no bound but each journal's size). See state.Journal.
	JournalMemory int64
	// Proxy replaces panels by name with forwarders (proxy mode): their
	// routes forward instead of running the model, and their state is not
	// seeded. Every name must be a served panel.
	Proxy map[string]simhttp.Proxy
}

// Server is a built panelsim: worlds, panels and their HTTP handlers.
type Server struct {
	cfg      Config
	panels   []Panel
	scenario *scenarios.Scenario
	origin   *origin
	known    scenarios.Known
	steps    map[string]state.StepFunc
	states   map[string]func() any
	worlds   *state.Worlds
	metrics  *metrics
	contract func() (*openapi.Contract, error)
	env      *simhttp.Env
	handler  http.Handler
	saveMu   sync.Mutex

	// routeName names the route handler serves a method and path with.
	routeName func(method, path string) string
}

// New checks the configuration and the scenario (by building the default
// world once) and returns a server ready to serve.
func New(cfg Config) (*Server, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if cfg.Panels == nil {
		cfg.Panels = All()
	}
	if cfg.Validate == "" {
		cfg.Validate = simhttp.ValidateOff
	}
	if err := checkValidateMode(cfg.Validate); err != nil {
		return nil, err
	}
	for _, m := range []string{cfg.Clock, cfg.DefaultClock} {
		if _, err := state.ParseClockMode(m); m != "" && err != nil {
			return nil, err
		}
	}
	s := &Server{cfg: cfg, panels: cfg.Panels, steps: map[string]state.StepFunc{}, states: map[string]func() any{}}
	if err := s.collectPanels(); err != nil {
		return nil, err
	}
	for name := range cfg.Proxy {
		if s.panel(name) == nil {
			return nil, fmt.Errorf("proxy for %q: not a served panel", name)
		}
	}
	sc, err := s.ParseScenario(cfg.ScenarioFile, cfg.ScenarioYAML)
	if err != nil {
		return nil, err
	}
	s.scenario, s.origin = sc, newOrigin(sc)
	s.worlds = state.NewWorlds(s.build, state.Limits{MaxWorlds: cfg.MaxWorlds, IdleTTL: cfg.WorldIdleTTL, JournalMemory: cfg.JournalMemory, Keep: simhttp.DefaultWorld, Wall: cfg.Wall})
	if _, err := s.worlds.Get(simhttp.DefaultWorld); err != nil {
		return nil, err
	}
	// Parsing the specs costs more than the rest of the start-up, so it
	// waits until something needs them: request validation (then at once,
	// so a broken spec fails the start) or a test asking for the contract.
	s.contract = sync.OnceValues(func() (*openapi.Contract, error) {
		c, err := openapi.Load(s.sources()...)
		if err != nil {
			return nil, err
		}
		return c.ServedBy(s.servedBy), nil
	})
	s.metrics = newMetrics(s.worlds, s.panels)
	s.env = &simhttp.Env{Worlds: s.worlds, Meters: s.metrics, Wall: cfg.Wall, Validate: cfg.Validate, Logger: cfg.Logger, MaxBody: cfg.MaxBody}
	if cfg.Validate != simhttp.ValidateOff {
		if s.env.Validator, err = s.contract(); err != nil {
			return nil, err
		}
	}
	plane := controlFull
	if cfg.NoControl {
		plane = controlHealthOnly
	}
	e := s.newEcho(s.panels, plane)
	s.handler, s.routeName = s.serve(e, plane), simhttp.ServedBy(e)
	return s, nil
}

func checkValidateMode(m simhttp.ValidateMode) error {
	switch m {
	case simhttp.ValidateOff, simhttp.ValidateLog, simhttp.ValidateStrict:
		return nil
	}
	return fmt.Errorf("validate %q: want off, log or strict", m)
}

func (s *Server) collectPanels() error {
	s.known.Timings = map[string]time.Duration{}
	for _, p := range s.panels {
		name := p.Name()
		if _, dup := s.states[name]; dup {
			return fmt.Errorf("panel %s registered twice", name)
		}
		s.known.Panels = append(s.known.Panels, name)
		s.states[name] = p.NewState
		for k, d := range p.Timings() {
			s.known.Timings[k] = d
		}
		for k, fn := range p.Steps() {
			s.steps[k] = fn
		}
	}
	s.knowUnserved()
	return nil
}

// knowUnserved lets a scenario keep blocks and timings of panels this
// server does not serve (WithPanels, a subset): they are read as valid and
// ignored, so the default scenario works with any subset of panels.
func (s *Server) knowUnserved() {
	for _, p := range All() {
		if _, served := s.states[p.Name()]; served {
			continue
		}
		s.known.Panels = append(s.known.Panels, p.Name())
		for k, d := range p.Timings() {
			s.known.Timings[k] = d
		}
	}
}

func (s *Server) sources() []openapi.Source {
	src := []openapi.Source{{Name: "control"}}
	for _, p := range s.panels {
		source := openapi.Source{Name: p.Name(), Canon: p.CanonicalPath}
		if sp, ok := p.(interface{ Spec() []byte }); ok {
			source.YAML = sp.Spec()
		}
		if d, ok := p.(interface{ Dispatch() *openapi.Dispatch }); ok {
			source.Dispatch = d.Dispatch()
		}
		if j, ok := p.(interface{ JSONBodies() bool }); ok {
			source.JSONBodies = j.JSONBodies()
		}
		src = append(src, source)
	}
	return src
}

// ParseScenario reads a scenario against this server's panels, applying
// the configured overrides. nil data means the embedded default.
func (s *Server) ParseScenario(file string, data []byte) (*scenarios.Scenario, error) {
	if data == nil {
		data, file = scenarios.DefaultYAML(), "default.yaml"
	}
	if file == "" {
		file = "scenario"
	}
	sc, err := scenarios.Parse(file, data, s.known)
	if err != nil {
		return nil, err
	}
	if err := s.checkFaultCodes(sc.Faults); err != nil {
		var fe *state.FaultError
		errors.As(err, &fe)
		return nil, sc.Errorf(fmt.Sprintf("faults[%d].%s", fe.Index, fe.Field), "%s", fe.Msg)
	}
	if s.cfg.Seed != 0 {
		sc.Seed = s.cfg.Seed
	}
	if !s.cfg.Start.IsZero() {
		sc.Start = s.cfg.Start.UTC()
	}
	return sc, nil
}

// ValidateFaults checks a rule list as a whole: the rules themselves and,
// for rules aimed at one panel, their native error codes.
func (s *Server) ValidateFaults(rules []state.FaultRule) error {
	if err := state.ValidateFaults(rules, s.known.Panels); err != nil {
		return err
	}
	return s.checkFaultCodes(rules)
}

func (s *Server) checkFaultCodes(rules []state.FaultRule) error {
	for i, r := range rules {
		checker, ok := s.panel(r.Panel).(FaultCodeChecker)
		if !ok || r.Action.Error == nil {
			continue
		}
		// Only the envelope's code has the panel's form; a fail_task code is
		// free-form failure information.
		if err := checker.CheckFaultCode(string(r.Action.Error.Code)); err != nil {
			return &state.FaultError{Index: i, Field: "action.error.code", Msg: err.Error()}
		}
	}
	return nil
}

// panel finds a served panel by name (nil if none).
func (s *Server) panel(name string) Panel {
	for _, p := range s.panels {
		if p.Name() == name {
			return p
		}
	}
	return nil
}

// clockMode picks the flag's mode, else the scenario's, else the default.
func (s *Server) clockMode(sc *scenarios.Scenario) (state.ClockMode, error) {
	for _, m := range []string{s.cfg.Clock, sc.Clock, s.cfg.DefaultClock} {
		if m != "" {
			return state.ParseClockMode(m)
		}
	}
	return state.ClockMode{}, nil
}

// origin is what worlds are built from: a scenario, and the pristine
// world seeded from it once. Every world of that scenario is a clone of the
// pristine one, so the YAML is decoded and seeded once per scenario, not
// once per world (and a reset is a clone too).
type origin struct {
	sc       *scenarios.Scenario
	once     sync.Once
	pristine *state.World
	err      error
}

func newOrigin(sc *scenarios.Scenario) *origin { return &origin{sc: sc} }

// build is the worlds registry's Builder: a fresh world from a scenario
// (an *origin, a *scenarios.Scenario, or nil for the server's own).
func (s *Server) build(name string, from any) (*state.World, error) {
	o := s.origin
	switch v := from.(type) {
	case *origin:
		o = v
	case *scenarios.Scenario:
		o = newOrigin(v)
	}
	o.once.Do(func() { o.pristine, o.err = s.seed(o) })
	if o.err != nil {
		return nil, o.err
	}
	return o.pristine.Clone(name), nil
}

// seed builds the pristine world of an origin: its scenario decoded and
// every panel seeded from it.
func (s *Server) seed(o *origin) (*state.World, error) {
	sc := o.sc
	w, err := state.NewWorld(s.worldConfig("pristine", o))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", sc.File, err)
	}
	err = w.Do(func(tx *state.Tx) error {
		for _, p := range s.panels {
			if _, proxied := s.cfg.Proxy[p.Name()]; proxied {
				continue
			}
			if err := p.Seed(tx, sc); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if s.cfg.CheckInvariants {
		if err := s.CheckInvariants(w); err != nil {
			return nil, fmt.Errorf("%s: the seeded world breaks an invariant: %w", sc.File, err)
		}
	}
	return w, nil
}

func (s *Server) worldConfig(name string, o *origin) state.Config {
	sc := o.sc
	mode, _ := s.clockMode(sc) // checked when the scenario was parsed
	return state.Config{
		Name: name, Seed: sc.Seed, Start: sc.Start, Clock: mode, Wall: s.cfg.Wall,
		JournalSize: sc.Journal, History: sc.History, Timings: sc.Timings, Steps: s.steps, States: s.states,
		Faults: sc.Faults, Origin: o,
	}
}

// Worlds is the server's registry of worlds.
func (s *Server) Worlds() *state.Worlds { return s.worlds }

// Panels lists the panels served.
func (s *Server) Panels() []Panel { return s.panels }

// Contract is the loaded OpenAPI contract of every panel and the control
// plane. The specs are embedded and tested, so failing to load them is a
// build defect and panics.
func (s *Server) Contract() *openapi.Contract {
	c, err := s.contract()
	if err != nil {
		panic(fmt.Sprintf("panelsim contract: %v", err))
	}
	return c
}

// Scenario is the scenario new worlds are built from.
func (s *Server) Scenario() *scenarios.Scenario { return s.scenario }

// Handler serves every panel and, unless disabled, the control plane.
func (s *Server) Handler() http.Handler { return s.handler }

// PanelHandler serves one panel's paths only, for --listen PANEL=ADDR.
func (s *Server) PanelHandler(name string) (http.Handler, error) {
	if p := s.panel(name); p != nil {
		return s.serve(s.newEcho([]Panel{p}, controlNone), controlNone), nil
	}
	return nil, fmt.Errorf("unknown panel %q (want one of %s)", name, strings.Join(s.known.Panels, ", "))
}

// servedBy names the spec an answer to method and path is checked against:
// the panel whose route serves it, "control" for the control plane, ""
// when nothing does (echo's own 404 or 405).
func (s *Server) servedBy(method, path string) string {
	name := s.routeName(method, path)
	if name == "" || s.panel(name) != nil {
		return name
	}
	return "control"
}

// controlPlane says how much of /_panelsim a listener serves.
type controlPlane int

const (
	controlNone       controlPlane = iota // a --listen panel listener: that panel's paths only
	controlHealthOnly                     // --no-control: containers still wait on health
	controlFull
)

func (s *Server) newEcho(panels []Panel, plane controlPlane) *echo.Echo {
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.Logger.SetOutput(io.Discard)
	e.HTTPErrorHandler = unservedPath
	for _, p := range panels {
		r := simhttp.NewRouter(e, p, s.env, plane == controlFull)
		if px, proxied := s.cfg.Proxy[p.Name()]; proxied {
			r = simhttp.NewProxyRouter(e, p, s.env, px)
		}
		p.Register(r)
	}
	switch plane {
	case controlFull:
		s.registerControl(e)
	case controlHealthOnly:
		e.GET(ctl+"/health", s.health)
	}
	return e
}

// serve is e's handler with the walk, behind the control token when the
// control plane needs one.
func (s *Server) serve(e *echo.Echo, plane controlPlane) http.Handler {
	if plane == controlFull && s.cfg.ControlToken != "" {
		return simhttp.Serve(e, s.controlAuth)
	}
	return simhttp.Serve(e)
}

// unservedPath answers requests no panel serves, without echo's default body.
func unservedPath(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	status, msg := http.StatusNotFound, fmt.Sprintf("no panel serves %s %s", c.Request().Method, c.Request().URL.Path)
	var he *echo.HTTPError
	if errors.As(err, &he) && he.Code != http.StatusNotFound {
		status, msg = he.Code, fmt.Sprint(he.Message)
	}
	_ = c.JSON(status, map[string]string{"error": msg})
}

// stateFile is what --state-file holds: every world's snapshot.
type stateFile struct {
	Worlds map[string]*state.Snapshot `json:"worlds"`
}

// SaveState writes every world to path atomically (see writeAtomic). Saves
// are serialised, so a later save's snapshot is never overwritten by an
// earlier one's.
func (s *Server) SaveState(path string) error {
	if path == "" {
		return errors.New("no state file configured (start panelsim with --state-file)")
	}
	s.saveMu.Lock()
	defer s.saveMu.Unlock()
	out := stateFile{Worlds: map[string]*state.Snapshot{}}
	for _, name := range s.worlds.Names() {
		w, ok := s.worlds.Lookup(name)
		if !ok {
			continue
		}
		snap, err := w.Snapshot()
		if err != nil {
			return err
		}
		out.Worlds[name] = snap
	}
	data, err := json.Marshal(out)
	if err != nil {
		return err
	}
	return writeAtomic(path, data)
}

// LoadState restores the worlds saved in path; a missing file is no error.
func (s *Server) LoadState(path string) error {
	removeOrphans(path)
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	var in stateFile
	if len(bytes.TrimSpace(data)) == 0 {
		return fmt.Errorf("state file %s: the file is empty; not a panelsim state file", path)
	}
	if err := state.DecodeStrict(data, &in); err != nil {
		return fmt.Errorf("state file %s: %w", path, err)
	}
	if in.Worlds == nil {
		return fmt.Errorf("state file %s: /worlds: missing; not a panelsim state file", path)
	}
	names := make([]string, 0, len(in.Worlds))
	for n := range in.Worlds {
		names = append(names, n)
	}
	sort.Strings(names)
	restored := make([]*state.World, 0, len(names))
	for _, name := range names {
		w, err := s.restore(name, in.Worlds[name])
		var de *state.DecodeError
		if errors.As(err, &de) {
			err = de.At("/worlds/" + state.PointerToken(name))
		}
		if err != nil {
			return fmt.Errorf("state file %s: world %s: %w", path, name, err)
		}
		restored = append(restored, w)
	}
	for _, w := range restored {
		if err := s.worlds.Put(w); err != nil {
			return fmt.Errorf("state file %s: world %s: %w", path, w.Name(), err)
		}
	}
	return nil
}

// restore builds a world named name from a snapshot, with the default
// scenario as its origin (what a later reset goes back to).
func (s *Server) restore(name string, snap *state.Snapshot) (*state.World, error) {
	if snap == nil {
		return nil, errors.New("empty snapshot")
	}
	if err := state.ValidName(name); err != nil {
		return nil, err
	}
	if err := s.checkSnapshotFaults(snap); err != nil {
		return nil, err
	}
	w, err := state.Restore(s.worldConfig(name, s.origin), snap)
	if err != nil {
		return nil, err
	}
	return w, s.checkWorld(w, snap.Queue)
}
