// Package sim builds a panelsim server from a Config: the worlds registry,
// every panel's routes on one echo instance, and the control plane.
package sim

import (
	"time"

	"github.com/panelsim/panelsim/scenarios"
	"github.com/panelsim/panelsim/sim/simhttp"
	"github.com/panelsim/panelsim/state"
)

// Panel is what a simulated control panel plugs into panelsim. The four
// wire styles (REST JSON, a cmd gateway, a POST-only envelope, func+out
// with XML) all fit it: a panel owns its routes, its scenario block, its
// state and its error envelope; the shared walk of a request is simhttp's.
type Panel interface {
	simhttp.Hooks
	// Info describes the panel for the startup banner and /_panelsim/version.
	Info() simhttp.Info
	// Register adds the panel's routes at the vendor's real paths.
	Register(r *simhttp.Router)
	// CanonicalPath maps a path the panel serves onto its spec path (for
	// aliases such as /dci/v3/... for /api/dci/v3/...).
	CanonicalPath(path string) string
	// Timings are the default durations of the panel's named async steps,
	// which scenarios may override under `timings:`.
	Timings() map[string]time.Duration
	// Steps are the handlers of the panel's async step kinds.
	Steps() map[string]state.StepFunc
	// NewState returns an empty state value (a pointer) to restore into.
	NewState() any
	// Universe is what the panel can do (operations, native error codes,
	// task states, auth paths), declared from the tables it serves from: the
	// denominator of the coverage report.
	Universe() state.Universe
	// Seed decodes the panel's scenario block and builds the initial state.
	// It runs for every new world, so it must be deterministic.
	Seed(tx *state.Tx, sc *scenarios.Scenario) error
}

// FaultCodeChecker is implemented by panels whose native error codes have a
// fixed form, so a fault rule with a code the panel could never send is
// refused when it is set rather than rendered as something else.
type FaultCodeChecker interface {
	CheckFaultCode(code string) error
}
