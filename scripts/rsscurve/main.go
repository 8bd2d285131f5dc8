// Command rsscurve measures what worlds cost in one process: the RSS and
// creation time of N worlds of the default scenario, then the RSS curve of
// a long mixed run (issue 14's hot paths, spread over the worlds, straight
// into the handler so the figure is panelsim's alone). Run once, by hand:
//
//	go run ./scripts/rsscurve -worlds 10000 -requests 1000000
package main

import (
	"flag"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/panelsim/panelsim/internal/hotpaths"
	"github.com/panelsim/panelsim/sim"
)

func main() {
	worlds := flag.Int("worlds", 10000, "worlds to create")
	requests := flag.Int("requests", 1000000, "requests of the mixed run")
	active := flag.Int("active", 100, "worlds the mixed run spreads over")
	journalMemory := flag.Int64("journal-memory", 0, "bytes all journals hold together (--journal-memory; 0: no bound but each journal's size)")
	flag.Parse()
	srv, err := sim.New(sim.Config{ScenarioYAML: hotpaths.Scenario(), DefaultClock: "manual", JournalMemory: *journalMemory})
	if err != nil {
		fail(err)
	}
	report("start", srv)
	t0 := time.Now()
	for i := range *worlds {
		if _, err := srv.Worlds().Get("w" + strconv.Itoa(i)); err != nil {
			fail(err)
		}
	}
	took := time.Since(t0)
	report(fmt.Sprintf("%d worlds (%.0f us a world)", *worlds, float64(took.Microseconds())/float64(*worlds)), srv)

	paths, err := hotpaths.Prepare(srv.Handler())
	if err != nil {
		fail(err)
	}
	var reqs []hotpaths.Request
	for _, p := range paths {
		reqs = append(reqs, p.Requests...)
	}
	h := srv.Handler()
	for n := 1; n <= *requests; n++ {
		r := reqs[n%len(reqs)]
		// Logins belong to the default world; the rest of the traffic goes
		// to the default world and, by prefix, to active worlds.
		if w := n % (*active + 1); w > 0 && !strings.Contains(r.Target, "_panelsim") && (strings.HasPrefix(r.Target, "/api/v1") || strings.Contains(r.Target, "get_servers_status")) {
			r.Target = "/_w/w" + strconv.Itoa(w) + r.Target
		}
		hotpaths.Serve(h, r)
		if n%100000 == 0 {
			report(fmt.Sprintf("after %d requests", n), srv)
		}
	}
}

// report prints the RSS as the run left it, then the live heap (after a
// collection: the heap between collections is mostly garbage awaiting one,
// up to GOGC's headroom) and what the journals hold.
func report(what string, srv *sim.Server) {
	resident := rss()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	fmt.Printf("%-36s RSS %6.0f MB  live heap %6.0f MB  journals %6.0f MB\n", what, resident/1e6, float64(m.HeapAlloc)/1e6, float64(srv.Worlds().JournalBytes())/1e6)
}

// rss is the process's resident set from /proc/self/statm.
func rss() float64 {
	data, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(data))
	pages, _ := strconv.ParseFloat(f[1], 64)
	return pages * float64(os.Getpagesize())
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "rsscurve:", err)
	os.Exit(1)
}
