package imserver

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/panelsim/panelsim/scenarios"
	"github.com/panelsim/panelsim/sim/simhttp"
	"github.com/panelsim/panelsim/state"
)

// Name is the panel's short name.
const Name = "imserver"

// Panel is the IMserver panel: one cmd gateway at /api.
type Panel struct{}

// New returns the panel.
func New() *Panel { return &Panel{} }

// Name is the panel's short name.
func (*Panel) Name() string { return Name }

// Info describes the panel for the banner and /_panelsim/version.
func (*Panel) Info() simhttp.Info {
	return simhttp.Info{Title: "IMserver", Base: "/api", Login: "/api?cmd=login&loginUsername=petrov&loginPassword=superpassword"}
}

// Register adds the gateway. /api/v1/... (DBC) and /api/dci/v3 etc. (DCI)
// are more specific routes of other panels, so echo never hands them here;
// anything else under /api/ is an unknown command in IMserver's envelope.
func (pn *Panel) Register(r *simhttp.Router) {
	r.Any("/api", pn.gateway)
	r.NotFound("/api")
	r.Control(http.MethodGet, "/sms", pn.smsHook)
}

// unknownAPIPath is the spec's stand-in for every other path under /api.
const unknownAPIPath = "/api/_unknown"

// CanonicalPath maps every path under /api/ onto the literal spec path
// /api/_unknown. Only the paths IMserver's routes serve reach it (the
// contract checks an answer against the spec of the panel that served it),
// so the other panels' /api/... paths never come here.
func (*Panel) CanonicalPath(p string) string {
	if strings.HasPrefix(p, "/api/") {
		return unknownAPIPath
	}
	return p
}

// Timings are the default durations of the panel's tasks and lifetimes.
func (*Panel) Timings() map[string]time.Duration {
	return map[string]time.Duration{
		"imserver.create":        2 * time.Minute,
		"imserver.clone_per_gb":  3 * time.Second,
		"imserver.run":           10 * time.Second,
		"imserver.stop":          10 * time.Second,
		"imserver.pause":         5 * time.Second,
		"imserver.reload":        30 * time.Second,
		"imserver.reinstall":     3 * time.Minute,
		"imserver.update":        1 * time.Minute,
		"imserver.archive":       2 * time.Minute,
		"imserver.delete":        30 * time.Second,
		"imserver.eth":           5 * time.Second,
		"imserver.ticket_reply":  30 * time.Minute,
		"imserver.session_ttl":   24 * time.Hour,
		"imserver.smskey_ttl":    15 * time.Minute,
		"imserver.smskey_resend": 30 * time.Second,
	}
}

// Steps are the panel's async step handlers.
func (*Panel) Steps() map[string]state.StepFunc {
	return map[string]state.StepFunc{
		stepTask: state.TypedStep(func(tx *state.Tx, a taskArgs) error {
			return completeTask(newModel(tx), a.Task)
		}),
		stepTicketReply: state.TypedStep(func(tx *state.Tx, a ticketArgs) error {
			supportReply(newModel(tx), a)
			return nil
		}),
	}
}

// NewState returns an empty state to restore a snapshot into.
func (*Panel) NewState() any { return newState() }

// Seed builds the panel's initial state from the scenario's imserver block.
func (*Panel) Seed(tx *state.Tx, sc *scenarios.Scenario) error { return seed(tx, sc) }

// Operation names the request's cmd (query, form body, json= or JSON body)
// for the journal and fault rules; the body is read but not consumed. The
// parameters it parses are kept for the gateway (see requestParams).
func (*Panel) Operation(c echo.Context) string {
	s, _, _ := requestParams(c).p.str("cmd")
	return s
}

// keyParams is where a request keeps its parsed parameters.
const keyParams = "imserver.params"

// parsedParams is a request's parameters and the error parsing them gave.
type parsedParams struct {
	p   params
	err error
}

