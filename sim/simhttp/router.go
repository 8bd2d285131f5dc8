package simhttp

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/panelsim/panelsim/openapi"
	"github.com/panelsim/panelsim/state"
)

// Hooks is what the shared machinery needs from a panel.
type Hooks interface {
	// Name is the panel's short name ("dci6", "imserver", "dbc", "ispmgr").
	Name() string
	// RenderError writes e in the panel's native error envelope.
	RenderError(c echo.Context, e *Error) error
	// Operation names the request's operation for the journal and fault
	// matching (IMserver cmd, mgr5 func, DBC or DCI route); "" if none.
	Operation(c echo.Context) string
}

// Info is a panel's self-description for the startup banner and
// /_panelsim/version.
type Info struct {
	// Title is the product name, e.g. "DCImanager 6".
	Title string `json:"title"`
	// Base is the main path to show users, e.g. "/api/dci/v3".
	Base string `json:"base"`
	// Login says how to log in with the default scenario.
	Login string `json:"login"`
}

// ValidateMode says what happens to requests that break the contract.
type ValidateMode string

// The validation modes of --validate.
const (
	ValidateOff    ValidateMode = "off"
	ValidateLog    ValidateMode = "log"
	ValidateStrict ValidateMode = "strict"
)

// RequestValidator checks a request against the panel's OpenAPI contract.
type RequestValidator interface {
	ValidateRequest(r *http.Request, body []byte) error
}

// Env is the process-wide machinery routes are wired to.
type Env struct {
	Worlds    *state.Worlds
	Validate  ValidateMode
	Validator RequestValidator
	Logger    *slog.Logger
	// MaxBody is the largest request body a panel accepts (0:
	// DefaultMaxBody); a larger one gets the panel's bad-request error
	// with HTTP 413.
	MaxBody int64
	// Meters counts every panel answer (nil: nothing counts); Wall times
	// them (nil: the system clock).
	Meters Meters
	Wall   state.WallClock
}

// Router is the route table a panel registers into. Every route it adds runs
// the same walk: world, journal, recover, faults, validation, native errors.
type Router struct {
	e       *echo.Echo
	hooks   Hooks
	env     *Env
	chain   []echo.MiddlewareFunc
	control bool
	proxy   *Proxy
	meterOf Meter
	// variants is the panel's Variants, nil when its operations have none.
	variants Variants
}

// NewRouter wires a panel's routes into e; control says whether the
// panel's inspection hooks are served there too.
func NewRouter(e *echo.Echo, hooks Hooks, env *Env, control bool) *Router {
	r := &Router{e: e, hooks: hooks, env: env, control: control}
	r.variants, _ = hooks.(Variants)
	r.meterOf = r.meter()
	r.chain = []echo.MiddlewareFunc{r.enter, r.faults, r.validate}
	return r
}

// Add serves method on path (echo syntax: /server/:id).
func (r *Router) Add(method, path string, h echo.HandlerFunc) {
	r.name(r.e.Add(method, path, r.walk(h)))
}

// Any serves every method on path; the handler checks the method itself.
func (r *Router) Any(path string, h echo.HandlerFunc) {
	r.name(r.e.Any(path, r.walk(h))...)
}

// walk is h inside the router's chain, wrapped once here. Echo v4 wraps a
// route's own middleware around its handler again on every request (a
// closure per layer, each time), so the chain is never handed to echo as
// route middleware.
func (r *Router) walk(h echo.HandlerFunc) echo.HandlerFunc {
	h = r.serve(h)
	for i := len(r.chain) - 1; i >= 0; i-- {
		h = r.chain[i](h)
	}
	return h
}

// name names routes after the panel serving them, so the route table says
// which panel's contract an answer is checked against (see ServedBy).
func (r *Router) name(routes ...*echo.Route) {
	for _, rt := range routes {
		rt.Name = r.hooks.Name()
	}
}

