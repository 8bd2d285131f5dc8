package sim

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/panelsim/panelsim/internal/jsonw"
	"github.com/panelsim/panelsim/openapi"
	"github.com/panelsim/panelsim/scenarios"
	"github.com/panelsim/panelsim/sim/simhttp"
	"github.com/panelsim/panelsim/state"
)

// The control plane: JSON under /_panelsim, per world by the same /_w/{world}
// prefix or header as the panels. Every error is 400/404 with
// {"error": "...", "field": "..."} and changes nothing.

const ctl = "/_panelsim"

// maxRanListed bounds the steps a clock answer lists; ran_count has them all.
const maxRanListed = 1000

func (s *Server) registerControl(e *echo.Echo) {
	routes := []struct {
		method, path string
		h            echo.HandlerFunc
	}{
		{http.MethodGet, "/health", s.health},
		{http.MethodGet, "/metrics", s.serveMetrics},
		{http.MethodGet, "/version", s.version},
		{http.MethodPost, "/reset", s.reset},
		{http.MethodGet, "/clock", s.clock},
		{http.MethodPost, "/clock/advance", s.advance},
		{http.MethodPost, "/clock/set", s.setClock},
		{http.MethodPost, "/scenario", s.applyScenario},
		{http.MethodGet, "/faults", s.getFaults},
		{http.MethodPost, "/faults", s.replaceFaults},
		{http.MethodPatch, "/faults", s.appendFaults},
		{http.MethodDelete, "/faults", s.deleteFaults},
		{http.MethodGet, "/requests", s.requests},
		{http.MethodDelete, "/requests", s.clearRequests},
		{http.MethodGet, "/state", s.getState},
		{http.MethodPut, "/state", s.putState},
		{http.MethodPost, "/state/save", s.saveState},
		{http.MethodGet, "/worlds", s.listWorlds},
		{http.MethodPost, "/worlds", s.createWorld},
		{http.MethodGet, "/worlds/:name", s.getWorld},
		{http.MethodDelete, "/worlds/:name", s.deleteWorld},
		{http.MethodGet, "/openapi/:file", s.spec},
		{http.MethodGet, "/coverage", s.coverage},
		{http.MethodDelete, "/coverage", s.resetCoverage},
	}
	for _, r := range routes {
		e.Add(r.method, ctl+r.path, s.guard(r.h))
	}
	s.registerUI(e)
	e.RouteNotFound(ctl+"/*", s.guard(func(c echo.Context) error {
		return failf(http.StatusNotFound, "", "unknown control endpoint %s %s", c.Request().Method, c.Request().URL.Path)
	}))
}

// guard renders a handler's failure (or a panic) as the control plane's
// JSON error, so handlers simply return one.
func (s *Server) guard(h echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) (err error) {
		defer func() {
			if p := recover(); p != nil {
				s.cfg.Logger.Error("panic in control plane", "panic", p, "stack", string(debug.Stack()))
				err = failf(http.StatusInternalServerError, "", "internal error: %v", p).write(c)
			}
		}()
		if err = h(c); err != nil {
			var f *failure
			if errors.As(err, &f) {
				return f.write(c)
			}
			return failf(http.StatusInternalServerError, "", "%v", err).write(c)
		}
		return nil
	}
}

// failure is a control-plane error answer: a status, the field at fault
// and a message.
type failure struct {
	status int
	field  string
	msg    string
}

func (f *failure) Error() string { return f.msg }

func (f *failure) write(c echo.Context) error {
	body := map[string]string{"error": f.msg}
	if f.field != "" {
		body["field"] = f.field
	}
	return c.JSON(f.status, body)
}

func failf(status int, field, format string, a ...any) *failure {
	return &failure{status: status, field: field, msg: fmt.Sprintf(format, a...)}
}

// world resolves the request's world, creating it on first use.
func (s *Server) world(c echo.Context) (*state.World, error) {
	w, err := s.worlds.Get(simhttp.WorldName(c))
	if err != nil {
		return nil, failf(simhttp.WorldErrorStatus(err), "world", "%v", err)
	}
	return w, nil
}

