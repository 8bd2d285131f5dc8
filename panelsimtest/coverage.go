package panelsimtest

import (
	"sync"

	"github.com/panelsim/panelsim/sim"
	"github.com/panelsim/panelsim/state"
)

// Coverage is what the suite exercised on this server, every world merged
// (deleted worlds included): operations, native error codes, task states,
// auth paths and fault firings against what each panel can do.
func (s *Server) Coverage() sim.CoverageReport { return s.sim.Coverage("") }

// Coverage is what was exercised in this world alone.
func (w *World) Coverage() sim.CoverageReport {
	w.get()
	return w.srv.sim.Coverage(w.name)
}

// WithCoverageReport writes the coverage report to path when the server
// closes, summed with every other server of the test binary that names the
// same path: after the last test the file holds the whole suite's report.
// The extension picks the form: .json, .txt (one line per panel) or .html.
func WithCoverageReport(path string) Option {
	return func(o *options) { o.coverageOut = path }
}

// reports sums, per path, the coverage of every server of the test binary
// that writes there. It is the one process-wide value in the package: a
// test binary's report outlives each test's server by design.
var reports = struct {
	sync.Mutex
	byPath map[string]*suiteReport
}{byPath: map[string]*suiteReport{}}

type suiteReport struct {
	panels map[string]sim.Panel
	order  []string
	counts state.CoverCounts
	rules  []string
}

// writeCoverage adds the server's counts to its path's sum and rewrites the
// file.
func (s *Server) writeCoverage(path string) error {
	rep := s.sim.Coverage("")
	reports.Lock()
	defer reports.Unlock()
	r := reports.byPath[path]
	if r == nil {
		r = &suiteReport{panels: map[string]sim.Panel{}, counts: state.CoverCounts{}}
		reports.byPath[path] = r
	}
	for _, p := range s.sim.Panels() {
		if _, ok := r.panels[p.Name()]; !ok {
			r.panels[p.Name()] = p
			r.order = append(r.order, p.Name())
		}
	}
	r.counts = state.Sum(r.counts, rep.Counts())
	r.rules = append(r.rules, rep.Rules()...)
	panels := make([]sim.Panel, 0, len(r.order))
	for _, name := range r.order {
		panels = append(panels, r.panels[name])
	}
	return sim.WriteCoverage(path, sim.BuildCoverage(panels, r.counts, r.rules))
}