// ServedBy returns what names the route e serves a method and path with:
// the panel's name for a panel route (see Router.name), "" when no route
// serves them. It reads e's route table once, on the first call, so call
// it when every route is registered.
func ServedBy(e *echo.Echo) func(method, path string) string {
	names := sync.OnceValue(func() map[string]string {
		m := map[string]string{}
		for _, rt := range e.Router().Routes() {
			m[rt.Method+" "+rt.Path] = rt.Name
		}
		return m
	})
	return func(method, path string) string {
		c := e.NewContext(&http.Request{Method: method, URL: &url.URL{Path: path}}, nil)
		e.Router().Find(method, path, c)
		if name, ok := names()[method+" "+c.Path()]; ok {
			return name
		}
		return names()[echo.RouteNotFound+" "+c.Path()]
	}
}

// NotFound makes unknown paths under prefix answer the panel's native
// "unknown route" error instead of echo's default.
func (r *Router) NotFound(prefix string) {
	h := func(c echo.Context) error {
		return &Error{Kind: KindNotFound, Msg: "unknown route " + c.Request().Method + " " + c.Request().URL.Path}
	}
	prefix = strings.TrimSuffix(prefix, "/")
	r.name(r.e.RouteNotFound(prefix, r.walk(h)), r.e.RouteNotFound(prefix+"/*", r.walk(h)))
}

// Control serves a panel's inspection hook at /_panelsim/{panel}{path}; it
// is JSON, outside fault injection, and absent with --no-control and on a
// panel's own listener.
func (r *Router) Control(method, path string, h echo.HandlerFunc) {
	if !r.control {
		return
	}
	r.name(r.e.Add(method, "/_panelsim/"+r.hooks.Name()+path, h, r.enterControl))
}

// enterControl resolves the world for a control hook.
func (r *Router) enterControl(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		w, err := r.env.Worlds.Get(WorldName(c))
		if err != nil {
			return c.JSON(WorldErrorStatus(err), map[string]string{"error": err.Error(), "field": "world"})
		}
		setWorld(c, w)
		return next(c)
	}
}

// enter resolves the world, recovers panics natively and journals the
// request once everything inside has answered.
func (r *Router) enter(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) (err error) {
		defer r.observe(c, r.wallNow())
		wk := walkOf(c)
		wk.panel = r.hooks.Name()
		w, werr := r.env.Worlds.Get(wk.worldName)
		if werr != nil {
			return r.hooks.RenderError(c, &Error{Kind: KindWorld, Status: WorldErrorStatus(werr), Msg: werr.Error()})
		}
		wk.world = w
		if r.proxy == nil {
			// A real panel's answers hold real tokens: a proxy keeps none.
			keepAnswer(c)
		}
		wk.scoped, wk.bodyLimit = true, r.env.MaxBody
		scope := &wk.scope
		body := Body(c)
		if Op(c) == "" {
			r.nameOperation(c)
			RewindBody(c)
		}
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				r.env.Logger.Error("panic in handler", "panel", r.hooks.Name(), "path", c.Request().URL.Path, "panic", p, "stack", string(debug.Stack()))
				if !c.Response().Committed {
					err = r.hooks.RenderError(c, &Error{Kind: KindInternal, Status: http.StatusInternalServerError, Msg: fmt.Sprintf("internal error: %v", p)})
				}
			}
			r.record(c, w, scope, body)
			if wk.hijacked != nil {
				wk.hijacked.Close()
			}
		}()
		if refused := BodyRefused(c); refused != nil {
			return r.native(c, refused)
		}
		return r.native(c, next(c))
	}
}

// journaledHeaders are kept in the journal so a request can be replayed.
var journaledHeaders = []string{"Content-Type", "Cookie", "X-Xsrf-Token", "Isp-Session", "Isp-Box-Instance", "Authorization"}

