package sim_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/panelsim/panelsim/internal/simtest"
	"github.com/panelsim/panelsim/panelsimtest"
	"github.com/panelsim/panelsim/scenarios"
	"github.com/panelsim/panelsim/sim"
)

// A rule aimed at one panel must carry a code that panel could send.
func TestFaultCodesAreCheckedPerPanel(t *testing.T) {
	srv := panelsimtest.RunT(t)
	c := simtest.New(t, srv)
	rule := func(panel, code string) string {
		return fmt.Sprintf(`[{"name":"x","panel":%q,"action":{"error":{"code":%q,"msg":"m"}}}]`, panel, code)
	}
	for _, bad := range [][2]string{{"dci6", "busy"}, {"imserver", "00027"}, {"imserver", "00a7"}, {"dbc", "node"}} {
		expectCtlError(t, c.JSON("POST", "/_panelsim/faults", rule(bad[0], bad[1])), 400, "[0].action.error.code")
	}
	for _, good := range [][2]string{{"dci6", "3001"}, {"imserver", "0027"}, {"dbc", "-3"}, {"ispmgr", "exists"}, {"", "anything"}} {
		c.JSON("POST", "/_panelsim/faults", rule(good[0], good[1])).Expect(t, 200)
	}
	// A fail_task code is the panel's failure information, free-form.
	c.JSON("POST", "/_panelsim/faults", `[{"name":"x","panel":"imserver","action":{"fail_task":{"code":"E42"}}}]`).Expect(t, 200)

	yaml := "seed: 3\nfaults:\n  - name: x\n    panel: imserver\n    action: {error: {code: busy}}\n"
	_, err := sim.New(sim.Config{ScenarioYAML: []byte(yaml), ScenarioFile: "s.yaml"})
	var se *scenarios.Error
	if !errors.As(err, &se) || se.Line != 5 || se.Key != "faults[0].action.error.code" {
		t.Fatalf("scenario with a bad code: %v", err)
	}
}
