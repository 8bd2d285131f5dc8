package sim_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/panelsim/panelsim/internal/counterpanel"
	"github.com/panelsim/panelsim/sim"
	"github.com/panelsim/panelsim/state"
)

// The per-request overhead of the shared walk (world selection, journal,
// fault matching, native errors) is the difference between these two.

func BenchmarkBareEchoHandler(b *testing.B) {
	e := echo.New()
	e.GET("/counter/:name", func(c echo.Context) error {
		return c.JSON(http.StatusOK, map[string]any{"name": c.Param("name"), "value": 1})
	})
	serveLoop(b, e, "/counter/a")
}

func BenchmarkPanelWalk(b *testing.B) {
	srv, err := sim.New(sim.Config{Panels: []sim.Panel{counterpanel.New()}, ScenarioYAML: []byte(counterScenario)})
	if err != nil {
		b.Fatal(err)
	}
	serveLoop(b, srv.Handler(), "/counter/a")
}

func BenchmarkPanelWalkWithTenNonMatchingFaults(b *testing.B) {
	srv, err := sim.New(sim.Config{Panels: []sim.Panel{counterpanel.New()}, ScenarioYAML: []byte(counterScenario)})
	if err != nil {
		b.Fatal(err)
	}
	w, _ := srv.Worlds().Get("default")
	var rules []state.FaultRule
	for _, n := range []string{"a", "b", "c", "d", "e", "f", "g", "h", "i", "j"} {
		rules = append(rules, state.FaultRule{Name: n, Match: state.FaultMatch{Path: "/elsewhere/*"}, Action: state.FaultAction{Status: 503}})
	}
	w.SetFaults(rules)
	serveLoop(b, srv.Handler(), "/counter/a")
}

func serveLoop(b *testing.B, h http.Handler, path string) {
	b.ReportAllocs()
	req := httptest.NewRequest(http.MethodGet, path, nil)
	for i := 0; i < b.N; i++ {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
	}
}
