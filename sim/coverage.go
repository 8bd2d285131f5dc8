package sim

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"sort"
	"strings"

	"github.com/panelsim/panelsim/state"
)

// CoverageReport is what a suite exercised, per panel, against what each
// panel can do (its declared Universe): GET /_panelsim/coverage.
type CoverageReport struct {
	// World is the world reported, or "" when every world is merged.
	World string `json:"world"`
	// Worlds are the worlds whose counts are in the report (deleted worlds
	// count in the merged report but are not listed).
	Worlds []string          `json:"worlds"`
	Panels []PanelCoverage   `json:"panels"`
	Faults FaultCoverage     `json:"faults"`
	counts state.CoverCounts `json:"-"`
}

// PanelCoverage is one panel's part of the report.
type PanelCoverage struct {
	Panel      string    `json:"panel"`
	Operations Dimension `json:"operations"`
	Codes      Dimension `json:"codes"`
	Tasks      Dimension `json:"tasks"`
	Auth       Dimension `json:"auth"`
	// Statuses counts the HTTP statuses sent (there is no universe of them).
	Statuses map[string]int64 `json:"statuses"`
}

// FaultCoverage is which fault rules fired and which kinds of action were
// applied, over every panel.
type FaultCoverage struct {
	Rules   Dimension `json:"rules"`
	Actions Dimension `json:"actions"`
}

// Dimension is one thing counted against its universe.
type Dimension struct {
	Covered int `json:"covered"`
	Total   int `json:"total"`
	// Counts has every name of the universe, 0 when never exercised.
	Counts map[string]int64 `json:"counts"`
	// Never lists the names never exercised, sorted.
	Never []string `json:"never"`
	// Outside counts names exercised but not in the universe (an unknown
	// route or cmd, a code a fault rule invented).
	Outside map[string]int64 `json:"outside,omitempty"`
}

// Count is the count of one name (0 if never exercised).
func (d Dimension) Count(name string) int64 { return d.Counts[name] + d.Outside[name] }