// decodeJSON reads a JSON body strictly into v; a failure is answered.
func (s *Server) decodeJSON(c echo.Context, v any) error {
	body, err := s.readControlBody(c)
	if err != nil {
		return err
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return failf(http.StatusBadRequest, "body", "request body is empty; JSON expected")
	}
	d := strictDecoders.Get().(*strictDecoder)
	reusable, err := d.decode(body, v)
	if reusable {
		strictDecoders.Put(d)
	}
	switch {
	case err == errTrailingData:
		return failf(http.StatusBadRequest, "body", "invalid JSON: trailing data after the object")
	case err != nil:
		return failf(http.StatusBadRequest, jsonField(err), "invalid JSON: %v", err)
	}
	return nil
}

// strictDecoder is a json.Decoder (unknown fields refused) kept for the
// next body: a decoder per request, its reader and its first buffer were a
// twentieth of a clock/advance (issue 14), and encoding/json has no way to
// point a decoder at new bytes but its reader. A decoder reads a stream of
// values, so one that has read a body to its end (a value, then only
// whitespace) reads the next body exactly as a fresh one would: the same
// value, the same errors; only offsets, which no message shows, count on.
// One that failed (a sticky syntax error, or the rest of a body unread),
// or stopped short of its body's end, is dropped.
// TestStrictDecoderIsAFreshDecoder and FuzzStrictDecoder hold it to a
// fresh one.
type strictDecoder struct {
	src bytes.Reader // the body being decoded, reset to each one
	dec *json.Decoder
	// fed is how many bytes the decoder's stream has been given (its
	// InputOffset counts in that stream).
	fed int64
}

func newStrictDecoder() *strictDecoder {
	d := &strictDecoder{}
	d.dec = json.NewDecoder(&d.src)
	d.dec.DisallowUnknownFields()
	return d
}

var strictDecoders = sync.Pool{New: func() any { return newStrictDecoder() }}

// maxPooledBody bounds the bodies whose decoder is kept (the decoder's
// buffer grows to hold a body).
const maxPooledBody = 4 << 10

// errTrailingData is decode's error for a body with more after its value.
var errTrailingData = errors.New("trailing data")

// decode decodes body's one value into v as a fresh Decoder would
// (json.NewDecoder, DisallowUnknownFields, Decode, then More for
// errTrailingData); reusable says d read the body to its end, so may
// decode the next.
func (d *strictDecoder) decode(body []byte, v any) (reusable bool, err error) {
	start := d.fed
	d.src.Reset(body)
	d.fed += int64(len(body))
	if err := d.dec.Decode(v); err != nil {
		return false, err
	}
	if d.dec.More() {
		return false, errTrailingData
	}
	// More answers false for a ']' or '}' after the value too (a quirk
	// decodeJSON keeps: such a body is accepted), and that byte is still
	// in the stream: the decoder is kept only if what follows its
	// position in this body is whitespace (then the reader is drained).
	pos := d.dec.InputOffset() - start
	if pos < 0 || pos > int64(len(body)) || !jsonw.Space(body[pos:]) {
		return false, nil
	}
	d.src.Reset(nil)
	return len(body) <= maxPooledBody, nil
}

// jsonField names the field a JSON decoding error is about, if it says.
func jsonField(err error) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return te.Field
	}
	if _, after, ok := strings.Cut(err.Error(), "unknown field "); ok {
		return strings.Trim(after, `"`)
	}
	return "body"
}

func (s *Server) health(c echo.Context) error {
	return c.JSON(http.StatusOK, map[string]string{"status": "ok"})
}

type panelVersion struct {
	Name string `json:"name"`
	simhttp.Info
}

func (s *Server) version(c echo.Context) error {
	v := s.cfg.Version
	if v == "" {
		v = "dev"
	}
	build := "unknown"
	if bi, ok := debug.ReadBuildInfo(); ok {
		build = bi.GoVersion
	}
	panels := make([]panelVersion, 0, len(s.panels))
	for _, p := range s.panels {
		panels = append(panels, panelVersion{Name: p.Name(), Info: p.Info()})
	}
	return c.JSON(http.StatusOK, map[string]any{"version": v, "build": build, "panels": panels})
}

