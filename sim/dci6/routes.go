package dci6

import (
	"encoding/json"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/panelsim/panelsim/sim/simhttp"
	"github.com/panelsim/panelsim/state"
)

// Name is the panel's short name (scenario block, timings prefix, journal).
const Name = "dci6"

// Panel is the DCImanager 6 panel: dci/v3, auth/v4 and ip/v3.
type Panel struct{}

// New returns the panel.
func New() *Panel { return &Panel{} }

// Name is the panel's short name.
func (*Panel) Name() string { return Name }

// Info describes the panel for the banner and /_panelsim/version.
func (*Panel) Info() simhttp.Info {
	return simhttp.Info{Title: "DCImanager 6", Base: "/api/dci/v3", Login: "POST /api/auth/v4/public/token admin@example.com / secret"}
}

// access is who may call a route.
type access int

const (
	public access = iota
	userLevel
	adminLevel
)

// handler is a route's code; caller is zero for public routes.
type handler func(c echo.Context, caller Caller) error

type route struct {
	method string
	path   string
	level  access
	h      handler
}

// routes is the panel's whole URL table, each path without the /api prefix
// (both forms are served).
func (p *Panel) routes() []route {
	return []route{
		{http.MethodPost, "/auth/v4/public/token", public, p.login},
		{http.MethodPost, "/auth/v4/public/key", public, p.loginByKey},
		{http.MethodGet, "/auth/key-v4/:key", public, p.keyRedirect},
		{http.MethodPost, "/auth/v4/token", userLevel, p.issueToken},
		{http.MethodDelete, "/auth/v4/token/:token", userLevel, p.logout},
		{http.MethodPost, "/auth/v4/setting/token_ttl", adminLevel, p.setTokenTTL},
		{http.MethodPost, "/auth/v4/user/:user/key", adminLevel, p.createKey},

		{http.MethodPost, "/auth/v3/auth", public, p.loginV3},
		{http.MethodPost, "/auth/v3/auth_by_key", public, p.loginByKeyV3},
		{http.MethodDelete, "/auth/v3/session/:token", userLevel, p.logout},
		{http.MethodPost, "/auth/v3/user/:user/key", adminLevel, p.createKey},

		{http.MethodGet, "/dci/v3/server", userLevel, p.listServers},
		{http.MethodGet, "/dci/v3/server/configuration", adminLevel, p.listConfigurations},
		{http.MethodGet, "/dci/v3/server/:id", userLevel, p.getServer},
		{http.MethodPost, "/dci/v3/server/:id/owner", adminLevel, p.setOwner},
		{http.MethodDelete, "/dci/v3/server/:id/owner", adminLevel, p.releaseOwner},
		{http.MethodPost, "/dci/v3/server/:id/suspend", adminLevel, p.suspend},
		{http.MethodPost, "/dci/v3/server/:id/resume", adminLevel, p.resume},
		{http.MethodPost, "/dci/v3/server/:id/power_on", userLevel, p.power("power_on")},
		{http.MethodPost, "/dci/v3/server/:id/power_off", userLevel, p.power("power_off")},
		{http.MethodPost, "/dci/v3/server/:id/power_reset", userLevel, p.power("power_reset")},
		{http.MethodGet, "/dci/v3/server/:id/ip", userLevel, p.listServerIPs},
		{http.MethodPost, "/dci/v3/server/:id/ip", adminLevel, p.addIP},
		{http.MethodPost, "/dci/v3/server/:id/ip/:ip", adminLevel, p.removeIP},
		{http.MethodDelete, "/dci/v3/server/:id/ip/:ip", adminLevel, p.removeIP},
		{http.MethodPost, "/dci/v3/server/:id/operation_diag", adminLevel, p.diag},
		{http.MethodPost, "/dci/v3/server/:id/operation_clear_hdd", adminLevel, p.clearHDD},
		{http.MethodPost, "/dci/v3/server/:id/operation_os", userLevel, p.installOS},
		{http.MethodGet, "/dci/v3/user", adminLevel, p.listUsers},
		{http.MethodPost, "/dci/v3/user", adminLevel, p.createUser},
		{http.MethodGet, "/dci/v3/ip", userLevel, p.listIPs},
		{http.MethodGet, "/dci/v3/task", userLevel, p.listTasks},
		{http.MethodGet, "/dci/v3/task/:id", userLevel, p.getTask},
		{http.MethodGet, "/dci/v3/os_template", userLevel, p.listOSTemplates},
		{http.MethodPost, "/dci/v3/setting/operation_change_boot_order", adminLevel, p.setBootOrder},

		{http.MethodGet, "/dci/v3/ipmgr/ip", adminLevel, p.listIPMgrIPs},
		{http.MethodGet, "/dci/v3/switch/:id/port", adminLevel, p.listSwitchPorts},

		{http.MethodGet, "/ip/v3/ipnet", adminLevel, p.listNets},
		{http.MethodDelete, "/ip/v3/ipnet/:id", adminLevel, p.deleteNet},
		{http.MethodGet, "/ip/v3/ippool/:id", adminLevel, p.getPool},
		{http.MethodPost, "/ip/v3/ippool/:id", adminLevel, p.updatePool},
		{http.MethodPost, "/ip/v3/userspace/public/ippool", adminLevel, p.createPool},
		{http.MethodGet, "/ip/v3/ippool", adminLevel, p.listPools},
		{http.MethodGet, "/ip/v3/ip", adminLevel, p.listIPMgrIPs},
	}
}

