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

// measure starts timing a request; the returned func counts its answer.
func (r *Router) measure(c echo.Context) func() {
	wall := r.env.Wall
	if wall == nil {
		wall = state.SystemWallClock
	}
	m := r.meterOf
	if m == nil {
		m = noMeter{} // a Router made without NewRouter
	}
	start := wall()
	return func() { m.Observe(c.Response().Status, wall().Sub(start)) }
}