// clockView is the answer of every clock endpoint.
type clockView struct {
	World    string      `json:"world"`
	Now      time.Time   `json:"now"`
	Start    time.Time   `json:"start"`
	Mode     string      `json:"mode"`
	Pending  int         `json:"pending"`
	Ran      []state.Ran `json:"ran"`
	RanCount int         `json:"ran_count"`
}

func clockAnswer(c echo.Context, w *state.World, ran []state.Ran) error {
	now, pending := w.ClockState()
	cfg := w.Config()
	v := clockView{
		World: w.Name(), Now: now, Start: cfg.Start, Mode: cfg.Clock.String(),
		Pending: pending, Ran: ran, RanCount: len(ran),
	}
	if v.Ran == nil {
		v.Ran = []state.Ran{}
	}
	if len(v.Ran) > maxRanListed {
		v.Ran = v.Ran[:maxRanListed]
	}
	return writeClockView(c, http.StatusOK, &v)
}

// writeClockView answers *v exactly as c.JSON(status, *v) does, encoded by
// hand: the clock answer closes every clock/advance, and encoding/json's
// reflection was a twelfth of a DCI power-on-and-advance loop (issue 14).
// ?pretty and echo's debug mode indent, and an encoder other than echo's
// default writes its own bytes, so those go to c.JSON, as does a time
// encoding/json refuses (its year outside 0-9999, say).
func writeClockView(c echo.Context, status int, v *clockView) error {
	if !handEncodes(c) {
		return c.JSON(status, *v)
	}
	buf := clockBuffers.Get().(*[]byte)
	defer func() {
		if cap(*buf) <= maxPooledClock {
			clockBuffers.Put(buf)
		}
	}()
	b, ok := v.appendJSON((*buf)[:0])
	if !ok {
		return c.JSON(status, *v)
	}
	*buf = append(b, '\n') // c.JSON's encoder ends with a newline
	return c.JSONBlob(status, *buf)
}

// handEncodes says c.JSON would write encoding/json's compact bytes: echo's
// own serializer, not indenting (see simhttp.Indented).
func handEncodes(c echo.Context) bool {
	switch c.Echo().JSONSerializer.(type) {
	case *echo.DefaultJSONSerializer, echo.DefaultJSONSerializer:
	default:
		return false
	}
	return !simhttp.Indented(c)
}

// clockBuffers recycles clock answers' buffers; one grown past
// maxPooledClock (a thousand steps listed) is left to the collector.
var clockBuffers = sync.Pool{New: func() any { b := make([]byte, 0, 512); return &b }}

const maxPooledClock = 64 << 10

