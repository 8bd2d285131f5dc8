// Command loadtest measures panelsim's hot paths (issue 14's table) over
// TCP with wrk, each side by side with a bare net/http server answering
// the same bytes in the same run, and prints each path's throughput ratio
// (the median of interleaved rounds). Ratios, not absolute figures, are
// what compares across machines and loads.
//
//	make loadtest                      # = go run ./scripts/loadtest
//	go run ./scripts/loadtest -d 3s -rounds 5 -only dci6
//
// It needs wrk (Debian: apt-get install wrk) and talks to 127.0.0.1 only.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/panelsim/panelsim/internal/hotpaths"
	"github.com/panelsim/panelsim/sim"
)

// goals are issue 14's targets, by path name.
var goals = map[string]float64{
	"dci6 server by id": 0.65, "dci6 list where limit=0,50": 0.40, "imserver get_servers_status": 0.70,
	"ispmgr user out=xml": 0.50, "ispmgr user out=json": 0.50, "dbc tasks (sr25519)": 0.50,
	"dci6 power_on + clock/advance": 0.60,
}

func main() {
	dur := flag.Duration("d", 2*time.Second, "length of each wrk run")
	rounds := flag.Int("rounds", 3, "interleaved rounds per path (the ratio is their median)")
	conns := flag.Int("c", 16, "wrk connections")
	only := flag.String("only", "", "measure only paths whose name contains this")
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile of the whole run (both servers) to this file")
	flag.Parse()
	err := profiled(*cpuProfile, func() error { return run(*dur, *rounds, *conns, *only) })
	if err != nil {
		fmt.Fprintln(os.Stderr, "loadtest:", err)
		os.Exit(1)
	}
}

// profiled runs fn, under a CPU profile written to path unless path is "".
func profiled(path string, fn func() error) error {
	if path == "" {
		return fn()
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := pprof.StartCPUProfile(f); err != nil {
		return err
	}
	defer pprof.StopCPUProfile()
	return fn()
}

func run(dur time.Duration, rounds, conns int, only string) error {
	wrk, err := exec.LookPath("wrk")
	if err != nil {
		return fmt.Errorf("wrk is not installed (Debian: apt-get install wrk)")
	}
	srv, err := sim.New(sim.Config{ScenarioYAML: hotpaths.Scenario(), DefaultClock: "manual", Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		return err
	}
	paths, err := hotpaths.Prepare(srv.Handler())
	if err != nil {
		return err
	}
	bare := hotpaths.Bare(srv.Handler(), paths)
	psAddr, err := serve("panelsim", sim.HTTPServer(srv.Handler(), sim.ConnLimits{}))
	if err != nil {
		return err
	}
	bareAddr, err := serve("bare", &http.Server{Handler: bare})
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "panelsim-loadtest")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)

	fmt.Printf("wrk -t1 -c%d, %s a run, %d interleaved rounds; ratio = panelsim / bare net/http with the same bytes\n(the median of the rounds' ratios; rounds is their range: a wide one says the machine was busy)\n\n", conns, dur, rounds)
	fmt.Printf("%-32s %12s %12s %7s %11s %6s %11s %11s\n", "path", "panelsim/s", "bare/s", "ratio", "rounds", "goal", "cpu µs/req", "bare µs/req")
	for i, p := range paths {
		if only != "" && !strings.Contains(p.Name, only) {
			continue
		}
		script := filepath.Join(dir, strconv.Itoa(i)+".lua")
		if err := os.WriteFile(script, []byte(lua(p)), 0o600); err != nil {
			return err
		}
		var ratios, ps, bs, pcpu, bcpu []float64
		for r := range rounds {
			order := []string{psAddr, bareAddr}
			if r%2 == 1 {
				order = []string{bareAddr, psAddr}
			}
			got, cpu := map[string]float64{}, map[string]float64{}
			for _, addr := range order {
				rps, perReq, err := measure(wrk, script, addr, conns, dur)
				if err != nil {
					return fmt.Errorf("%s: %w", p.Name, err)
				}
				got[addr], cpu[addr] = rps, perReq
			}
			ps, bs = append(ps, got[psAddr]), append(bs, got[bareAddr])
			pcpu, bcpu = append(pcpu, cpu[psAddr]), append(bcpu, cpu[bareAddr])
			ratios = append(ratios, got[psAddr]/got[bareAddr])
		}
		lo, hi := slices.Min(ratios), slices.Max(ratios)
		fmt.Printf("%-32s %12.0f %12.0f %7.2f %5.2f–%.2f %6.2f %11.1f %11.1f\n", p.Name, median(ps), median(bs), median(ratios), lo, hi, goals[p.Name], median(pcpu), median(bcpu))
	}
	return nil
}

