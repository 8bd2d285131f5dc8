package sim_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/panelsim/panelsim/internal/counterpanel"
	"github.com/panelsim/panelsim/internal/simtest"
	"github.com/panelsim/panelsim/panelsimtest"
	"github.com/panelsim/panelsim/sim"
	"github.com/panelsim/panelsim/sim/dci6"
	"github.com/panelsim/panelsim/state"
)

const counterScenario = `
version: 1
seed: 9
start: 2025-01-01T00:00:00Z
counter:
  initial: {a: 1, b: 5}
`

func startCounter(t *testing.T, opts ...panelsimtest.Option) (*panelsimtest.Server, *simtest.Client) {
	t.Helper()
	opts = append([]panelsimtest.Option{panelsimtest.WithPanels(counterpanel.New()), panelsimtest.WithScenarioYAML(counterScenario)}, opts...)
	srv := panelsimtest.RunT(t, opts...)
	return srv, simtest.New(t, srv)
}

type clockAnswer struct {
	World    string      `json:"world"`
	Now      time.Time   `json:"now"`
	Pending  int         `json:"pending"`
	Ran      []state.Ran `json:"ran"`
	RanCount int         `json:"ran_count"`
}

type ctlErr struct {
	Error string `json:"error"`
	Field string `json:"field"`
}

func expectCtlError(t *testing.T, r *simtest.Response, status int, field string) {
	t.Helper()
	r.Expect(t, status)
	var e ctlErr
	r.Decode(t, &e)
	if e.Error == "" || e.Field != field {
		t.Fatalf("error %+v, want field %q", e, field)
	}
}

func TestHealthAndVersion(t *testing.T) {
	_, c := startCounter(t)
	if m := c.Get("/_panelsim/health").Expect(t, 200).Map(t); m["status"] != "ok" {
		t.Fatalf("health %v", m)
	}
	var v struct {
		Panels []struct{ Name string } `json:"panels"`
	}
	c.Get("/_panelsim/version").Expect(t, 200).Decode(t, &v)
	if len(v.Panels) != 1 || v.Panels[0].Name != "counter" {
		t.Fatalf("version panels %+v", v.Panels)
	}
}