// servicePrefixes are the service roots whose unknown routes answer 1106:
// the platform's services (dci, eservice, ip, ipmiproxy at v3; auth, ldap at
// v4), served or not, so a path under /api/eservice is the panel's own
// "handler not found" rather than another panel's answer.
var servicePrefixes = []string{"/dci", "/auth", "/ip", "/eservice", "/ipmiproxy", "/ldap"}

// Register serves every route with and without /api. A path is registered
// for all methods and dispatched here, so a wrong method answers the
// panel's own "handler not found" like an unknown path does.
func (p *Panel) Register(r *simhttp.Router) {
	byPath := map[string]map[string]route{}
	for _, rt := range p.routes() {
		if byPath[rt.path] == nil {
			byPath[rt.path] = map[string]route{}
		}
		byPath[rt.path][rt.method] = rt
	}
	paths := make([]string, 0, len(byPath))
	for path := range byPath {
		paths = append(paths, path)
	}
	sort.Strings(paths)
	for _, path := range paths {
		h := p.dispatch(byPath[path])
		r.Any("/api"+path, h)
		r.Any(path, h)
	}
	for _, pre := range servicePrefixes {
		r.NotFound("/api" + pre)
		r.NotFound(pre)
	}
	r.Control(http.MethodGet, "/sessions", p.sessionsHook)
}

func (p *Panel) dispatch(methods map[string]route) echo.HandlerFunc {
	return func(c echo.Context) error {
		rt, ok := methods[c.Request().Method]
		if !ok {
			return writeError(c, newError(codeNoHandler, "Request handler not found"))
		}
		caller, err := p.authorize(c, rt.level)
		if err != nil {
			return writeError(c, err)
		}
		return rt.h(c, caller)
	}
}

// tokenOf finds the request's token: x-xsrf-token, then ISP-Session, then
// the ses6 cookie.
func tokenOf(c echo.Context) string {
	h := c.Request().Header
	if t := strings.TrimSpace(h.Get("X-Xsrf-Token")); t != "" {
		return t
	}
	if t := strings.TrimSpace(h.Get("Isp-Session")); t != "" {
		return t
	}
	if ck, err := c.Cookie("ses6"); err == nil {
		return strings.TrimSpace(ck.Value)
	}
	return ""
}

// authorize checks the token and the caller's role for the route's level.
func (p *Panel) authorize(c echo.Context, level access) (Caller, error) {
	if level == public {
		return Caller{}, nil
	}
	var caller Caller
	// A read as far as any kept answer goes (state.Memo): it marks the
	// token used, or drops it expired, and no kept answer shows tokens.
	err := simhttp.View(c, func(tx *state.Tx) error {
		var err error
		caller, err = Authenticate(tx, tokenOf(c))
		return err
	})
	if err != nil {
		return Caller{}, err
	}
	if level == adminLevel && !caller.Admin {
		return Caller{}, accessDenied()
	}
	return caller, nil
}

// CanonicalPath maps the served paths without /api onto the spec's /api form.
func (*Panel) CanonicalPath(p string) string {
	for _, pre := range servicePrefixes {
		if p == pre || strings.HasPrefix(p, pre+"/") {
			return "/api" + p
		}
	}
	return p
}

// Timings are the default durations of the panel's async operations.
func (*Panel) Timings() map[string]time.Duration { return defaultTimings() }

// Steps are the panel's async step handlers.
func (*Panel) Steps() map[string]state.StepFunc { return steps() }

// NewState returns an empty state to restore a snapshot into.
func (*Panel) NewState() any { return newState() }

// Operation names the request's route (its /api template) for the journal
// and fault rules' route matching.
func (p *Panel) Operation(c echo.Context) string { return p.CanonicalPath(c.Path()) }

// errorValue is a fault rule's value as the envelope's "value" object: a
// JSON object given as text ({"field":"email"}) goes in as it is, anything
// else as {"value": text}.
func errorValue(text string) map[string]any {
	var obj map[string]any
	if json.Unmarshal([]byte(text), &obj) == nil && obj != nil {
		return obj
	}
	return map[string]any{"value": text}
}

// RenderError writes the shared machinery's errors in the DCI envelope.
func (*Panel) RenderError(c echo.Context, e *simhttp.Error) error {
	ae := &apiError{Code: codeInternal, Msg: e.Msg}
	switch e.Kind {
	case simhttp.KindNotFound, simhttp.KindMethod:
		ae = newError(codeNoHandler, "Request handler not found")
	case simhttp.KindBadRequest, simhttp.KindWorld:
		ae = &apiError{Code: codeBadRequest, Msg: e.Msg}
		if e.Missing != "" {
			// The contract found a required field missing: answer as the
			// handler's own check does, so strict validation changes no byte.
			ae = fieldError(e.Missing, "is required")
		}
	case simhttp.KindInjected, simhttp.KindPanel:
		if n, err := strconv.Atoi(e.Code); err == nil {
			ae.Code = n
		}
		if e.Value != "" {
			ae.Value = errorValue(e.Value)
		}
	}
	if ae.Msg == "" {
		ae.Msg = "Internal error"
	}
	status := e.Status
	if status == 0 {
		status = statusOf(ae.Code)
	}
	simhttp.SentCode(c, strconv.Itoa(ae.Code))
	return c.JSON(status, errorBody(ae))
}
