package simhttp

import (
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/panelsim/panelsim/state"
)

// Variants is what a panel implements whose operations are served in
// several forms that coverage counts apart, while the journal and fault
// rules keep naming the operation alone: mgr5 answers every func in each
// out= format, so "user" is one operation to a fault rule and the journal,
// but "user?out=xml" and "user?out=json" are two to coverage (a suite that
// only ever reads JSON has not exercised the XML answer).
type Variants interface {
	// OperationVariant is the request's operation (what Hooks.Operation
	// names) and the variant it is served in ("out=json"), read in one
	// pass so the request is parsed no more often than without coverage.
	OperationVariant(c echo.Context) (op, variant string)
}

// CoverOp is the name coverage counts an operation served in a variant
// under: "user?out=json", the operation and its variant as a query, so the
// name reads as the request that exercises it; an operation without a
// variant is its own name. A panel's Universe builds its names here too.
func CoverOp(op, variant string) string {
	if variant == "" {
		return op
	}
	return op + "?" + variant
}

// nameOperation names the request's operation and, for a panel with
// Variants, the variant it is served in (for cover).
func (r *Router) nameOperation(c echo.Context) {
	if r.variants == nil {
		SetOp(c, r.hooks.Operation(c))
		return
	}
	op, variant := r.variants.OperationVariant(c)
	w := walkOf(c)
	w.op, w.variant = op, variant
}

// SentCode records the native error code a panel's answer carries, for
// coverage; each panel calls it from the one place it writes errors.
func SentCode(c echo.Context, code string) { walkOf(c).code = code }

// Code is the native error code the answer carried ("" for none).
func Code(c echo.Context) string {
	return walkOf(c).code
}

// CoverAuth counts an authentication path the request took where no
// model transaction is open (a panel's own check before it locks the
// world); inside one, Tx.CoverAuth counts it. The name must be in the
// panel's Universe.Auth.
func CoverAuth(c echo.Context, path string) {
	if w := World(c); w != nil {
		w.Coverage().Add(state.CoverKey{Panel: Panel(c), Dim: state.CoverAuth, Name: path})
	}
}

// statusNames are the HTTP statuses' names as coverage counts them,
// written once rather than for every request.
var statusNames = func() (names [600]string) {
	for code := range names {
		names[code] = strconv.Itoa(code)
	}
	return names
}()

// statusName is strconv.Itoa(code), from statusNames when it is there.
func statusName(code int) string {
	if code >= 0 && code < len(statusNames) {
		return statusNames[code]
	}
	return strconv.Itoa(code)
}

// cover counts the answered request in its world's coverage: one lock, a
// handful of map increments, after the answer is written.
func cover(c echo.Context, w *state.World, e *state.Entry) {
	keys := make([]state.CoverKey, 0, 5)
	add := func(dim, name string) {
		keys = append(keys, state.CoverKey{Panel: e.Panel, Dim: dim, Name: name})
	}
	if e.Op != "" {
		add(state.CoverOp, CoverOp(e.Op, walkOf(c).variant))
	}
	if e.Status != 0 {
		add(state.CoverStatus, statusName(e.Status))
	}
	if code := Code(c); code != "" {
		add(state.CoverCode, code)
	}
	if e.Fault != "" {
		add(state.CoverFault, e.Fault)
		if a := walkOf(c).faultAction; a != "" {
			add(state.CoverAction, a)
		} else {
			add(state.CoverAction, "fail_task")
		}
	}
	w.Coverage().Add(keys...)
}
