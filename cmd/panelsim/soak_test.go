package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/panelsim/panelsim/internal/simtest"
	"github.com/panelsim/panelsim/openapi"
	"github.com/panelsim/panelsim/scenarios"
	"github.com/panelsim/panelsim/sim/simhttp"
)

// The soak's shape: how many clients, how small the journal (so its bound
// is reached in the first seconds and what follows is steady state), and
// how many requests make one tick of the clock and fault goroutines.
const (
	soakClients     = 50
	soakJournal     = 2000
	soakHistory     = 100
	soakTickEvery   = 50
	soakDefaultTime = 60 * time.Second
	// soakRSSSlack is how far the server's RSS at the end may be above
	// its sample taken once the journal bound was reached.
	soakRSSSlack = 0.10
)

// soakDuration is how long the clients run: PANELSIM_SOAK (a Go duration;
// 0 skips), else a minute; -short skips.
func soakDuration(t *testing.T) time.Duration {
	t.Helper()
	if testing.Short() {
		t.Skip("the soak runs a minute; -short skips it")
	}
	env := os.Getenv("PANELSIM_SOAK")
	if env == "" {
		return soakDefaultTime
	}
	d, err := time.ParseDuration(env)
	if err != nil {
		t.Fatalf("PANELSIM_SOAK=%q: %v", env, err)
	}
	if d <= 0 {
		t.Skip("PANELSIM_SOAK=0 skips the soak")
	}
	return d
}

// TestSoak runs 50 clients against a panelsim process for a minute, across
// all four panels, with the virtual clock advancing and fault rules coming
// and going. Afterwards: no answer broke its contract, no 500 came from
// anything but a fault rule, after a long advance nothing is pending and
// the state passes the panels' invariant checks (a restore of its own
// snapshot runs them), the process saw no race and no panic, and its RSS is
// within 10% of what it was once the journal bound had been reached.
//
// Under -race it runs twice: against a race-built panelsim, so the
// server's own goroutines are checked for races (its RSS is only logged:
// it grew 17-28% in a minute where the plain binary's stayed within 4%,
// which we put down to the race runtime's shadow memory and sync
// metadata), and against the plain binary the image ships, whose RSS is
// the one bounded.
func TestSoak(t *testing.T) {
	dur := soakDuration(t)
	if raceEnabled {
		t.Run("race", func(t *testing.T) { soak(t, dur, soakBinary(t, true), false) })
	}
	t.Run("rss", func(t *testing.T) { soak(t, dur, soakBinary(t, false), true) })
}

// soak is one run of TestSoak against bin; boundRSS says whether the
// RSS bound is checked or only logged.
func soak(t *testing.T, dur time.Duration, bin string, boundRSS bool) {
	contract := simtest.Contract(t)
	scenario := filepath.Join(t.TempDir(), "soak.yaml")
	if err := os.WriteFile(scenario, soakScenario(), 0o600); err != nil {
		t.Fatal(err)
	}
	logs := &simtest.LogBuffer{}
	c := startServing(t, bin, logs, "--addr", "127.0.0.1:0", "--clock", "manual", "--validate", "strict", "--scenario", scenario, "--pprof", "127.0.0.1:0")
	stopped := false
	defer func() {
		if !stopped {
			_ = c.cmd.Process.Kill()
			_ = c.cmd.Wait()
		}
	}()

	run := &soakRun{t: t, base: c.base, contract: contract,
		tick: make(chan struct{}, 1), faultTick: make(chan struct{}, 1),
		hc: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: soakClients + 4}}}
	began := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), dur)
	defer cancel()
	var wg sync.WaitGroup
	for i := range soakClients {
		wg.Add(1)
		go func() { defer wg.Done(); run.client(ctx, i) }()
	}
	var ctl sync.WaitGroup
	ctl.Add(2)
	go func() { defer ctl.Done(); run.advanceClock(ctx) }()
	go func() { defer ctl.Done(); run.toggleFaults(ctx) }()
	// The start sample: once the journal has wrapped twice, its ring and
	// every per-client session are at their steady size.
	var rssStart int64
	select {
	case <-ctx.Done():
	case <-run.sampled(2 * soakJournal):
		var err error
		if rssStart, err = c.rss(); err != nil {
			t.Errorf("RSS at the start: %v", err)
			cancel()
		}
	}
	wg.Wait()
	ctl.Wait()
	elapsed := time.Since(began)
	if rssStart == 0 {
		t.Fatalf("%d requests in %s, no RSS sample once the journal bound (%d) was reached twice", run.requests.Load(), elapsed, soakJournal)
	}
	rssEnd, err := c.rss()
	if err != nil {
		t.Fatalf("RSS at the end: %v", err)
	}
	t.Logf("soak: %d clients for %s: %d requests (%d answered by fault rules, %d of them 500), %d clock advances, %d fault toggles",
		soakClients, elapsed.Round(time.Millisecond), run.requests.Load(), run.faulted.Load(), run.injected500.Load(), run.advances.Load(), run.toggles.Load())
	t.Logf("soak: server RSS %d kB once the journal was full, %d kB at the end (%+.1f%%)",
		rssStart, rssEnd, 100*float64(rssEnd-rssStart)/float64(rssStart))
	if boundRSS && float64(rssEnd) > float64(rssStart)*(1+soakRSSSlack) {
		t.Errorf("server RSS grew from %d kB to %d kB, more than %.0f%%", rssStart, rssEnd, 100*soakRSSSlack)
	}

	run.settle()
	if err := c.cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	err = c.cmd.Wait()
	stopped = true
	out := logs.String()
	if err != nil {
		t.Errorf("panelsim exited with %v", err)
	}
	for _, bad := range []string{"WARNING: DATA RACE", "panic"} {
		if strings.Contains(out, bad) {
			t.Errorf("the server's output has %q:\n%s", bad, tail(out, 8000))
		}
	}
}

