package simhttp

import (
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/panelsim/panelsim/state"
)

const (
	keyCode        = "panelsim.code"
	keyFaultAction = "panelsim.fault_action"
)

// SentCode records the native error code a panel's answer carries, for
// coverage; each panel calls it from the one place it writes errors.
func SentCode(c echo.Context, code string) { c.Set(keyCode, code) }

// Code is the native error code the answer carried ("" for none).
func Code(c echo.Context) string {
	s, _ := c.Get(keyCode).(string)
	return s
}

// cover counts the answered request in its world's coverage: one lock, a
// handful of map increments, after the answer is written.
func cover(c echo.Context, w *state.World, e *state.Entry) {
	keys := make([]state.CoverKey, 0, 5)
	add := func(dim, name string) {
		keys = append(keys, state.CoverKey{Panel: e.Panel, Dim: dim, Name: name})
	}
	if e.Op != "" {
		add(state.CoverOp, e.Op)
	}
	if e.Status != 0 {
		add(state.CoverStatus, strconv.Itoa(e.Status))
	}
	if code := Code(c); code != "" {
		add(state.CoverCode, code)
	}
	if e.Fault != "" {
		add(state.CoverFault, e.Fault)
		if a, ok := c.Get(keyFaultAction).(string); ok {
			add(state.CoverAction, a)
		} else {
			add(state.CoverAction, "fail_task")
		}
	}
	w.Coverage().Add(keys...)
}
