package sim_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/panelsim/panelsim/internal/simtest"
	"github.com/panelsim/panelsim/panelsimtest"
	"github.com/panelsim/panelsim/scenarios"
)

// TestFinishedTasksAreKeptUpToTheHistoryBound: a scenario's history: keeps
// exactly that many finished tasks per panel (the newest), whatever the
// number of actions; running ones are never dropped.
func TestFinishedTasksAreKeptUpToTheHistoryBound(t *testing.T) {
	yaml := string(scenarios.DefaultYAML()) + "\nhistory: {dci6: 3, imserver: 2}\n"
	srv := panelsimtest.RunT(t, panelsimtest.WithScenarioYAML(yaml))
	c := simtest.New(t, srv)

	var tok struct{ Token string }
	c.JSON("POST", "/api/auth/v4/public/token", map[string]string{"email": "admin@example.com", "password": "secret"}).Expect(t, 201).Decode(t, &tok)
	for i := range 6 {
		action := []string{"power_off", "power_on"}[i%2]
		c.JSON("POST", "/api/dci/v3/server/4/"+action, `{}`, "x-xsrf-token", tok.Token).Expect(t, 200)
		srv.Advance(time.Minute)
	}
	c.JSON("POST", "/api/dci/v3/server/4/power_off", `{}`, "x-xsrf-token", tok.Token).Expect(t, 200)
	var tasks struct {
		List []struct {
			ID     int64  `json:"id"`
			Status string `json:"status"`
		} `json:"list"`
	}
	c.Get("/api/dci/v3/task", "x-xsrf-token", tok.Token).Expect(t, 200).Decode(t, &tasks)
	var got []string
	for _, tk := range tasks.List {
		got = append(got, fmt.Sprintf("%d:%s", tk.ID, tk.Status))
	}
	// Six finished (ids 1-6, the oldest three forgotten) and one running.
	if want := "4:complete 5:complete 6:complete 7:running"; strings.Join(slices.Sorted(slices.Values(got)), " ") != want {
		t.Fatalf("dci6 tasks %v, want %s", got, want)
	}
	c.Get("/api/dci/v3/task/1", "x-xsrf-token", tok.Token).Expect(t, 404)

	var login struct{ Sess string }
	c.Get("/api?cmd=login&loginUsername=petrov&loginPassword=superpassword").Expect(t, 200).Decode(t, &login)
	for i := range 4 {
		cmd := []string{"stop_server", "run_server"}[i%2]
		c.Get("/api?cmd="+cmd+"&id=333&sess="+login.Sess).Expect(t, 200)
		srv.Advance(time.Hour)
	}
	var logs struct {
		Data []struct {
			ID int64 `json:"id"`
		} `json:"data"`
	}
	c.Get("/api?cmd=get_logs&sess="+login.Sess).Expect(t, 200).Decode(t, &logs)
	if len(logs.Data) != 2 {
		t.Fatalf("imserver keeps %d finished tasks, want 2: %+v", len(logs.Data), logs.Data)
	}
}

func TestHistoryMustNameAPanelAndASaneBound(t *testing.T) {
	for _, bad := range []string{"history: {whmcs: 3}", "history: {dci6: -1}", "history: {dci6: 2000000}", "history: 5"} {
		_, err := panelsimtest.Run(panelsimtest.WithScenarioYAML(bad + "\n"))
		if err == nil || !strings.Contains(err.Error(), "history") {
			t.Errorf("%s: %v", bad, err)
		}
	}
}