func TestClockAdvanceRunsDueStepsAndReportsThem(t *testing.T) {
	_, c := startCounter(t)
	c.Do("POST", "/counter/a/job", nil).Expect(t, 202)
	var ck clockAnswer
	c.JSON("POST", "/_panelsim/clock/advance", map[string]string{"by": "9s"}).Expect(t, 200).Decode(t, &ck)
	if ck.RanCount != 0 || ck.Pending != 1 {
		t.Fatalf("after 9s: %+v", ck)
	}
	c.JSON("POST", "/_panelsim/clock/advance", map[string]string{"by": "1s"}).Expect(t, 200).Decode(t, &ck)
	if ck.RanCount != 1 || ck.Ran[0].Kind != "counter.job" || !ck.Now.Equal(panelsimtest.DefaultStart.Add(10*time.Second)) {
		t.Fatalf("after 10s: %+v", ck)
	}
	if m := c.Get("/counter/a").Expect(t, 200).Map(t); m["value"] != 2.0 {
		t.Fatalf("job did not bump the counter: %v", m)
	}
	c.JSON("POST", "/_panelsim/clock/set", map[string]string{"to": "2025-01-02T00:00:00Z"}).Expect(t, 200).Decode(t, &ck)
	if !ck.Now.Equal(time.Date(2025, 1, 2, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("set: %+v", ck)
	}
	c.Get("/_panelsim/clock").Expect(t, 200).Decode(t, &ck)
	if ck.World != "default" {
		t.Fatalf("clock world %q", ck.World)
	}
}

func TestClockBadInputs(t *testing.T) {
	_, c := startCounter(t)
	expectCtlError(t, c.JSON("POST", "/_panelsim/clock/advance", map[string]string{"by": "soon"}), 400, "by")
	expectCtlError(t, c.JSON("POST", "/_panelsim/clock/advance", map[string]string{"by": "-5m"}), 400, "by")
	expectCtlError(t, c.JSON("POST", "/_panelsim/clock/advance", `{"by": 5}`), 400, "by")
	expectCtlError(t, c.JSON("POST", "/_panelsim/clock/advance", `{"by":"1m","extra":1}`), 400, "extra")
	expectCtlError(t, c.JSON("POST", "/_panelsim/clock/advance", ``), 400, "body")
	expectCtlError(t, c.JSON("POST", "/_panelsim/clock/advance", `{"by":`), 400, "body")
	expectCtlError(t, c.JSON("POST", "/_panelsim/clock/set", map[string]string{"to": "2024-12-31T00:00:00Z"}), 400, "to")
	expectCtlError(t, c.JSON("POST", "/_panelsim/clock/set", map[string]string{"to": "tomorrow"}), 400, "to")
	expectCtlError(t, c.World("bad!name").Get("/_panelsim/clock"), 400, "world")
	var ck clockAnswer
	c.Get("/_panelsim/clock").Decode(t, &ck)
	if !ck.Now.Equal(panelsimtest.DefaultStart) {
		t.Fatalf("a refused request moved the clock to %s", ck.Now)
	}
	expectCtlError(t, c.Get("/_panelsim/nothing"), 404, "")
}

func TestResetRestoresTheScenarioExactly(t *testing.T) {
	srv, c := startCounter(t)
	before := srv.Snapshot()
	c.Do("POST", "/counter/a/inc", nil).Expect(t, 200)
	c.Do("POST", "/counter/z/job", nil).Expect(t, 202)
	c.Get("/counter-name").Expect(t, 200)
	c.JSON("POST", "/_panelsim/clock/advance", map[string]string{"by": "1h"}).Expect(t, 200)
	c.Do("POST", "/_panelsim/reset", nil).Expect(t, 200)
	if after := srv.Snapshot(); string(after) != string(before) {
		t.Fatalf("reset did not restore the initial state:\n%s\n---\n%s", before, after)
	}
}

func TestWorldsAreIsolatedAndForksCopy(t *testing.T) {
	_, c := startCounter(t)
	c.Do("POST", "/counter/a/inc", nil).Expect(t, 200) // default: a=2
	blue := c.World("blue")
	if m := blue.Get("/counter/a").Expect(t, 200).Map(t); m["value"] != 1.0 {
		t.Fatalf("new world sees another world's change: %v", m)
	}
	c.JSON("POST", "/_panelsim/worlds", map[string]string{"name": "fork", "from": "default"}).Expect(t, 201)
	fork := c.World("fork")
	if m := fork.Get("/counter/a").Expect(t, 200).Map(t); m["value"] != 2.0 {
		t.Fatalf("fork lacks the parent's state: %v", m)
	}
	fork.Do("POST", "/counter/a/inc", nil).Expect(t, 200)
	fork.JSON("POST", "/_panelsim/clock/advance", map[string]string{"by": "5m"}).Expect(t, 200)
	if m := c.Get("/counter/a").Expect(t, 200).Map(t); m["value"] != 2.0 {
		t.Fatalf("fork's change reached the parent: %v", m)
	}
	var ck clockAnswer
	c.Get("/_panelsim/clock").Decode(t, &ck)
	if !ck.Now.Equal(panelsimtest.DefaultStart) {
		t.Fatal("fork's clock moved the parent's")
	}
	// The header selects worlds too.
	if m := c.Get("/counter/a", "X-Panelsim-World", "fork").Expect(t, 200).Map(t); m["value"] != 3.0 {
		t.Fatalf("header world: %v", m)
	}
	var list []struct{ Name string }
	c.Get("/_panelsim/worlds").Expect(t, 200).Decode(t, &list)
	if len(list) != 3 {
		t.Fatalf("worlds %+v", list)
	}
	c.Get("/_panelsim/worlds/fork").Expect(t, 200)
	expectCtlError(t, c.JSON("POST", "/_panelsim/worlds", map[string]string{"name": "fork"}), 400, "name")
	expectCtlError(t, c.JSON("POST", "/_panelsim/worlds", map[string]string{"name": "x y"}), 400, "name")
	expectCtlError(t, c.JSON("POST", "/_panelsim/worlds", map[string]string{"name": "new", "from": "ghost"}), 400, "from")
	c.Do("DELETE", "/_panelsim/worlds/fork", nil).Expect(t, 204)
	expectCtlError(t, c.Do("DELETE", "/_panelsim/worlds/fork", nil), 404, "name")
	expectCtlError(t, c.Get("/_panelsim/worlds/fork"), 404, "name")
}

func TestConcurrentRequestsToDifferentWorlds(t *testing.T) {
	srv, _ := startCounter(t)
	var wg sync.WaitGroup
	for i := 0; i < 6; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			base := srv.World(fmt.Sprintf("w%d", i)).URL()
			for j := 0; j < 20; j++ {
				resp, err := http.Post(base+"/counter/a/inc", "", nil)
				if err != nil {
					t.Error(err)
					return
				}
				resp.Body.Close()
			}
		}(i)
	}
	wg.Wait()
	for i := 0; i < 6; i++ {
		var v int64
		_ = srv.World(fmt.Sprintf("w%d", i)).Do(func(tx *state.Tx) error {
			v = tx.State("counter").(*counterpanel.Store).Counters["a"]
			return nil
		})
		if v != 21 {
			t.Fatalf("world w%d: a=%d, want 21", i, v)
		}
	}
}

