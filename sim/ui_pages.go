package sim

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/panelsim/panelsim/sim/simhttp"
	"github.com/panelsim/panelsim/state"
)

// The dashboard's pages: each reads through the functions the JSON control
// plane uses and answers a form with a redirect back to its page.

// maxUISteps and maxUIEntries bound what one page lists.
const (
	maxUISteps   = 100
	maxUIEntries = 200
)

func (s *Server) uiWorlds(c echo.Context) error {
	return s.uiPage(c, "Worlds", "worlds", s.viewWorlds())
}

func (s *Server) viewWorlds() []worldView {
	var worlds []worldView
	for _, n := range s.worlds.Names() {
		if w, ok := s.worlds.Lookup(n); ok {
			worlds = append(worlds, viewWorld(w))
		}
	}
	return worlds
}

// uiCreateWorld makes a world from the scenario, or a fork of "from".
func (s *Server) uiCreateWorld(c echo.Context) error {
	name, from := strings.TrimSpace(c.FormValue("name")), strings.TrimSpace(c.FormValue("from"))
	var err error
	switch {
	case state.ValidName(name) != nil:
		err = state.ValidName(name)
	case from == "":
		if _, exists := s.worlds.Lookup(name); exists {
			return s.uiRefuse(c, "worlds", "world "+strconv.Quote(name)+" already exists")
		}
		_, err = s.worlds.Get(name)
	default:
		_, err = s.worlds.Fork(from, name)
	}
	if err != nil {
		return s.uiRefuse(c, "worlds", err.Error())
	}
	return back(c, "worlds")
}

func (s *Server) uiResetWorld(c echo.Context) error {
	if _, err := s.worlds.Rebuild(c.Param("name"), nil); err != nil {
		return s.uiRefuse(c, "worlds", err.Error())
	}
	return back(c, "worlds")
}

func (s *Server) uiDeleteWorld(c echo.Context) error {
	s.worlds.Delete(c.Param("name"))
	return back(c, "worlds")
}

// uiRefuse shows a page again with a form's refusal (400).
func (s *Server) uiRefuse(c echo.Context, name, msg string) error {
	titles := map[string]string{"worlds": "Worlds", "clock": "Clock", "faults": "Faults"}
	p := page{Title: titles[name], Base: uiBase(c), World: simhttp.WorldName(c), Page: name, Error: msg}
	switch name {
	case "worlds":
		p.Data = s.viewWorlds()
	case "clock":
		w, err := s.uiWorld(c)
		if err != nil {
			return err
		}
		p.Data = viewClock(w)
	case "faults":
		w, err := s.uiWorld(c)
		if err != nil {
			return err
		}
		p.Data = s.viewFaults(w)
	}
	return renderPage(c, http.StatusBadRequest, p)
}

// clockPage is the clock page: now, mode and the pending steps.
type clockPage struct {
	clockView
	Steps []pendingStep
	// Next is when the next step falls due (zero if none).
	Next time.Time
}

// pendingStep is a step on the timeline: when it runs, and where on the
// bar (percent of the span to the last listed step).
type pendingStep struct {
	Due     time.Time
	In      string
	Kind    string
	Percent int
}

func viewClock(w *state.World) clockPage {
	now := w.Now()
	p := clockPage{clockView: clockView{
		World: w.Name(), Now: now, Start: w.Config().Start, Mode: w.Config().Clock.String(), Pending: w.Pending(),
	}}
	steps := w.PendingSteps(maxUISteps)
	if len(steps) == 0 {
		return p
	}
	p.Next = steps[0].Due
	span := steps[len(steps)-1].Due.Sub(now)
	for _, st := range steps {
		ps := pendingStep{Due: st.Due, In: st.Due.Sub(now).String(), Kind: st.Kind, Percent: 100}
		if span > 0 {
			ps.Percent = int(st.Due.Sub(now) * 100 / span)
		}
		p.Steps = append(p.Steps, ps)
	}
	return p
}

func (s *Server) uiClock(c echo.Context) error {
	w, err := s.uiWorld(c)
	if err != nil {
		return err
	}
	return s.uiPage(c, "Clock", "clock", viewClock(w))
}

