// Package dci6 is a placeholder until the panel lands.
package dci6

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/panelsim/panelsim/scenarios"
	"github.com/panelsim/panelsim/sim/simhttp"
	"github.com/panelsim/panelsim/state"
)

// Name is the panel's short name.
const Name = "dci6"

// Panel is the dci6 panel.
type Panel struct{}

// New returns the panel.
func New() *Panel { return &Panel{} }

// Name is the panel's short name.
func (*Panel) Name() string { return Name }

// Info describes the panel.
func (*Panel) Info() simhttp.Info { return simhttp.Info{Title: Name, Base: "/", Login: "-"} }

// Register adds the panel's routes.
func (*Panel) Register(r *simhttp.Router) {}

// CanonicalPath maps served paths onto spec paths.
func (*Panel) CanonicalPath(p string) string { return p }

// Timings are the panel's default step durations.
func (*Panel) Timings() map[string]time.Duration { return nil }

// Steps are the panel's async step handlers.
func (*Panel) Steps() map[string]state.StepFunc { return nil }

// NewState returns an empty state.
func (*Panel) NewState() any { return &struct{}{} }

// Seed builds the initial state.
func (*Panel) Seed(tx *state.Tx, sc *scenarios.Scenario) error { return nil }

// Operation names the request's operation.
func (*Panel) Operation(c echo.Context) string { return "" }

// RenderError writes a native error.
func (*Panel) RenderError(c echo.Context, e *simhttp.Error) error {
	return c.JSON(http.StatusInternalServerError, map[string]string{"error": e.Msg})
}
