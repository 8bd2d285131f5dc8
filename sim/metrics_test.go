package sim_test

import (
	"bufio"
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/panelsim/panelsim/internal/simtest"
	"github.com/panelsim/panelsim/panelsimtest"
	"github.com/panelsim/panelsim/scenarios"
)

// scrape reads /_panelsim/metrics into name{labels} -> value text.
func scrape(t *testing.T, c *simtest.Client) map[string]string {
	t.Helper()
	r := c.Get("/_panelsim/metrics").Expect(t, 200)
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
		t.Fatalf("content type %q", ct)
	}
	out := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(r.Body))
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line[0] == '#' {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		out[line[:i]] = line[i+1:]
	}
	return out
}

func TestMetricsCountRequestsWorldsStepsJournalAndHistoryExactly(t *testing.T) {
	wall := &handWall{now: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)}
	yaml := string(scenarios.DefaultYAML()) + "\nhistory: {dci6: 2}\n"
	srv := panelsimtest.RunT(t, panelsimtest.WithScenarioYAML(yaml), panelsimtest.WithWorldLimits(3, time.Minute), panelsimtest.WithWallClock(wall.read))
	c := simtest.New(t, srv)

	var tok struct{ Token string }
	c.JSON("POST", "/api/auth/v4/public/token", map[string]string{"email": "admin@example.com", "password": "secret"}).Expect(t, 201).Decode(t, &tok)
	for range 3 {
		c.JSON("POST", "/api/dci/v3/server/4/power_off", `{}`, "x-xsrf-token", tok.Token).Expect(t, 200)
		srv.Advance(time.Minute)
	}
	c.JSON("POST", "/api/dci/v3/server/4/power_on", `{}`, "x-xsrf-token", tok.Token).Expect(t, 200) // pending
	c.Get("/api/dci/v3/server").Expect(t, 401)
	c.Get("/api/dci/v3/server").Expect(t, 401)
	c.World("a").Get("/api?cmd=get_servers&sess=nope").Expect(t, 200)
	c.World("b").Get("/_panelsim/clock").Expect(t, 200)
	c.World("c").Get("/api/dci/v3/server").Expect(t, 503) // full, nothing idle
	wall.move(2 * time.Minute)
	c.World("c").Get("/ispmgr?func=nosuch&out=xml").Expect(t, 200) // evicts a

	m := scrape(t, c)
	want := map[string]string{
		`panelsim_requests_total{panel="dci6",status="201"}`:     "1",
		`panelsim_requests_total{panel="dci6",status="200"}`:     "4",
		`panelsim_requests_total{panel="dci6",status="401"}`:     "2",
		`panelsim_requests_total{panel="dci6",status="503"}`:     "1",
		`panelsim_requests_total{panel="imserver",status="200"}`: "1",
		`panelsim_requests_total{panel="ispmgr",status="200"}`:   "1",
		`panelsim_request_duration_seconds_count{panel="dci6"}`:  "8",
		`panelsim_request_duration_seconds_count{panel="dbc"}`:   "0",
		`panelsim_worlds`:                              "3",
		`panelsim_worlds_max`:                          "3",
		`panelsim_world_evictions_total`:               "1",
		`panelsim_pending_steps`:                       "1",
		`panelsim_journal_entries`:                     "8",
		`panelsim_history_entries{panel="dci6"}`:       "2",
		`panelsim_history_dropped_total{panel="dci6"}`: "1",
		`panelsim_history_entries{panel="imserver"}`:   "0",
	}
	for k, v := range want {
		if m[k] != v {
			t.Errorf("%s = %q, want %s", k, m[k], v)
		}
	}
	if _, ok := m["go_goroutines"]; !ok {
		t.Error("no Go runtime metrics")
	}
}