// soakBinary builds panelsim for the soak, with the race detector if race.
func soakBinary(t *testing.T, race bool) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "panelsim")
	args := []string{"build", "-o", bin}
	if race {
		args = append(args, "-race")
	}
	if out, err := exec.Command("go", append(args, ".")...).CombinedOutput(); err != nil {
		t.Fatalf("go build: %v: %s", err, out)
	}
	return bin
}

// soakScenario is the default scenario with a small journal and short
// task histories, so every bound is reached early in the run.
func soakScenario() []byte {
	return fmt.Appendf(scenarios.DefaultYAML(), "\njournal: %d\nhistory: {dci6: %[2]d, imserver: %[2]d, dbc: %[2]d, ispmgr: %[2]d}\n", soakJournal, soakHistory)
}

// startServing starts bin with args, its output going to logs, and waits
// for the banner.
func startServing(t *testing.T, bin string, logs *simtest.LogBuffer, args ...string) *soakChild {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Stderr = logs
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	base, banner := readBanner(t, cmd, stdout, logs, logs)
	return &soakChild{child: child{cmd: cmd, base: base}, banner: banner}
}

// soakChild is a panelsim process and its banner.
type soakChild struct {
	child
	banner []string
}

// rss is the process's resident set size in kB once the runtime has
// collected and returned every free page (--pprof's free-os-memory): what
// the process holds, not what the runtime keeps for later.
func (c *soakChild) rss() (int64, error) {
	pprof := ""
	for _, line := range c.banner {
		if f := strings.Fields(line); len(f) > 1 && f[0] == "pprof" {
			pprof = f[1]
		}
	}
	if pprof == "" {
		return 0, fmt.Errorf("no pprof listener in the banner %q", c.banner)
	}
	resp, err := http.Post(pprof+"/debug/free-os-memory", "", nil)
	if err != nil {
		return 0, fmt.Errorf("free-os-memory: %w", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent {
		return 0, fmt.Errorf("free-os-memory: %d", resp.StatusCode)
	}
	return vmRSS(c.cmd.Process.Pid)
}

// vmRSS is process pid's resident set size in kB.
func vmRSS(pid int) (int64, error) {
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for line := range strings.SplitSeq(string(status), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			return strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
		}
	}
	return 0, fmt.Errorf("no VmRSS in /proc/%d/status", pid)
}

func tail(s string, n int) string {
	if len(s) > n {
		return "..." + s[len(s)-n:]
	}
	return s
}

// soakRun is the state the soak's goroutines share.
type soakRun struct {
	t        *testing.T
	base     string
	contract *openapi.Contract
	hc       *http.Client
	// tick (the clock's) and faultTick get a value every soakTickEvery
	// answers (dropped when nobody is waiting): the clock and fault
	// goroutines are paced by the load, not by sleeps.
	tick, faultTick chan struct{}

	requests, faulted, injected500, advances, toggles atomic.Int64

	mu      sync.Mutex
	waiters []soakWaiter
}

type soakWaiter struct {
	at   int64
	done chan struct{}
}

// sampled returns a channel closed once n requests have been answered.
func (r *soakRun) sampled(n int64) <-chan struct{} {
	r.mu.Lock()
	defer r.mu.Unlock()
	done := make(chan struct{})
	if r.requests.Load() >= n {
		close(done)
	} else {
		r.waiters = append(r.waiters, soakWaiter{n, done})
	}
	return done
}

func (r *soakRun) counted() {
	n := r.requests.Add(1)
	if n%soakTickEvery == 0 {
		for _, tick := range []chan struct{}{r.tick, r.faultTick} {
			select {
			case tick <- struct{}{}:
			default:
			}
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	kept := r.waiters[:0]
	for _, w := range r.waiters {
		if n >= w.at {
			close(w.done)
		} else {
			kept = append(kept, w)
		}
	}
	r.waiters = kept
}

// send makes one request and checks its answer: it must arrive, match the
// contract, and be a 500 only if a fault rule gave it. header is pairs of
// names and values.
func (r *soakRun) send(ctx context.Context, method, path, ctype string, body []byte, header ...string) *simtest.Response {
	req, err := http.NewRequestWithContext(ctx, method, r.base+path, bytes.NewReader(body))
	if err != nil {
		r.t.Errorf("%s %s: %v", method, path, err)
		return nil
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := r.hc.Do(req)
	if err != nil {
		if ctx.Err() == nil {
			r.t.Errorf("%s %s: %v", method, path, err)
		}
		return nil
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		if ctx.Err() == nil {
			r.t.Errorf("%s %s: reading the answer: %v", method, path, err)
		}
		return nil
	}
	r.counted()
	a := &simtest.Response{Status: resp.StatusCode, Header: resp.Header, Body: data}
	simtest.CheckAnswer(r.t, r.contract, req, body, a)
	fault := resp.Header.Get(simhttp.FaultActionHeader) != ""
	if fault {
		r.faulted.Add(1)
	}
	if resp.StatusCode == http.StatusInternalServerError {
		if !fault {
			r.t.Errorf("%s %s: 500 that no fault rule gave: %s", method, path, tail(string(data), 2000))
		} else {
			r.injected500.Add(1)
		}
	}
	return a
}

// client is one of the soak's clients: it picks a panel and an operation
// at random (seeded by its number) until ctx ends.
func (r *soakRun) client(ctx context.Context, n int) {
	rng := rand.New(rand.NewPCG(16, uint64(n)))
	s := &soakSession{run: r, rng: rng}
	for ctx.Err() == nil {
		switch rng.IntN(4) {
		case 0:
			s.dci(ctx)
		case 1:
			s.imserver(ctx)
		case 2:
			s.ispmgr(ctx)
		default:
			s.dbc(ctx)
		}
	}
}

// soakSession is one client's logins.
type soakSession struct {
	run      *soakRun
	rng      *rand.Rand
	dciToken string
	imSess   string
	imUses   int
}

const jsonType = "application/json"

// dci logs in when it has no token (or its token died: 401), then reads
// servers or starts power operations and OS installs.
func (s *soakSession) dci(ctx context.Context) {
	if s.dciToken == "" && !s.dciLogin(ctx) {
		return
	}
	id := 1 + s.rng.IntN(46)
	var method, path, body string
	switch s.rng.IntN(6) {
	case 0:
		method, path = "GET", "/api/dci/v3/server?limit=0,10"
	case 1:
		method, path = "GET", "/api/dci/v3/server/configuration"
	case 2:
		method, path = "GET", fmt.Sprintf("/api/dci/v3/server/%d", id)
	case 3:
		method, path, body = "POST", fmt.Sprintf("/api/dci/v3/server/%d/power_off", id), `{}`
	case 4:
		method, path, body = "POST", fmt.Sprintf("/api/dci/v3/server/%d/power_on", id), `{}`
	default:
		method, path, body = "POST", fmt.Sprintf("/api/dci/v3/server/%d/operation_os", id),
			`{"hdd_raid":"raid_1","os_template_id":1,"password":"pass","ssh_pub_keys":[]}`
	}
	ctype := ""
	if body != "" {
		ctype = jsonType
	}
	a := s.run.send(ctx, method, path, ctype, []byte(body), "x-xsrf-token", s.dciToken)
	if a != nil && a.Status == http.StatusUnauthorized {
		s.dciToken = ""
	}
}

// dciLogin gets a token as the admin; a fault rule may refuse it.
func (s *soakSession) dciLogin(ctx context.Context) bool {
	a := s.run.send(ctx, "POST", "/api/auth/v4/public/token", jsonType, []byte(`{"email":"admin@example.com","password":"secret"}`))
	var tok struct {
		Token string `json:"token"`
	}
	if a == nil || a.Status != http.StatusCreated || json.Unmarshal(a.Body, &tok) != nil {
		return false
	}
	s.dciToken = tok.Token
	return true
}

// imLogin opens a session as petrov; a fault rule may refuse it.
func (s *soakSession) imLogin(ctx context.Context) bool {
	a := s.run.send(ctx, "GET", "/api?cmd=login&loginUsername=petrov&loginPassword=superpassword", "", nil)
	var in struct {
		Sess string `json:"sess"`
	}
	if a == nil || json.Unmarshal(a.Body, &in) != nil || in.Sess == "" {
		return false
	}
	s.imSess, s.imUses = in.Sess, 0
	return true
}

// imserver logs in every 40 commands (old sessions are left to expire),
// reads servers, statuses and logs, and starts and stops servers.
func (s *soakSession) imserver(ctx context.Context) {
	if (s.imSess == "" || s.imUses >= 40) && !s.imLogin(ctx) {
		return
	}
	s.imUses++
	id := []string{"333", "334"}[s.rng.IntN(2)]
	q := url.Values{"sess": {s.imSess}}
	switch s.rng.IntN(5) {
	case 0:
		q.Set("cmd", "get_servers")
	case 1:
		q.Set("cmd", "get_servers_status")
		q.Set("json", `{"id":"`+id+`"}`)
	case 2:
		q.Set("cmd", "get_logs")
		q.Set("count", "5")
	case 3:
		q.Set("cmd", "run_server")
		q.Set("id", id)
	default:
		q.Set("cmd", "stop_server")
		q.Set("id", id)
	}
	a := s.run.send(ctx, "GET", "/api?"+q.Encode(), "", nil)
	if a != nil && bytes.Contains(a.Body, []byte(`"data":"0010"`)) {
		s.imSess = "" // expired while the clock ran
	}
}

// ispmgr authenticates every call with authinfo (no session to keep), and
// lists sites and records or adds one of ten TXT records (the set is
// bounded, so the state is too), now and then by POSTed form.
func (s *soakSession) ispmgr(ctx context.Context) {
	q := url.Values{"authinfo": {"vasya:vasyapass"}, "out": {[]string{"json", "xml", "sjson"}[s.rng.IntN(3)]}}
	switch s.rng.IntN(4) {
	case 0:
		q.Set("func", "webdomain")
	case 1:
		q.Set("func", "whoami")
	case 2:
		q.Set("func", "domain.record")
		q.Set("elid", "vasya.example.com.")
	default:
		q.Set("func", "domain.record.edit")
		q.Set("plid", "vasya.example.com.")
		q.Set("rtype", "txt")
		q.Set("name", fmt.Sprintf("_soak%d.vasya.example.com.", s.rng.IntN(10)))
		q.Set("value", "token"+strconv.Itoa(s.rng.IntN(1000)))
		q.Set("sok", "ok")
		s.run.send(ctx, "POST", "/ispmgr", "application/x-www-form-urlencoded", []byte(q.Encode()))
		return
	}
	s.run.send(ctx, "GET", "/ispmgr?"+q.Encode(), "", nil)
}

// dbcNode is //Alice's first rented node in the default scenario.
const dbcNode = "58fb618aa482c41114eb3cfdaefd3ba183172da9e25251449d045043fbd37f45"

// dbcAuth is //Alice's signature of a nonce the README's example uses
// (the default scenario accepts a reused nonce, as the real client does).
const dbcAuth = `"wallet":"5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY","nonce":"5q7KRn4d8EmXFFsim8vHBp23N2CpERbD2mWR3WCo1o3teZnGxYEh4N6","sign":"0x2cdc83a57d8e75a6e6648af288e148fcb4adadbe7b2cf34f3dd6d3a2d07a215403cb8231b832e2ea8fc784cdd06495dbd7f79fa07d759b13159b29d9b2f5968c"`

// dbc reads the node, lists //Alice's VMs, creates VMs (the node's
// resources bound how many) and stops, starts or deletes one it listed.
func (s *soakSession) dbc(ctx context.Context) {
	signed := func(additional string) []byte {
		return []byte(`{"peer_nodes_list":["` + dbcNode + `"],"additional":` + additional + `,` + dbcAuth + `}`)
	}
	switch s.rng.IntN(4) {
	case 0:
		s.run.send(ctx, "POST", "/api/v1/mining_nodes", jsonType, []byte(`{"peer_nodes_list":["`+dbcNode+`"],"additional":{}}`))
	case 1:
		port := 5000 + s.rng.IntN(4000)
		s.run.send(ctx, "POST", "/api/v1/tasks/start", jsonType, signed(fmt.Sprintf(
			`{"image_name":"ubuntu.qcow2","desc":"soak","ssh_port":"%d","vnc_port":"%d","gpu_count":"1","cpu_cores":"4","mem_size":"16","disk_size":"50"}`, port, port+1)))
	default:
		a := s.run.send(ctx, "POST", "/api/v1/tasks", jsonType, signed(`{}`))
		var list struct {
			Message []struct {
				TaskID string `json:"task_id"`
			} `json:"message"`
		}
		if a == nil || json.Unmarshal(a.Body, &list) != nil || len(list.Message) == 0 {
			return
		}
		vm := list.Message[s.rng.IntN(len(list.Message))].TaskID
		action := []string{"stop", "start", "delete", "restart"}[s.rng.IntN(4)]
		s.run.send(ctx, "POST", "/api/v1/tasks/"+action+"/"+vm, jsonType, signed(`{}`))
	}
}

// advanceClock moves the virtual clock 30 s per tick, about three virtual
// hours in a minute of soak: tasks finish, sessions idle out and are
// purged while the clients keep working.
func (r *soakRun) advanceClock(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-r.tick:
			if a := r.send(ctx, "POST", "/_panelsim/clock/advance", jsonType, []byte(`{"by":"30s"}`)); a != nil && a.Status == http.StatusOK {
				r.advances.Add(1)
			}
		}
	}
}

// soakFaults are the rules the fault goroutine adds and removes in turn,
// one per panel and kind: a raw 500, native errors, a failed task.
var soakFaults = []string{
	`{"name":"dci-500","panel":"dci6","when":{"probability":0.3},"action":{"status":500,"body":"injected"}}`,
	`{"name":"im-error","panel":"imserver","when":{"probability":0.3},"action":{"error":{"code":"0027","msg":"injected"}}}`,
	`{"name":"dbc-error","panel":"dbc","when":{"probability":0.3},"action":{"error":{"code":"-3","msg":"injected"}}}`,
	`{"name":"mgr-error","panel":"ispmgr","when":{"probability":0.3},"action":{"error":{"code":"exists","msg":"injected"}}}`,
	`{"name":"dci-fail-task","panel":"dci6","when":{"probability":0.5},"action":{"fail_task":{"msg":"injected"}}}`,
	`{"name":"im-500","panel":"imserver","when":{"probability":0.3},"action":{"status":500}}`,
	`{"name":"mgr-500","panel":"ispmgr","when":{"probability":0.2},"action":{"status":500}}`,
	`{"name":"dbc-500","panel":"dbc","when":{"probability":0.2},"action":{"status":500}}`,
}

// toggleFaults appends a rule on one tick and removes it on the next, so
// the rules come and go while requests are in flight.
func (r *soakRun) toggleFaults(ctx context.Context) {
	for i := 0; ; i++ {
		select {
		case <-ctx.Done():
			return
		case <-r.faultTick:
		}
		rule := soakFaults[(i/2)%len(soakFaults)]
		var a *simtest.Response
		if i%2 == 0 {
			a = r.send(ctx, "PATCH", "/_panelsim/faults", jsonType, []byte("["+rule+"]"))
		} else {
			var named struct {
				Name string `json:"name"`
			}
			_ = json.Unmarshal([]byte(rule), &named)
			a = r.send(ctx, "DELETE", "/_panelsim/faults?name="+named.Name, "", nil)
		}
		if a != nil && a.Status == http.StatusOK {
			r.toggles.Add(1)
		}
	}
}

// settle clears the faults, advances three virtual days, and checks that
// nothing is pending and that the world's own snapshot restores: a restore
// runs every panel's invariant and step checks, and refuses a snapshot
// with an unfinished task no step will finish.
func (r *soakRun) settle() {
	ctx := context.Background()
	r.expect(r.send(ctx, "POST", "/_panelsim/faults", jsonType, []byte(`[]`)), "clearing the faults")
	a := r.expect(r.send(ctx, "POST", "/_panelsim/clock/advance", jsonType, []byte(`{"by":"72h"}`)), "the long advance")
	var clock struct {
		Pending  int `json:"pending"`
		RanCount int `json:"ran_count"`
	}
	if a == nil || json.Unmarshal(a.Body, &clock) != nil {
		return
	}
	r.t.Logf("soak: the 72h advance ran %d steps; %d pending", clock.RanCount, clock.Pending)
	if clock.Pending != 0 {
		r.t.Errorf("%d steps still pending after 72 virtual hours", clock.Pending)
	}
	r.checkTerminal(ctx)
	snap := r.expect(r.send(ctx, "GET", "/_panelsim/state", "", nil), "the snapshot")
	if snap == nil {
		return
	}
	r.expect(r.send(ctx, "PUT", "/_panelsim/state", jsonType, snap.Body), "restoring the world's own snapshot (its invariant check)")
}

// expect fails the test unless a is a 200, and passes it on.
func (r *soakRun) expect(a *simtest.Response, what string) *simtest.Response {
	if a == nil {
		r.t.Errorf("%s: no answer", what)
		return nil
	}
	if a.Status != http.StatusOK {
		r.t.Errorf("%s: %d %s", what, a.Status, tail(string(a.Body), 4000))
		return nil
	}
	return a
}

// checkTerminal reads every task through the panels' own listings after
// the long advance: DCI tasks complete or failed, no DBC VM in a busy
// state, no IMserver server with a task under way.
func (r *soakRun) checkTerminal(ctx context.Context) {
	s := &soakSession{run: r, rng: rand.New(rand.NewPCG(16, 16))}
	var tasks struct {
		List []struct {
			ID     int64  `json:"id"`
			Status string `json:"status"`
		} `json:"list"`
	}
	if s.dciLogin(ctx) && r.decode(r.send(ctx, "GET", "/api/dci/v3/task", "", nil, "x-xsrf-token", s.dciToken), "DCI tasks", &tasks) {
		for _, task := range tasks.List {
			if task.Status != "complete" && task.Status != "fail" {
				r.t.Errorf("DCI task %d is %q after the long advance", task.ID, task.Status)
			}
		}
		r.t.Logf("soak: %d DCI tasks listed, every one finished", len(tasks.List))
	}
	var vms struct {
		Message []struct {
			TaskID string `json:"task_id"`
			Status string `json:"status"`
		} `json:"message"`
	}
	if r.decode(r.send(ctx, "POST", "/api/v1/tasks", jsonType, []byte(`{"peer_nodes_list":["`+dbcNode+`"],"additional":{},`+dbcAuth+`}`)), "DBC VMs", &vms) {
		for _, vm := range vms.Message {
			if !slices.Contains([]string{"running", "closed", "pmsuspend", "create error"}, vm.Status) {
				r.t.Errorf("DBC VM %s is %q after the long advance", vm.TaskID, vm.Status)
			}
		}
		r.t.Logf("soak: %d DBC VMs listed, none busy", len(vms.Message))
	}
	if !s.imLogin(ctx) {
		r.t.Errorf("IMserver: no session after the soak")
		return
	}
	for _, id := range []string{"333", "334"} {
		var servers struct {
			Data []struct {
				Status string `json:"status"`
				Task   string `json:"task"`
			} `json:"data"`
		}
		q := url.Values{"cmd": {"get_servers_status"}, "sess": {s.imSess}, "json": {`{"id":"` + id + `"}`}}
		if r.decode(r.send(ctx, "GET", "/api?"+q.Encode(), "", nil), "IMserver server "+id, &servers) {
			for _, srv := range servers.Data {
				if srv.Task != "" {
					r.t.Errorf("IMserver server %s is %q with task %q after the long advance", id, srv.Status, srv.Task)
				}
			}
		}
	}
}

// decode decodes a 200's JSON body into v, failing the test otherwise.
func (r *soakRun) decode(a *simtest.Response, what string, v any) bool {
	if a = r.expect(a, what); a == nil {
		return false
	}
	if err := json.Unmarshal(a.Body, v); err != nil {
		r.t.Errorf("%s: %v: %s", what, err, tail(string(a.Body), 2000))
		return false
	}
	return true
}