func TestScenarioEndpoint(t *testing.T) {
	_, c := startCounter(t)
	c.Do("POST", "/counter/a/inc", nil).Expect(t, 200)
	ok := "seed: 3\nstart: 2030-01-01T00:00:00Z\ncounter:\n  initial: {a: 100}\n"
	var ck clockAnswer
	c.Do("POST", "/_panelsim/scenario", []byte(ok), "Content-Type", "application/yaml").Expect(t, 200).Decode(t, &ck)
	if !ck.Now.Equal(time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("a posted scenario's own start was overridden: now %s", ck.Now)
	}
	if m := c.Get("/counter/a").Expect(t, 200).Map(t); m["value"] != 100.0 {
		t.Fatalf("scenario not applied: %v", m)
	}
	bad := "seed: 3\ncounter:\n  initial: {a: -1}\n"
	expectCtlError(t, c.Do("POST", "/_panelsim/scenario", []byte(bad), "Content-Type", "application/yaml"), 400, "counter.initial.a")
	typo := "seed: 3\ncountr: {}\n"
	expectCtlError(t, c.Do("POST", "/_panelsim/scenario", []byte(typo), "Content-Type", "application/yaml"), 400, "countr")
	expectCtlError(t, c.Do("POST", "/_panelsim/scenario", nil, "Content-Type", "application/yaml"), 400, "body")
	if m := c.Get("/counter/a").Expect(t, 200).Map(t); m["value"] != 100.0 {
		t.Fatalf("a refused scenario changed the world: %v", m)
	}
	// Reset goes back to the scenario the world was last given.
	c.Do("POST", "/counter/a/inc", nil).Expect(t, 200)
	c.Do("POST", "/_panelsim/reset", nil).Expect(t, 200)
	if m := c.Get("/counter/a").Expect(t, 200).Map(t); m["value"] != 100.0 {
		t.Fatalf("reset: %v", m)
	}
}

func TestFaultsCRUD(t *testing.T) {
	_, c := startCounter(t)
	rules := `[{"name":"storm","panel":"counter","match":{"path":"/counter/*"},"when":{"times":2},"action":{"status":503,"body":"sleeping"}}]`
	c.JSON("POST", "/_panelsim/faults", rules).Expect(t, 200)
	c.JSON("PATCH", "/_panelsim/faults", `{"name":"slow","action":{"latency":{"fixed":"2s"}}}`).Expect(t, 200)
	var got []state.FaultRule
	c.Get("/_panelsim/faults").Expect(t, 200).Decode(t, &got)
	if len(got) != 2 || got[0].Name != "storm" || got[1].Name != "slow" {
		t.Fatalf("rules %+v", got)
	}
	expectCtlError(t, c.JSON("PATCH", "/_panelsim/faults", `{"name":"storm","action":{"status":503}}`), 400, "[2].name")
	expectCtlError(t, c.JSON("POST", "/_panelsim/faults", `[{"name":"x","action":{"explode":true}}]`), 400, "explode")
	expectCtlError(t, c.JSON("POST", "/_panelsim/faults", `[{"name":"x","action":{}}]`), 400, "[0].action")
	expectCtlError(t, c.JSON("POST", "/_panelsim/faults", `[{"name":"x","when":{"after":"soon"},"action":{"reset":true}}]`), 400, "body")
	c.Get("/_panelsim/faults").Decode(t, &got)
	if len(got) != 2 {
		t.Fatalf("a refused change altered the rules: %+v", got)
	}
	c.Do("DELETE", "/_panelsim/faults?name=slow", nil).Expect(t, 200)
	expectCtlError(t, c.Do("DELETE", "/_panelsim/faults?name=slow", nil), 404, "name")
	c.Do("DELETE", "/_panelsim/faults", nil).Expect(t, 200)
	c.Get("/_panelsim/faults").Decode(t, &got)
	if len(got) != 0 {
		t.Fatalf("delete all left %+v", got)
	}
}