// serve serves hs on a loopback port. Its goroutines, and the connection
// goroutines they start, carry the profiler label server=name, so a
// -cpuprofile splits by side: go tool pprof -tagfocus server=panelsim.
func serve(name string, hs *http.Server) (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	go pprof.Do(context.Background(), pprof.Labels("server", name), func(context.Context) { _ = hs.Serve(ln) })
	return ln.Addr().String(), nil
}

// lua is a wrk script sending the path's requests in turn; the first
// answer that is not 2xx is printed, since a run with any fails.
func lua(p hotpaths.Path) string {
	var b strings.Builder
	b.WriteString("local reqs = {}\ninit = function(args)\n")
	for _, r := range p.Requests {
		b.WriteString("  reqs[#reqs+1] = wrk.format(" + strconv.Quote(r.Method) + ", " + strconv.Quote(r.Target) + ", {[\"Host\"] = wrk.host .. \":\" .. wrk.port, ")
		for k, v := range r.Header {
			b.WriteString("[" + strconv.Quote(k) + "] = " + strconv.Quote(v) + ", ")
		}
		b.WriteString("}, " + strconv.Quote(r.Body) + ")\n")
	}
	b.WriteString(`end
local i = 0
request = function()
  i = i % #reqs + 1
  return reqs[i]
end
local shown = false
response = function(status, headers, body)
  if status >= 300 and not shown then
    shown = true
    print("first answer that is not 2xx:", status, body)
  end
end
`)
	return b.String()
}

var (
	rpsLine    = regexp.MustCompile(`Requests/sec:\s+([0-9.]+)`)
	totalLine  = regexp.MustCompile(`(\d+) requests in `)
	non2xxLine = regexp.MustCompile(`Non-2xx or 3xx responses: (\d+)`)
)

// measure runs wrk against addr and returns its requests a second and the
// CPU time this process (the server measured: the other one idles) spent
// on each request, in microseconds: where the ratio's difference goes.
func measure(wrk, script, addr string, conns int, dur time.Duration) (rps, cpuPerReq float64, err error) {
	before := processCPU()
	out, err := exec.Command(wrk, "-t1", "-c"+strconv.Itoa(conns), "-d"+dur.String(), "-s", script, "http://"+addr).CombinedOutput()
	spent := processCPU() - before
	if err != nil {
		return 0, 0, fmt.Errorf("wrk: %v\n%s", err, out)
	}
	if m := non2xxLine.FindSubmatch(out); m != nil {
		return 0, 0, fmt.Errorf("%s answers from %s were not 2xx:\n%s", m[1], addr, out)
	}
	m, n := rpsLine.FindSubmatch(out), totalLine.FindSubmatch(out)
	if m == nil || n == nil {
		return 0, 0, fmt.Errorf("no Requests/sec or request count in wrk's output:\n%s", out)
	}
	rps, err = strconv.ParseFloat(string(m[1]), 64)
	if err != nil {
		return 0, 0, err
	}
	total, err := strconv.ParseFloat(string(n[1]), 64)
	if err != nil || total == 0 {
		return 0, 0, fmt.Errorf("no requests in wrk's output:\n%s", out)
	}
	return rps, float64(spent.Microseconds()) / total, nil
}

// processCPU is the user and system CPU time this process has used.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[len(s)/2]
}
