package ispmgr

import (
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/panelsim/panelsim/sim/simhttp"
	"github.com/panelsim/panelsim/state"
)

// Name is the panel's short name.
const Name = "ispmgr"

// paths are where the two products answer, on the main listener and on a
// dedicated --listen ispmgr=ADDR one.
var paths = []string{"/ispmgr", "/manager/ispmgr", "/ipmgr", "/manager/ipmgr"}

// Panel is the ISPsystem mgr5 panel: ISPmanager at /ispmgr and IPmanager at
// /ipmgr, one func API with many output formats.
type Panel struct{}

// New returns the panel.
func New() *Panel { return &Panel{} }

// Name is the panel's short name.
func (*Panel) Name() string { return Name }

// Info describes the panel for the banner and /_panelsim/version.
func (*Panel) Info() simhttp.Info {
	return simhttp.Info{Title: "ISPsystem mgr5 (ISPmanager, IPmanager)", Base: "/ispmgr", Login: "root / secret (func=auth or authinfo=root:secret)"}
}

// Register serves the four paths for every method (the handler refuses
// what mgr5 does not serve) and answers unknown paths below them natively.
func (p *Panel) Register(r *simhttp.Router) {
	for _, path := range paths {
		r.Any(path, p.serve)
	}
	r.NotFound("/ispmgr")
	r.NotFound("/ipmgr")
	r.NotFound("/manager")
	r.Control(http.MethodGet, "/sessions", p.sessionsHook)
}

// CanonicalPath maps the /manager aliases onto the spec's paths.
func (*Panel) CanonicalPath(p string) string {
	if rest, ok := strings.CutPrefix(p, "/manager/"); ok && (rest == "ispmgr" || rest == "ipmgr") {
		return "/" + rest
	}
	return p
}

// Timings are the panel's durations: only the session idle lifetime.
func (*Panel) Timings() map[string]time.Duration {
	return map[string]time.Duration{timingSessionIdle: defaultSessionIdle}
}

// Steps is empty: every mgr5 function here completes within its request.
func (*Panel) Steps() map[string]state.StepFunc { return map[string]state.StepFunc{} }

// NewState returns an empty state to restore a snapshot into.
func (*Panel) NewState() any { return newState() }

// Operation is the request's func, for the journal and fault matching.
func (*Panel) Operation(c echo.Context) string {
	return requestParams(c).Get("func")
}