func TestFaultActionsOnAPanel(t *testing.T) {
	srv, c := startCounter(t)
	set := func(rule string) {
		t.Helper()
		c.JSON("POST", "/_panelsim/faults", "["+rule+"]").Expect(t, 200)
	}
	set(`{"name":"storm","match":{"path":"/counter/a"},"when":{"times":2},"action":{"status":503,"body":"sleeping","headers":{"Retry-After":"1"}}}`)
	for i := 0; i < 2; i++ {
		r := c.Get("/counter/a")
		if r.Status != 503 || string(r.Body) != "sleeping" || r.Header.Get("Retry-After") != "1" {
			c.SkipValidation = true
			t.Fatalf("storm answer %d %q", r.Status, r.Body)
		}
	}
	c.Get("/counter/a").Expect(t, 200)
	if n := len(srv.Requests(state.JournalFilter{Fault: "storm"})); n != 2 {
		t.Fatalf("journal shows %d storm firings, want 2", n)
	}

	set(`{"name":"native","action":{"error":{"code":"77","msg":"injected"}}}`)
	r := c.Do("POST", "/counter/a/inc", nil).Expect(t, 503)
	if m := r.Map(t); m["err"] != "77" || m["msg"] != "injected" {
		t.Fatalf("native error %v", m)
	}

	set(`{"name":"slow","action":{"latency":{"fixed":"30s"}}}`)
	r = c.Get("/counter/a").Expect(t, 200)
	if r.Header.Get("X-Panelsim-Latency") != "30s" || !srv.Now().Equal(panelsimtest.DefaultStart.Add(30*time.Second)) {
		t.Fatalf("latency: header %q, now %s", r.Header.Get("X-Panelsim-Latency"), srv.Now())
	}

	set(`{"name":"fail","match":{"path":"/counter/*/job"},"action":{"fail_task":{"step":"bump","msg":"disk on fire"}}}`)
	c.Do("POST", "/counter/a/job", nil).Expect(t, 202)
	srv.Advance(time.Minute)
	var jobs []counterpanel.Job
	c.Get("/counter-jobs").Expect(t, 200).Decode(t, &jobs)
	if len(jobs) != 1 || jobs[0].Status != "failed" || !strings.Contains(jobs[0].Error, "disk on fire") {
		t.Fatalf("jobs %+v", jobs)
	}

	set(`{"name":"cut","action":{"malformed":true}}`)
	c.SkipValidation = true
	r = c.Get("/counter/b")
	if r.Status != 200 || json.Valid(r.Body) || len(r.Body) == 0 {
		t.Fatalf("malformed answer %d %q", r.Status, r.Body)
	}
	c.SkipValidation = false

	set(`{"name":"hangup","action":{"reset":true}}`)
	if resp, err := http.Get(srv.URL() + "/counter/b"); err == nil {
		resp.Body.Close()
		t.Fatalf("reset answered %d", resp.StatusCode)
	}
	set(`{"name":"nobody","action":{"empty":true}}`)
	if resp, err := http.Get(srv.URL() + "/counter/b"); err == nil {
		rerr := json.NewDecoder(resp.Body).Decode(new(any))
		resp.Body.Close()
		if rerr == nil {
			t.Fatal("empty answer had a body")
		}
	}
	// A faulted request changed nothing.
	if m := c.Do("DELETE", "/_panelsim/faults", nil).Expect(t, 200); m == nil {
		t.Fatal()
	}
	if m := c.Get("/counter/a").Expect(t, 200).Map(t); m["value"] != 1.0 {
		t.Fatalf("a faulted inc changed state: %v", m)
	}
}