// appendJSON writes v as encoding/json does (HTML-safe strings, times as
// time.Time.MarshalJSON writes them, error omitted when empty), without
// the Encoder's newline; ok is false when encoding/json would refuse it.
func (v *clockView) appendJSON(b []byte) (_ []byte, ok bool) {
	b = append(b, `{"world":`...)
	b = jsonw.AppendString(b, v.World, true)
	b = append(b, `,"now":`...)
	if b, ok = appendJSONTime(b, v.Now); !ok {
		return b, false
	}
	b = append(b, `,"start":`...)
	if b, ok = appendJSONTime(b, v.Start); !ok {
		return b, false
	}
	b = append(b, `,"mode":`...)
	b = jsonw.AppendString(b, v.Mode, true)
	b = append(b, `,"pending":`...)
	b = strconv.AppendInt(b, int64(v.Pending), 10)
	b = append(b, `,"ran":`...)
	if v.Ran == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i := range v.Ran {
			r := &v.Ran[i]
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"at":`...)
			if b, ok = appendJSONTime(b, r.At); !ok {
				return b, false
			}
			b = append(b, `,"kind":`...)
			b = jsonw.AppendString(b, r.Kind, true)
			if r.Error != "" {
				b = append(b, `,"error":`...)
				b = jsonw.AppendString(b, r.Error, true)
			}
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	b = append(b, `,"ran_count":`...)
	b = strconv.AppendInt(b, int64(v.RanCount), 10)
	return append(b, '}'), true
}

// appendJSONTime writes t as time.Time.MarshalJSON does (RFC 3339 with
// nanoseconds, trailing zeros cut, in t's own offset; AppendText is the
// same strict format); ok is false for a time it refuses.
func appendJSONTime(b []byte, t time.Time) ([]byte, bool) {
	b = append(b, '"')
	b, err := t.AppendText(b)
	if err != nil {
		return nil, false
	}
	return append(b, '"'), true
}

func (s *Server) clock(c echo.Context) error {
	w, err := s.world(c)
	if err != nil {
		return err
	}
	return clockAnswer(c, w, nil)
}

func (s *Server) advance(c echo.Context) error {
	w, err := s.world(c)
	if err != nil {
		return err
	}
	var in struct {
		By string `json:"by"`
	}
	if err := s.decodeJSON(c, &in); err != nil {
		return err
	}
	d, perr := state.ParseDuration(in.By)
	if perr != nil || d < 0 {
		return failf(http.StatusBadRequest, "by", "by must be a non-negative duration such as \"15m\" or \"1h30m\" (got %q)", in.By)
	}
	ran, aerr := w.Advance(d)
	if aerr != nil {
		return failf(http.StatusBadRequest, "by", "%v", aerr)
	}
	return clockAnswer(c, w, ran)
}

func (s *Server) setClock(c echo.Context) error {
	w, err := s.world(c)
	if err != nil {
		return err
	}
	var in struct {
		To string `json:"to"`
	}
	if err := s.decodeJSON(c, &in); err != nil {
		return err
	}
	t, perr := time.Parse(time.RFC3339Nano, in.To)
	if perr != nil {
		return failf(http.StatusBadRequest, "to", "to must be an RFC 3339 time such as \"2025-01-01T12:00:00Z\" (got %q)", in.To)
	}
	ran, serr := w.Set(t)
	if serr != nil {
		return failf(http.StatusBadRequest, "to", "%v", serr)
	}
	return clockAnswer(c, w, ran)
}

func (s *Server) reset(c echo.Context) error {
	name := simhttp.WorldName(c)
	w, err := s.worlds.Rebuild(name, nil)
	if err != nil {
		return failf(simhttp.WorldErrorStatus(err), "world", "%v", err)
	}
	return clockAnswer(c, w, nil)
}

// applyScenario resets the world to a scenario given as YAML. The scenario
// is checked whole (and its world built) before anything is replaced.
func (s *Server) applyScenario(c echo.Context) error {
	body, err := s.readControlBody(c)
	if err != nil {
		return err
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return failf(http.StatusBadRequest, "body", "request body must be a scenario in YAML")
	}
	sc, perr := s.ParseScenario("scenario", body)
	if perr != nil {
		return failf(http.StatusBadRequest, scenarioField(perr), "%v", perr)
	}
	w, berr := s.worlds.Rebuild(simhttp.WorldName(c), sc)
	if berr != nil {
		return failf(http.StatusBadRequest, scenarioField(berr), "%v", berr)
	}
	return clockAnswer(c, w, nil)
}

func scenarioField(err error) string {
	var se *scenarios.Error
	if errors.As(err, &se) && se.Key != "" {
		return se.Key
	}
	return "body"
}

func (s *Server) getFaults(c echo.Context) error {
	w, err := s.world(c)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, nonNil(w.Faults()))
}

// readRules decodes and validates a rule list (or a single rule object).
func (s *Server) readRules(c echo.Context) ([]state.FaultRule, error) {
	body, err := s.readControlBody(c)
	if err != nil {
		return nil, err
	}
	body = bytes.TrimSpace(body)
	if len(body) > 0 && body[0] == '{' {
		body = append(append([]byte{'['}, body...), ']')
	}
	var rules []state.FaultRule
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&rules); err != nil {
		return nil, failf(http.StatusBadRequest, jsonField(err), "fault rules must be a JSON array of rules: %v", err)
	}
	return rules, nil
}

func (s *Server) checkRules(c echo.Context, rules []state.FaultRule) error {
	if err := s.ValidateFaults(rules); err != nil {
		var fe *state.FaultError
		if errors.As(err, &fe) {
			return failf(http.StatusBadRequest, fmt.Sprintf("[%d].%s", fe.Index, fe.Field), "%v", err)
		}
		return failf(http.StatusBadRequest, "body", "%v", err)
	}
	return nil
}

func (s *Server) replaceFaults(c echo.Context) error {
	return s.changeFaults(c, func(_, in []state.FaultRule) []state.FaultRule { return in })
}

func (s *Server) appendFaults(c echo.Context) error {
	return s.changeFaults(c, func(current, in []state.FaultRule) []state.FaultRule { return append(current, in...) })
}

// changeFaults reads rules from the body, combines them with the world's
// and installs the result only if the whole list is valid.
func (s *Server) changeFaults(c echo.Context, combine func(current, in []state.FaultRule) []state.FaultRule) error {
	w, err := s.world(c)
	if err != nil {
		return err
	}
	in, err := s.readRules(c)
	if err != nil {
		return err
	}
	all := combine(w.Faults(), in)
	if err := s.checkRules(c, all); err != nil {
		return err
	}
	w.SetFaults(all)
	return c.JSON(http.StatusOK, nonNil(w.Faults()))
}

// deleteFaults removes the rule named by ?name=, or every rule.
func (s *Server) deleteFaults(c echo.Context) error {
	w, err := s.world(c)
	if err != nil {
		return err
	}
	name := c.QueryParam("name")
	if name == "" {
		w.SetFaults(nil)
		return c.JSON(http.StatusOK, []state.FaultRule{})
	}
	var kept []state.FaultRule
	for _, r := range w.Faults() {
		if r.Name != name {
			kept = append(kept, r)
		}
	}
	if len(kept) == len(w.Faults()) {
		return failf(http.StatusNotFound, "name", "no fault rule named %q", name)
	}
	w.SetFaults(kept)
	return c.JSON(http.StatusOK, nonNil(kept))
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func (s *Server) requests(c echo.Context) error {
	w, err := s.world(c)
	if err != nil {
		return err
	}
	f := state.JournalFilter{Panel: c.QueryParam("panel"), Path: c.QueryParam("path"), Fault: c.QueryParam("fault")}
	for _, k := range []string{"op", "cmd", "func", "route"} {
		if v := c.QueryParam(k); v != "" {
			f.Op = v
		}
	}
	if v := c.QueryParam("status"); v != "" {
		n, perr := strconv.Atoi(v)
		if perr != nil || n < 0 || n > 599 {
			return failf(http.StatusBadRequest, "status", "status must be an HTTP status code (got %q)", v)
		}
		f.Status = n
	}
	switch v := c.QueryParam("violation"); v {
	case "", "0", "false":
	case "1", "true":
		f.Violation = true
	default:
		return failf(http.StatusBadRequest, "violation", "violation must be 1 or 0 (got %q)", v)
	}
	entries := w.Journal().List(f)
	if v := c.QueryParam("limit"); v != "" {
		n, perr := strconv.Atoi(v)
		if perr != nil || n < 1 {
			return failf(http.StatusBadRequest, "limit", "limit must be a positive number (got %q)", v)
		}
		if len(entries) > n {
			entries = entries[len(entries)-n:]
		}
	}
	return c.JSON(http.StatusOK, nonNil(entries))
}

func (s *Server) clearRequests(c echo.Context) error {
	w, err := s.world(c)
	if err != nil {
		return err
	}
	w.Journal().Clear()
	return c.JSON(http.StatusOK, []state.Entry{})
}

func (s *Server) getState(c echo.Context) error {
	w, err := s.world(c)
	if err != nil {
		return err
	}
	snap, serr := w.Snapshot()
	if serr != nil {
		return failf(http.StatusInternalServerError, "", "%v", serr)
	}
	return c.JSON(http.StatusOK, snap)
}

// putState replaces the world by a snapshot taken with GET /state.
// A refusal names the JSON pointer of the first problem in "field" and
// leaves the world exactly as it was.
func (s *Server) putState(c echo.Context) error {
	body, err := s.readControlBody(c)
	if err != nil {
		return err
	}
	snap, err := s.decodeSnapshot(body)
	if err == nil {
		var w *state.World
		if w, err = s.restore(simhttp.WorldName(c), snap); err == nil {
			if err := s.worlds.Put(w); err != nil {
				return failf(simhttp.WorldErrorStatus(err), "world", "%v", err)
			}
			return clockAnswer(c, w, nil)
		}
	}
	var de *state.DecodeError
	if errors.As(err, &de) && de.Pointer != "" {
		return failf(http.StatusBadRequest, de.Pointer, "not a panelsim snapshot: %v", err)
	}
	return failf(http.StatusBadRequest, "body", "not a panelsim snapshot: %v", err)
}

func (s *Server) saveState(c echo.Context) error {
	if err := s.SaveState(s.cfg.StateFile); err != nil {
		return failf(http.StatusBadRequest, "state_file", "%v", err)
	}
	return c.JSON(http.StatusOK, map[string]any{"saved": s.cfg.StateFile, "worlds": s.worlds.Names()})
}

type worldView struct {
	Name    string    `json:"name"`
	Now     time.Time `json:"now"`
	Mode    string    `json:"mode"`
	Pending int       `json:"pending"`
	Faults  int       `json:"faults"`
}

func viewWorld(w *state.World) worldView {
	return worldView{Name: w.Name(), Now: w.Now(), Mode: w.Config().Clock.String(), Pending: w.Pending(), Faults: len(w.Faults())}
}

func (s *Server) listWorlds(c echo.Context) error {
	return c.JSON(http.StatusOK, nonNil(s.viewWorlds()))
}

func (s *Server) getWorld(c echo.Context) error {
	w, ok := s.worlds.Lookup(c.Param("name"))
	if !ok {
		return failf(http.StatusNotFound, "name", "no world named %q", c.Param("name"))
	}
	return c.JSON(http.StatusOK, viewWorld(w))
}

// createWorld makes a world fresh from the scenario, or a fork of "from".
func (s *Server) createWorld(c echo.Context) error {
	var in struct {
		Name string `json:"name"`
		From string `json:"from"`
	}
	if err := s.decodeJSON(c, &in); err != nil {
		return err
	}
	if err := state.ValidName(in.Name); err != nil {
		return failf(http.StatusBadRequest, "name", "%v", err)
	}
	if _, exists := s.worlds.Lookup(in.Name); exists {
		return failf(http.StatusBadRequest, "name", "world %q already exists", in.Name)
	}
	var w *state.World
	var err error
	if in.From == "" {
		w, err = s.worlds.Get(in.Name)
	} else {
		if _, ok := s.worlds.Lookup(in.From); !ok {
			return failf(http.StatusBadRequest, "from", "no world named %q to fork", in.From)
		}
		w, err = s.worlds.Fork(in.From, in.Name)
		if err == nil && s.cfg.CheckInvariants {
			if ierr := s.CheckInvariants(w); ierr != nil {
				s.worlds.Delete(in.Name)
				return failf(http.StatusInternalServerError, "from", "the fork breaks an invariant: %v", ierr)
			}
		}
	}
	if err != nil {
		return failf(simhttp.WorldErrorStatus(err), "name", "%v", err)
	}
	return c.JSON(http.StatusCreated, viewWorld(w))
}

func (s *Server) deleteWorld(c echo.Context) error {
	if !s.worlds.Delete(c.Param("name")) {
		return failf(http.StatusNotFound, "name", "no world named %q", c.Param("name"))
	}
	return c.NoContent(http.StatusNoContent)
}

// spec serves a shipped spec as YAML (the file itself) or as JSON.
func (s *Server) spec(c echo.Context) error {
	file := c.Param("file")
	if name, ok := strings.CutSuffix(file, ".json"); ok {
		raw, err := openapi.JSON(name)
		if err != nil {
			return failf(http.StatusNotFound, "file", "no spec named %q", name)
		}
		return c.Blob(http.StatusOK, echo.MIMEApplicationJSON, raw)
	}
	name, ok := strings.CutSuffix(file, ".yaml")
	if !ok {
		return failf(http.StatusNotFound, "file", "specs are served as {name}.yaml or {name}.json")
	}
	raw, err := openapi.File(name)
	if err != nil {
		return failf(http.StatusNotFound, "file", "no spec named %q", name)
	}
	return c.Blob(http.StatusOK, "application/yaml", raw)
}
