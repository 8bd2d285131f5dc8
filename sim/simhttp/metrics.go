package simhttp

import (
	"time"

	"github.com/labstack/echo/v4"

	"github.com/panelsim/panelsim/state"
)

// Meters hands each panel's router the meter its answers are counted on
// (sim's Prometheus metrics). Counting is on every request's path, so a
// meter does nothing there but atomic adds.
type Meters interface {
	Panel(name string) Meter
}

// Meter counts one panel's answers: the status and how long the walk took.
type Meter interface {
	Observe(status int, took time.Duration)
}

type noMeter struct{}

func (noMeter) Observe(int, time.Duration) {}

func (r *Router) meter() Meter {
	if r.env.Meters == nil {
		return noMeter{}
	}
	return r.env.Meters.Panel(r.hooks.Name())
}

// wallNow is the wall clock the walk is timed on.
func (r *Router) wallNow() time.Time {
	if r.env.Wall == nil {
		return state.SystemWallClock()
	}
	return r.env.Wall()
}

// observe counts a request's answer, begun at start (see wallNow). It is
// deferred with its arguments, not wrapped in a closure, so timing a
// request allocates nothing.
func (r *Router) observe(c echo.Context, start time.Time) {
	m := r.meterOf
	if m == nil {
		m = noMeter{} // a Router made without NewRouter
	}
	m.Observe(c.Response().Status, r.wallNow().Sub(start))
}