// requestParams parses the request's parameters once: the walk names the
// operation from them before the gateway serves it, and both read the same
// query, Content-Type and body.
func requestParams(c echo.Context) *parsedParams {
	return simhttp.Memo(c, keyParams, func() *parsedParams {
		req := c.Request()
		pp := &parsedParams{}
		pp.p, pp.err = parseParams(req.URL.RawQuery, req.Header.Get(echo.HeaderContentType), simhttp.Body(c))
		return pp
	})
}

// RenderError writes any error as {"success":false,"data":"<code>","login":…}
// with HTTP 200 (a fault rule, a crash or a bad world keep their status). The reason goes
// to the X-Panelsim-Reason header, since the vendor's envelope has no room.
func (pn *Panel) RenderError(c echo.Context, e *simhttp.Error) error {
	code := e.Code
	if code == "" {
		code = kindCode(e.Kind)
	}
	if e.Kind == simhttp.KindBadRequest && e.Missing != "" {
		code = CodeMissingParam
	}
	status := http.StatusOK
	if keepsStatus(e.Kind) && e.Status != 0 {
		status = e.Status
	}
	if e.Msg != "" {
		c.Response().Header().Set("X-Panelsim-Reason", headerSafe(e.Msg))
	}
	simhttp.SentCode(c, errorCode(code))
	return writeEnvelope(c, status, &envelope{Success: false, Data: errorCode(code), Login: pn.loginOf(c)})
}

// keepsStatus says whose HTTP status survives: a fault rule's, a crash's
// and a bad world's. Everything the vendor itself would answer (unknown
// command, bad request, wrong method) is HTTP 200 like every IMserver error.
func keepsStatus(k simhttp.ErrorKind) bool {
	return k == simhttp.KindInjected || k == simhttp.KindInternal || k == simhttp.KindWorld
}

// headerSafe makes a reason fit in a header: ASCII, no control characters
// (non-ASCII text is escaped the way Go quotes strings).
func headerSafe(msg string) string {
	q := strconv.QuoteToASCII(msg)
	q = strings.ReplaceAll(q[1:len(q)-1], `\"`, `"`)
	return q
}

func kindCode(k simhttp.ErrorKind) string {
	switch k {
	case simhttp.KindNotFound:
		return CodeUnknownCommand
	case simhttp.KindMethod:
		return CodeMethod
	case simhttp.KindBadRequest:
		return CodeBadValue
	case simhttp.KindWorld:
		return CodeWorld
	}
	return CodeInternal
}

// loginOf is the login an error names: the session's account, or the
// submitted loginUsername for login; "" when unknown. Errors raised before
// the handler ran (fault rules) look the session up read-only.
func (pn *Panel) loginOf(c echo.Context) string {
	if l, ok := c.Get(keyLogin).(string); ok {
		return l
	}
	w := simhttp.World(c)
	if w == nil {
		return ""
	}
	req := c.Request()
	p, _ := parseParams(req.URL.RawQuery, req.Header.Get(echo.HeaderContentType), simhttp.Body(c))
	if name, _, _ := p.str("cmd"); name == "login" {
		user, _, _ := p.str("loginUsername")
		return user
	}
	sess, _, _ := p.str("sess")
	login := ""
	_ = w.Do(func(tx *state.Tx) error {
		st := state.PanelState[State](tx, Name)
		if s := st.Sessions[sess]; s != nil && tx.Now().Before(s.Expires) {
			login = s.Login
		}
		return nil
	})
	return login
}

// smsHook lists every SMS key "sent" in the world, oldest first.
func (pn *Panel) smsHook(c echo.Context) error {
	var keys []SMSKey
	err := simhttp.World(c).Do(func(tx *state.Tx) error {
		keys = newModel(tx).SentKeys()
		return nil
	})
	if err != nil {
		return c.JSON(http.StatusInternalServerError, map[string]string{"error": err.Error()})
	}
	return c.JSON(http.StatusOK, map[string]any{"sms": keys})
}