func (r *Router) record(c echo.Context, w *state.World, scope *state.Scope, body []byte) {
	req := c.Request()
	e := state.Entry{
		Time: journalTime(w, scope), World: w.Name(), Panel: r.hooks.Name(), Method: req.Method,
		Path: req.URL.Path, Query: req.URL.RawQuery, Op: Op(c), Status: c.Response().Status,
		Notes: scope.Notes,
	}
	if len(e.Query) > state.MaxJournalQuery {
		e.Query, e.Truncated = e.Query[:state.MaxJournalQuery], append(e.Truncated, "query")
	}
	for _, h := range journaledHeaders {
		// journaledHeaders are canonical: index the map, as Header.Get
		// would after canonicalising.
		if vs := req.Header[h]; len(vs) > 0 && vs[0] != "" {
			v := vs[0]
			if e.Headers == nil {
				e.Headers = map[string]string{}
			}
			if len(v) > state.MaxJournalHeader {
				v, e.Truncated = v[:state.MaxJournalHeader], append(e.Truncated, "headers."+h)
			}
			e.Headers[h] = v
		}
	}
	e.Violations = Violations(c)
	answerOf(c, &e)
	if r.proxy != nil && r.proxy.Redact != nil {
		e = r.redacted(e, body)
	} else {
		// Only the kept part of the body is turned into a string.
		e.Body, e.BodyTruncated = string(body[:min(len(body), state.MaxJournalBody)]), len(body) > state.MaxJournalBody
	}
	if f := walkOf(c).fault; f != "" {
		e.Fault = f
	}
	if scope.FailFired {
		e.Fault = scope.FailRule
	}
	w.Journal().Add(e)
	cover(c, w, &e)
}

// redacted is e with the whole body, as the proxy's redactor leaves it.
// The redactor reads the whole body; it is cut after, into a clone, so the
// journal never holds on to a whole large body. It works on its own copy
// of the entry: handing the redactor a pointer to record's would move
// every request's entry to the heap.
func (r *Router) redacted(e state.Entry, body []byte) state.Entry {
	e.Body = string(body)
	r.proxy.Redact(&e)
	if len(e.Body) > state.MaxJournalBody {
		e.Body, e.BodyTruncated = strings.Clone(e.Body[:state.MaxJournalBody]), true
	}
	return e
}

// journalTime dates a request: the world's time when its last
// transaction ended, read then under the lock it already held; a request
// that ran none (refused before the model) reads the clock now.
func journalTime(w *state.World, scope *state.Scope) time.Time {
	if scope.Timed {
		return scope.At
	}
	return w.Now()
}

// validate checks the request against the contract in log or strict mode.
func (r *Router) validate(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if r.env.Validator == nil || r.env.Validate == "" || r.env.Validate == ValidateOff {
			return next(c)
		}
		err := r.env.Validator.ValidateRequest(c.Request(), Body(c))
		RewindBody(c)
		if err == nil || errors.Is(err, openapi.ErrNoRoute) {
			// Unknown routes are the panel's to answer natively.
			return next(c)
		}
		if r.env.Validate == ValidateLog {
			r.logViolations(c, openapi.Findings("request", err))
			return next(c)
		}
		e := &Error{Kind: KindBadRequest, Msg: "request does not match the API contract: " + err.Error()}
		var v *openapi.Violation
		if errors.As(err, &v) {
			e.Param, e.Missing = v.Param, v.Missing
		}
		return e
	}
}

// logViolations logs each violation of a request served in log mode on
// one line and journals it with the request, as the proxy does
// (/_panelsim/requests?violation=1 lists them).
func (r *Router) logViolations(c echo.Context, vs []openapi.Finding) {
	req := c.Request()
	out := make([]state.Violation, len(vs))
	for i, v := range vs {
		out[i] = state.Violation(v)
		r.env.Logger.Warn("request breaks the contract", "panel", r.hooks.Name(), "method", req.Method, "path", req.URL.Path,
			"part", v.Part, "pointer", v.Pointer, "expected", v.Expected, "actual", v.Actual, "reason", v.Message)
	}
	AddViolations(c, out...)
}

// native renders any error the inner layers return in the panel's own
// envelope, so nothing outside ever sees an error value (or echo's default
// JSON body).
func (r *Router) native(c echo.Context, err error) error {
	if err == nil || c.Response().Committed {
		return nil
	}
	return r.hooks.RenderError(c, AsError(err))
}
