package sim

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/panelsim/panelsim/state"
)

// faultsPage is the faults page: the world's rules, how often each fired,
// and what the add form offers (the scenario's own vocabulary).
type faultsPage struct {
	Rules   []faultRow
	Panels  []faultPanel
	Actions []string
}

type faultRow struct {
	Rule   state.FaultRule
	Action string
	Fired  int64
}

// faultPanel is a panel in the form, with the operations to suggest.
type faultPanel struct {
	Name       string
	Operations []string
}

func (s *Server) viewFaults(w *state.World) faultsPage {
	p := faultsPage{Actions: state.FaultActions}
	counts := w.Coverage().Counts()
	for _, r := range w.Faults() {
		var fired int64
		for k, n := range counts {
			if k.Dim == state.CoverFault && k.Name == r.Name {
				fired += n
			}
		}
		p.Rules = append(p.Rules, faultRow{Rule: r, Action: r.Action.Kind(), Fired: fired})
	}
	for _, pn := range s.panels {
		p.Panels = append(p.Panels, faultPanel{Name: pn.Name(), Operations: pn.Universe().Operations})
	}
	return p
}

func (s *Server) uiFaults(c echo.Context) error {
	w, err := s.uiWorld(c)
	if err != nil {
		return err
	}
	return s.uiPage(c, "Faults", "faults", s.viewFaults(w))
}

// uiAddFault appends the form's rule; the whole list is checked the way
// PATCH /_panelsim/faults checks it.
func (s *Server) uiAddFault(c echo.Context) error {
	w, err := s.uiWorld(c)
	if err != nil {
		return err
	}
	rule, ferr := faultFromForm(c)
	if ferr != nil {
		return s.uiRefuse(c, "faults", ferr.Error())
	}
	all := append(w.Faults(), rule)
	if err := s.ValidateFaults(all); err != nil {
		var fe *state.FaultError
		if errors.As(err, &fe) {
			return s.uiRefuse(c, "faults", fe.Field+": "+fe.Msg)
		}
		return s.uiRefuse(c, "faults", err.Error())
	}
	w.SetFaults(all)
	return back(c, "faults")
}

func (s *Server) uiDeleteFault(c echo.Context) error {
	w, err := s.uiWorld(c)
	if err != nil {
		return err
	}
	name := c.FormValue("name")
	var kept []state.FaultRule
	for _, r := range w.Faults() {
		if r.Name != name {
			kept = append(kept, r)
		}
	}
	w.SetFaults(kept)
	return back(c, "faults")
}

// faultFromForm reads the add form: name, panel, match, when and one action.
func faultFromForm(c echo.Context) (state.FaultRule, error) {
	f := func(k string) string { return strings.TrimSpace(c.FormValue(k)) }
	r := state.FaultRule{Name: f("name"), Panel: f("panel")}
	r.Match = state.FaultMatch{Method: strings.ToUpper(f("method")), Path: f("path")}
	setOperation(&r, f("op"))
	var err error
	if r.When.After, err = formDuration(f("after"), "after"); err != nil {
		return r, err
	}
	if r.When.Until, err = formDuration(f("until"), "until"); err != nil {
		return r, err
	}
	if r.When.Times, err = formInt(f("times"), "times"); err != nil {
		return r, err
	}
	if p := f("probability"); p != "" {
		if r.When.Probability, err = strconv.ParseFloat(p, 64); err != nil {
			return r, fmt.Errorf("probability: want a number between 0 and 1 (got %q)", p)
		}
	}
	r.Action, err = actionFromForm(f)
	return r, err
}

// setOperation puts the operation under the panel's own word for it: cmd
// (IMserver), func (mgr5) or route (DCI, DBC).
func setOperation(r *state.FaultRule, op string) {
	switch r.Panel {
	case "imserver":
		r.Match.Cmd = op
	case "ispmgr":
		r.Match.Func = op
	default:
		r.Match.Route = op
	}
}

func actionFromForm(f func(string) string) (state.FaultAction, error) {
	var a state.FaultAction
	switch kind := f("action"); kind {
	case "status":
		n, err := formInt(f("status"), "status")
		a.Status, a.Body = n, f("body")
		return a, err
	case "error":
		a.Error = &state.NativeErrorSpec{Code: state.Code(f("code")), Msg: f("msg")}
	case "latency":
		d, err := formDuration(f("latency"), "latency")
		a.Latency = &state.LatencySpec{Fixed: d}
		return a, err
	case "reset":
		a.Reset = true
	case "empty":
		a.Empty = true
	case "malformed":
		a.Malformed = true
	case "fail_task":
		a.FailTask = &state.FailTaskSpec{Step: f("step"), Code: state.Code(f("code")), Msg: f("msg")}
	default:
		return a, fmt.Errorf("action: want one of %s (got %q)", strings.Join(state.FaultActions, ", "), kind)
	}
	return a, nil
}

func formDuration(v, field string) (state.Duration, error) {
	if v == "" {
		return 0, nil
	}
	d, err := state.ParseDuration(v)
	if err != nil {
		return 0, fmt.Errorf("%s: want a duration such as 30s or 15m (got %q)", field, v)
	}
	return state.Duration(d), nil
}

func formInt(v, field string) (int, error) {
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, fmt.Errorf("%s: want a whole number (got %q)", field, v)
	}
	return n, nil
}
