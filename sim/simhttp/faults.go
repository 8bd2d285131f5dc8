package simhttp

import (
	"bytes"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/panelsim/panelsim/state"
)

// LatencyHeader reports the latency a fault added to an answer.
const LatencyHeader = "X-Panelsim-Latency"

// FaultHeader names the fault rule that shaped an answer, and
// FaultActionHeader its kind of action (status, error, latency).
const (
	FaultHeader       = "X-Panelsim-Fault"
	FaultActionHeader = "X-Panelsim-Fault-Action"
)

// faults lets the world's first matching rule answer, delay, break or arm the
// request. It runs before validation and the handler, so a faulted request
// changes nothing unless the rule lets it through.
func (r *Router) faults(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		w := World(c)
		req := c.Request()
		hit, ok := w.MatchFault(state.RequestInfo{
			World: w.Name(), Panel: r.hooks.Name(), Method: req.Method, Path: req.URL.Path, Op: Op(c),
		})
		if !ok {
			return next(c)
		}
		a := hit.Rule.Action
		if a.FailTask == nil {
			wk := walkOf(c)
			wk.fault, wk.faultAction = hit.Rule.Name, a.Kind()
		}
		switch {
		case a.Status != 0:
			return answerStatus(c, hit.Rule)
		case a.Error != nil:
			return r.answerError(c, hit.Rule)
		case a.Latency != nil:
			return r.delay(c, w, hit, next)
		case a.Reset:
			return hangUp(c, "")
		case a.Empty:
			return hangUp(c, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 4096\r\n\r\n")
		case a.Malformed:
			c.Response().Header().Set(FaultHeader, hit.Rule.Name)
			c.Response().Header().Set(FaultActionHeader, "malformed")
			return truncated(c, next)
		case a.FailTask != nil:
			if scope := scopeOf(c); scope != nil {
				f := *a.FailTask
				scope.FailTask, scope.FailRule = &f, hit.Rule.Name
			}
			return next(c)
		}
		return next(c)
	}
}

func answerStatus(c echo.Context, rule state.FaultRule) error {
	a := rule.Action
	h := c.Response().Header()
	for k, v := range a.Headers {
		h.Set(k, v)
	}
	if h.Get(echo.HeaderContentType) == "" {
		h.Set(echo.HeaderContentType, "text/html; charset=utf-8")
	}
	h.Set(FaultHeader, rule.Name)
	h.Set(FaultActionHeader, "status")
	c.Response().WriteHeader(a.Status)
	_, err := c.Response().Write([]byte(a.Body))
	return err
}

func (r *Router) answerError(c echo.Context, rule state.FaultRule) error {
	e := rule.Action.Error
	c.Response().Header().Set(FaultHeader, rule.Name)
	c.Response().Header().Set(FaultActionHeader, "error")
	return r.hooks.RenderError(c, &Error{
		Kind: KindInjected, Status: e.Status, Code: string(e.Code), Msg: e.Msg, Value: e.Value, Detail: e.Detail,
	})
}

// delay holds the answer back. In manual clock mode the wait is virtual: the
// world's clock moves on by the delay (so tokens age and tasks progress as
// they would while a client waits) and the answer comes at once.
func (r *Router) delay(c echo.Context, w *state.World, hit state.FaultHit, next echo.HandlerFunc) error {
	mode := w.Config().Clock
	if mode.Real {
		mode.Sleep(hit.Latency)
	} else if _, err := w.Advance(hit.Latency); err != nil {
		return err
	}
	c.Response().Header().Set(LatencyHeader, hit.Latency.String())
	c.Response().Header().Set(FaultHeader, hit.Rule.Name)
	c.Response().Header().Set(FaultActionHeader, "latency")
	return next(c)
}

// hangUp takes the connection from the server and writes raw (possibly
// nothing), the way a crashed proxy or a dying panel does. The connection
// is closed only after the request is journaled (see enter), so a client
// that sees the hang-up can already find it in the journal.
func hangUp(c echo.Context, raw string) error {
	conn, buf, err := http.NewResponseController(c.Response().Writer).Hijack()
	if err != nil {
		// Not hijackable (HTTP/2, a recorder): abort the handler instead.
		panic(http.ErrAbortHandler)
	}
	walkOf(c).hijacked = conn
	if raw != "" {
		buf.WriteString(raw)
		buf.Flush()
	}
	c.Response().Committed = true
	c.Response().Status = 0
	return nil
}

// truncated lets the handler answer into a buffer and sends only the first
// half of the body, with the real status and headers but no length.
func truncated(c echo.Context, next echo.HandlerFunc) error {
	real := c.Response().Writer
	rec := &bufferWriter{header: http.Header{}, status: http.StatusOK}
	c.Response().Writer = rec
	err := next(c)
	c.Response().Writer = real
	if err != nil {
		return err
	}
	for k, v := range rec.header {
		real.Header()[k] = v
	}
	real.Header().Del("Content-Length")
	real.Header().Set("X-Panelsim-Truncated", strconv.Itoa(rec.body.Len()))
	real.WriteHeader(rec.status)
	_, werr := real.Write(rec.body.Bytes()[:rec.body.Len()/2])
	return werr
}

type bufferWriter struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (b *bufferWriter) Header() http.Header         { return b.header }
func (b *bufferWriter) WriteHeader(status int)      { b.status = status }
func (b *bufferWriter) Write(p []byte) (int, error) { return b.body.Write(p) }
