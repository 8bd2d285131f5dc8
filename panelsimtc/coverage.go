package panelsimtc

import (
	"context"
	"net/http"
	"net/url"

	"github.com/panelsim/panelsim/sim"
)

// Coverage is what the suite exercised in the container, every world
// merged: operations, native error codes, task states, auth paths and
// fault firings against what each panel can do.
func (c *Container) Coverage(ctx context.Context) (sim.CoverageReport, error) {
	var rep sim.CoverageReport
	err := c.call(ctx, "", http.MethodGet, "/coverage", nil, &rep)
	return rep, err
}

// Coverage is what was exercised in this world alone.
func (w *World) Coverage(ctx context.Context) (sim.CoverageReport, error) {
	var rep sim.CoverageReport
	err := w.c.call(ctx, "", http.MethodGet, "/coverage?world="+url.QueryEscape(w.name), nil, &rep)
	return rep, err
}

// ResetCoverage forgets the counts of every world.
func (c *Container) ResetCoverage(ctx context.Context) error {
	return c.call(ctx, "", http.MethodDelete, "/coverage", nil, nil)
}
