package sim_test

import (
	"runtime"
	"strconv"
	"testing"

	"github.com/panelsim/panelsim/sim"
)

// BenchmarkWorldCreate is the cost of a new world of the default scenario
// (a clone of the pristine world); heap-B/world is what it keeps.
func BenchmarkWorldCreate(b *testing.B) {
	srv, err := sim.New(sim.Config{})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	var before runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	for i := 0; i < b.N; i++ {
		if _, err := srv.Worlds().Get("w" + strconv.Itoa(i)); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	var after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(srv)
	b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/float64(b.N), "heap-B/world")
}