// dimension measures counts of one panel's dimension against universe.
func dimension(counts state.CoverCounts, panels []string, dim string, universe []string) Dimension {
	d := Dimension{Counts: map[string]int64{}, Never: []string{}}
	in := map[string]bool{}
	for _, name := range universe {
		in[name] = true
		d.Counts[name] = 0
	}
	for k, n := range counts {
		if k.Dim != dim || !contains(panels, k.Panel) {
			continue
		}
		if in[k.Name] {
			d.Counts[k.Name] += n
			continue
		}
		if d.Outside == nil {
			d.Outside = map[string]int64{}
		}
		d.Outside[k.Name] += n
	}
	for name, n := range d.Counts {
		if n > 0 {
			d.Covered++
		} else {
			d.Never = append(d.Never, name)
		}
	}
	d.Total = len(d.Counts)
	sort.Strings(d.Never)
	return d
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// Coverage reports one world ("" or no such world: every world merged,
// deleted ones included).
func (s *Server) Coverage(world string) CoverageReport {
	var worlds []string
	var all []state.CoverCounts
	var rules []string
	addWorld := func(w *state.World) {
		worlds = append(worlds, w.Name())
		all = append(all, w.Coverage().Counts())
		for _, r := range w.Faults() {
			rules = append(rules, r.Name)
		}
	}
	if w, ok := s.worlds.Lookup(world); ok && world != "" {
		addWorld(w)
	} else {
		world = ""
		for _, name := range s.worlds.Names() {
			if w, ok := s.worlds.Lookup(name); ok {
				addWorld(w)
			}
		}
		all = append(all, s.worlds.Retired().Counts())
	}
	rep := BuildCoverage(s.panels, state.Sum(all...), rules)
	rep.World, rep.Worlds = world, append(rep.Worlds, worlds...)
	return rep
}

// Counts are the raw counts behind the report.
func (r CoverageReport) Counts() state.CoverCounts { return r.counts }

// Rules are the fault rules the report measures firings against.
func (r CoverageReport) Rules() []string { return append([]string(nil), r.Faults.Rules.names()...) }

func (d Dimension) names() []string {
	out := make([]string, 0, len(d.Counts))
	for n := range d.Counts {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// BuildCoverage measures counts against the panels' universes and the
// named fault rules (several servers' counts can be summed and reported
// together, as panelsimtest's WithCoverageReport does).
func BuildCoverage(panels []Panel, counts state.CoverCounts, rules []string) CoverageReport {
	rep := CoverageReport{Worlds: []string{}, counts: counts}
	names := make([]string, 0, len(panels))
	for _, p := range panels {
		names = append(names, p.Name())
		rep.Panels = append(rep.Panels, panelCoverage(p, counts))
	}
	rep.Faults = FaultCoverage{
		Rules:   dimension(counts, names, state.CoverFault, unique(rules)),
		Actions: dimension(counts, names, state.CoverAction, state.FaultActions),
	}
	return rep
}

func unique(list []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range list {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

func panelCoverage(p Panel, counts state.CoverCounts) PanelCoverage {
	u := p.Universe()
	only := []string{p.Name()}
	pc := PanelCoverage{
		Panel:      p.Name(),
		Operations: dimension(counts, only, state.CoverOp, u.Operations),
		Codes:      dimension(counts, only, state.CoverCode, u.Codes),
		Tasks:      dimension(counts, only, state.CoverTask, u.Tasks),
		Auth:       dimension(counts, only, state.CoverAuth, u.Auth),
		Statuses:   map[string]int64{},
	}
	for _, st := range counts.Names(p.Name(), state.CoverStatus) {
		pc.Statuses[st] = counts.Get(p.Name(), state.CoverStatus, st)
	}
	return pc
}

// ResetCoverage forgets the counts of one world, or of every world (and
// the deleted ones) when world is "".
func (s *Server) ResetCoverage(world string) {
	if world != "" {
		if w, ok := s.worlds.Lookup(world); ok {
			w.Coverage().Reset()
		}
		return
	}
	for _, name := range s.worlds.Names() {
		if w, ok := s.worlds.Lookup(name); ok {
			w.Coverage().Reset()
		}
	}
	s.worlds.Retired().Reset()
}

// Panel finds a panel's part of the report.
func (r CoverageReport) Panel(name string) (PanelCoverage, bool) {
	for _, p := range r.Panels {
		if p.Panel == name {
			return p, true
		}
	}
	return PanelCoverage{}, false
}

// Summary is the report as one line per panel, for CI logs:
//
//	dci6: 31/44 operations, 9/15 error codes, 5/40 task states, 2/4 auth paths
func (r CoverageReport) Summary() string {
	var b strings.Builder
	for _, p := range r.Panels {
		var parts []string
		for _, d := range []struct {
			d    Dimension
			what string
		}{{p.Operations, "operations"}, {p.Codes, "error codes"}, {p.Tasks, "task states"}, {p.Auth, "auth paths"}} {
			// A panel without async operations (mgr5) has no task states to
			// count: the line leaves out what the panel cannot do.
			if d.d.Total > 0 {
				parts = append(parts, d.d.ratio()+" "+d.what)
			}
		}
		fmt.Fprintf(&b, "%s: %s\n", p.Panel, strings.Join(parts, ", "))
	}
	fmt.Fprintf(&b, "faults: %s rules fired, %s actions\n", r.Faults.Rules.ratio(), r.Faults.Actions.ratio())
	return b.String()
}

func (d Dimension) ratio() string { return fmt.Sprintf("%d/%d", d.Covered, d.Total) }

// WriteCoverage writes the report to path atomically, in the form its
// extension names: .html a page, .txt the one-line-per-panel summary,
// anything else JSON.
func WriteCoverage(path string, rep CoverageReport) error {
	var data []byte
	var err error
	switch filepath.Ext(path) {
	case ".html", ".htm":
		data, err = pageHTML(page{Title: "Coverage", World: rep.World, Page: "coverage", Data: rep, Standalone: true})
	case ".txt":
		data = []byte(rep.Summary())
	default:
		data, err = json.MarshalIndent(rep, "", "  ")
	}
	if err != nil {
		return err
	}
	return writeAtomic(path, data)
}
