package sim_test

import (
	"net/http"
	"testing"

	"github.com/panelsim/panelsim/internal/hotpaths"
	"github.com/panelsim/panelsim/sim"
	"github.com/panelsim/panelsim/state"
)

func hotServer(tb testing.TB) (http.Handler, []hotpaths.Path) {
	tb.Helper()
	srv, err := sim.New(sim.Config{ScenarioYAML: hotpaths.Scenario(), DefaultClock: "manual"})
	if err != nil {
		tb.Fatal(err)
	}
	paths, err := hotpaths.Prepare(srv.Handler())
	if err != nil {
		tb.Fatal(err)
	}
	return srv.Handler(), paths
}

// TestHotPathsAnswerSuccessfully keeps the benchmarks honest: every
// measured request succeeds, so no benchmark measures an error answer.
func TestHotPathsAnswerSuccessfully(t *testing.T) {
	h, paths := hotServer(t)
	for _, p := range paths {
		for _, r := range p.Requests {
			if rec := hotpaths.Serve(h, r); rec.Code != 200 {
				t.Errorf("%s: %s %s answered %d %s", p.Name, r.Method, r.Target, rec.Code, rec.Body)
			}
		}
	}
}

// BenchmarkHotPaths runs every path of issue 14's table through the whole
// walk, each beside a bare handler answering the same bytes: compare the
// pairs of one run (their ratio is what the load script reports over TCP).
func BenchmarkHotPaths(b *testing.B) {
	// Measure what a user runs: kept answers used, not rendered again.
	state.VerifyMemos.Store(false)
	b.Cleanup(func() { state.VerifyMemos.Store(true) })
	h, paths := hotServer(b)
	bare := hotpaths.Bare(h, paths)
	for _, p := range paths {
		for _, side := range []struct {
			name string
			h    http.Handler
		}{{"panelsim", h}, {"bare", bare}} {
			b.Run(p.Name+"/"+side.name, func(b *testing.B) {
				b.ReportAllocs()
				for i := 0; i < b.N; i++ {
					for _, r := range p.Requests {
						if rec := hotpaths.Serve(side.h, r); rec.Code != 200 {
							b.Fatalf("%s %s: %d %s", r.Method, r.Target, rec.Code, rec.Body)
						}
					}
				}
			})
		}
	}
}