func TestRequestsJournal(t *testing.T) {
	_, c := startCounter(t)
	c.Do("POST", "/counter/a/inc", nil).Expect(t, 200)
	c.Get("/counter/nope").Expect(t, 404)
	var all []state.Entry
	c.Get("/_panelsim/requests").Expect(t, 200).Decode(t, &all)
	if len(all) != 2 || all[0].Op != "inc" || all[0].Notes[0] != "bumped a to 2" || all[1].Status != 404 {
		t.Fatalf("journal %+v", all)
	}
	var some []state.Entry
	c.Get("/_panelsim/requests?status=404").Expect(t, 200).Decode(t, &some)
	if len(some) != 1 {
		t.Fatalf("status filter %+v", some)
	}
	c.Get("/_panelsim/requests?path=/counter/a*&limit=1").Expect(t, 200).Decode(t, &some)
	if len(some) != 1 || some[0].Path != "/counter/a/inc" {
		t.Fatalf("path filter %+v", some)
	}
	big := strings.Repeat("x", state.MaxJournalBody+10)
	c.Do("POST", "/counter/big/inc", []byte(big)).Expect(t, 200)
	c.Get("/_panelsim/requests?path=/counter/big/inc").Expect(t, 200).Decode(t, &some)
	if len(some) != 1 || len(some[0].Body) != state.MaxJournalBody || !some[0].BodyTruncated {
		t.Fatalf("a large body was journaled whole (%d bytes)", len(some[0].Body))
	}
	expectCtlError(t, c.Get("/_panelsim/requests?status=abc"), 400, "status")
	expectCtlError(t, c.Get("/_panelsim/requests?limit=0"), 400, "limit")
	c.Do("DELETE", "/_panelsim/requests", nil).Expect(t, 200)
	c.Get("/_panelsim/requests").Decode(t, &all)
	if len(all) != 0 {
		t.Fatalf("journal after delete %+v", all)
	}
}

func TestStateSnapshotRestore(t *testing.T) {
	_, c := startCounter(t)
	c.Do("POST", "/counter/a/inc", nil).Expect(t, 200)
	snap := c.Get("/_panelsim/state").Expect(t, 200).Body
	c.Do("POST", "/counter/a/inc", nil).Expect(t, 200)
	c.Do("PUT", "/_panelsim/state", snap, "Content-Type", "application/json").Expect(t, 200)
	if m := c.Get("/counter/a").Expect(t, 200).Map(t); m["value"] != 2.0 {
		t.Fatalf("restore: %v", m)
	}
	// Into another world.
	c.World("copy").Do("PUT", "/_panelsim/state", snap, "Content-Type", "application/json").Expect(t, 200)
	if m := c.World("copy").Get("/counter/a").Expect(t, 200).Map(t); m["value"] != 2.0 {
		t.Fatalf("restore into copy: %v", m)
	}
	expectCtlError(t, c.Do("PUT", "/_panelsim/state", []byte(`{"seed":0}`), "Content-Type", "application/json"), 400, "/seed")
	expectCtlError(t, c.Do("PUT", "/_panelsim/state", []byte(`not json`), "Content-Type", "application/json"), 400, "body")
	broken := strings.Replace(string(snap), `"counter.job"`, `"ghost.step"`, 1)
	broken = strings.Replace(broken, `"counters":`, `"counters":"x","y":`, 1)
	expectCtlError(t, c.Do("PUT", "/_panelsim/state", []byte(broken), "Content-Type", "application/json"), 400, "/panels/counter/counters")
	if m := c.Get("/counter/a").Expect(t, 200).Map(t); m["value"] != 2.0 {
		t.Fatalf("a refused restore changed the world: %v", m)
	}
}

func TestStateSave(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	srv, err := sim.New(sim.Config{Panels: []sim.Panel{counterpanel.New()}, ScenarioYAML: []byte(counterScenario), StateFile: path, DefaultClock: "manual"})
	if err != nil {
		t.Fatal(err)
	}
	w, _ := srv.Worlds().Get("default")
	_ = w.Do(func(tx *state.Tx) error { tx.State("counter").(*counterpanel.Store).Counters["a"] = 41; return nil })
	if err := srv.SaveState(path); err != nil {
		t.Fatal(err)
	}
	again, err := sim.New(sim.Config{Panels: []sim.Panel{counterpanel.New()}, ScenarioYAML: []byte(counterScenario), DefaultClock: "manual"})
	if err != nil {
		t.Fatal(err)
	}
	if err := again.LoadState(path); err != nil {
		t.Fatal(err)
	}
	w2, _ := again.Worlds().Get("default")
	_ = w2.Do(func(tx *state.Tx) error {
		if v := tx.State("counter").(*counterpanel.Store).Counters["a"]; v != 41 {
			t.Errorf("restored a=%d", v)
		}
		return nil
	})
	if err := again.LoadState(filepath.Join(t.TempDir(), "missing.json")); err != nil {
		t.Fatalf("missing state file: %v", err)
	}
	_ = os.WriteFile(path, []byte("{"), 0o644)
	if err := again.LoadState(path); err == nil {
		t.Fatal("broken state file accepted")
	}
	// Over HTTP, without a configured file: a clear 400.
	_, c := startCounter(t)
	expectCtlError(t, c.Do("POST", "/_panelsim/state/save", nil), 400, "state_file")
}

