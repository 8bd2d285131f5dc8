package simhttp

import (
	"github.com/labstack/echo/v4"

	"github.com/panelsim/panelsim/state"
)

// Proxy replaces a panel by something else answering for it (proxy mode:
// a reverse proxy to the real panel). The panel still registers its routes,
// so which paths are whose, the operation names and the native error
// envelope stay the panel's; only the handler behind every route changes.
type Proxy struct {
	// Forward answers every request the panel's routes match.
	Forward echo.HandlerFunc
	// Redact masks credentials in an entry before it is journaled (the
	// journal of a proxy holds real panels' passwords and tokens otherwise).
	Redact func(e *state.Entry)
}

// NewProxyRouter wires a panel's routes to p.Forward: world selection, the
// journal, panic recovery and native errors stay; faults, request
// validation (the forwarder checks requests itself and never refuses one)
// and the panel's inspection hooks are left out, since no model runs.
func NewProxyRouter(e *echo.Echo, hooks Hooks, env *Env, p Proxy) *Router {
	r := &Router{e: e, hooks: hooks, env: env, proxy: &p}
	r.meterOf = r.meter()
	r.chain = []echo.MiddlewareFunc{r.enter}
	return r
}

// serve is the handler a route runs: the panel's own, or the forwarder.
func (r *Router) serve(h echo.HandlerFunc) echo.HandlerFunc {
	if r.proxy != nil {
		return r.proxy.Forward
	}
	return h
}

// AddViolations notes contract violations of the request or its answer for
// the journal entry.
func AddViolations(c echo.Context, vs ...state.Violation) {
	if len(vs) == 0 {
		return
	}
	w := walkOf(c)
	w.violations = append(w.violations, vs...)
}

// Violations are the contract violations noted for the request so far.
func Violations(c echo.Context) []state.Violation {
	return walkOf(c).violations
}

// Panel is the name of the panel whose route matched the request.
func Panel(c echo.Context) string { return walkOf(c).panel }