// uiAdvance moves the clock by a chosen duration, or to the next due step.
func (s *Server) uiAdvance(c echo.Context) error {
	w, err := s.uiWorld(c)
	if err != nil {
		return err
	}
	if c.FormValue("next") != "" {
		steps := w.PendingSteps(1)
		if len(steps) == 0 {
			return s.uiRefuse(c, "clock", "no step is pending")
		}
		if _, err := w.Set(steps[0].Due); err != nil {
			return s.uiRefuse(c, "clock", err.Error())
		}
		return back(c, "clock")
	}
	by := strings.TrimSpace(c.FormValue("by"))
	d, perr := state.ParseDuration(by)
	if perr != nil || d < 0 {
		return s.uiRefuse(c, "clock", "advance by a non-negative duration such as 15m or 1h30m (got "+strconv.Quote(by)+")")
	}
	w.Advance(d)
	return back(c, "clock")
}

func (s *Server) uiSetClock(c echo.Context) error {
	w, err := s.uiWorld(c)
	if err != nil {
		return err
	}
	to := strings.TrimSpace(c.FormValue("to"))
	t, perr := time.Parse(time.RFC3339, to)
	if perr != nil {
		// A datetime-local input sends 2025-01-01T12:00 (taken as UTC).
		t, perr = time.Parse("2006-01-02T15:04", to)
	}
	if perr != nil {
		return s.uiRefuse(c, "clock", "set the clock to a time such as 2025-01-01T12:00:00Z (got "+strconv.Quote(to)+")")
	}
	if _, err := w.Set(t); err != nil {
		return s.uiRefuse(c, "clock", err.Error())
	}
	return back(c, "clock")
}

// journalPage is the journal page: the filters and the newest entries.
type journalPage struct {
	Filter  journalFilterView
	Entries []state.Entry
	Panels  []string
	// Last is the newest entry's sequence number: the live tail's start.
	Last uint64
	// Query is the filter as URL parameters, for the live tail.
	Query string
}

type journalFilterView struct {
	Panel, Status, Fault, Path string
}

// journalFilter reads the page's filters (an unusable status is ignored).
func journalFilter(c echo.Context) (state.JournalFilter, journalFilterView) {
	v := journalFilterView{Panel: c.QueryParam("panel"), Status: c.QueryParam("status"), Fault: c.QueryParam("fault"), Path: c.QueryParam("path")}
	f := state.JournalFilter{Panel: v.Panel, Fault: v.Fault, Path: v.Path}
	if n, err := strconv.Atoi(v.Status); err == nil {
		f.Status = n
	}
	return f, v
}

func (s *Server) uiJournal(c echo.Context) error {
	w, err := s.uiWorld(c)
	if err != nil {
		return err
	}
	f, v := journalFilter(c)
	entries := w.Journal().Since(0, f, maxUIEntries)
	p := journalPage{Filter: v, Query: c.QueryString()}
	for i := len(entries) - 1; i >= 0; i-- {
		p.Entries = append(p.Entries, entries[i])
	}
	if len(entries) > 0 {
		p.Last = entries[len(entries)-1].Seq
	}
	for _, pn := range s.panels {
		p.Panels = append(p.Panels, pn.Name())
	}
	return s.uiPage(c, "Journal", "journal", p)
}

func (s *Server) uiState(c echo.Context) error {
	w, err := s.uiWorld(c)
	if err != nil {
		return err
	}
	snap, serr := w.Snapshot()
	if serr != nil {
		return failf(http.StatusInternalServerError, "", "%v", serr)
	}
	var panels []panelStateView
	for _, p := range s.panels {
		if raw, ok := snap.Panels[p.Name()]; ok {
			panels = append(panels, viewPanelState(p.Name(), raw))
		}
	}
	return s.uiPage(c, "State", "state", panels)
}

// uiCoverage shows the request's world, or every world merged with ?all=1.
func (s *Server) uiCoverage(c echo.Context) error {
	world := simhttp.WorldName(c)
	if c.QueryParam("all") != "" {
		world = ""
	}
	rep := s.Coverage(world)
	return renderPage(c, http.StatusOK, page{Title: "Coverage", Base: uiBase(c), World: simhttp.WorldName(c), Page: "coverage", Data: rep})
}