func TestPanelErrorsAreNative(t *testing.T) {
	_, c := startCounter(t)
	if m := c.Get("/counter/x/unknown/route").Expect(t, 404).Map(t); m["err"] != "404" {
		t.Fatalf("unknown route %v", m)
	}
	if m := c.Get("/counter-panic").Expect(t, 500).Map(t); m["err"] != "500" || !strings.Contains(m["msg"].(string), "boom") {
		t.Fatalf("panic %v", m)
	}
	c.Get("/_panelsim/health").Expect(t, 200) // the process survived
	c.SkipValidation = true
	if m := c.Get("/nowhere").Expect(t, 404).Map(t); !strings.Contains(m["error"].(string), "no panel serves") {
		t.Fatalf("unserved path %v", m)
	}
}

func TestSpecsAreServed(t *testing.T) {
	_, c := startCounter(t)
	r := c.Get("/_panelsim/openapi/control.yaml").Expect(t, 200)
	if !strings.Contains(string(r.Body), "openapi: 3") {
		t.Fatal("control spec not served")
	}
	expectCtlError(t, c.Get("/_panelsim/openapi/nope.yaml"), 404, "file")
	expectCtlError(t, c.Get("/_panelsim/openapi/control.xml"), 404, "file")
	if r := c.Get("/_panelsim/openapi/control.json").Expect(t, 200); !strings.Contains(string(r.Body), `"openapi": "3`) {
		t.Fatal("control spec not served as JSON")
	}
}

func TestNoControl(t *testing.T) {
	srv, err := sim.New(sim.Config{Panels: []sim.Panel{counterpanel.New()}, ScenarioYAML: []byte(counterScenario), NoControl: true})
	if err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]int{"/_panelsim/clock": 404, "/_panelsim/faults": 404, "/_panelsim/health": 200, "/_panelsim/counter/hook": 404} {
		req, _ := http.NewRequest("GET", path, nil)
		rec := &recorder{header: http.Header{}}
		srv.Handler().ServeHTTP(rec, req)
		if rec.status != want {
			t.Errorf("%s answered %d with --no-control, want %d", path, rec.status, want)
		}
	}
}

type recorder struct {
	header http.Header
	status int
}

func (r *recorder) Header() http.Header { return r.header }
func (r *recorder) WriteHeader(s int)   { r.status = s }
func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = 200
	}
	return len(b), nil
}

func TestPanelHooksFollowTheControlPlane(t *testing.T) {
	_, c := startCounter(t)
	c.SkipValidation = true // the toy panel's hook is not in its spec
	if m := c.Get("/_panelsim/counter/hook").Expect(t, 200).Map(t); m["hook"] != "on" {
		t.Fatalf("hook %v", m)
	}
	srv, err := sim.New(sim.Config{Panels: []sim.Panel{counterpanel.New()}, ScenarioYAML: []byte(counterScenario)})
	if err != nil {
		t.Fatal(err)
	}
	h, _ := srv.PanelHandler("counter")
	req, _ := http.NewRequest("GET", "/_panelsim/counter/hook", nil)
	rec := &recorder{header: http.Header{}}
	h.ServeHTTP(rec, req)
	if rec.status != 404 {
		t.Fatalf("a panel's own listener serves its hook: %d", rec.status)
	}
}

func TestASubsetOfPanelsServesTheDefaultScenario(t *testing.T) {
	srv := panelsimtest.RunT(t, panelsimtest.WithPanels(dci6.New()))
	c := simtest.New(t, srv)
	c.JSON("POST", "/api/auth/v4/public/token", map[string]string{"email": "admin@example.com", "password": "secret"}).Expect(t, 201)
	c.SkipValidation = true // IMserver is not served, so its path is no one's
	if r := c.Get("/api?cmd=login&loginUsername=petrov&loginPassword=superpassword"); r.Status != 404 {
		t.Fatalf("an unserved panel answered: %d %s", r.Status, r.Body)
	}
}
