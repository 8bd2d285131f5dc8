package dbc_test

import (
	"os"
	"regexp"
	"testing"

	"github.com/panelsim/panelsim/panelsimtest"
)

// The example block of scenarios/dbc.md must load as it is written.
func TestScenarioDocExampleLoads(t *testing.T) {
	doc, err := os.ReadFile("../../scenarios/dbc.md")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile("(?s)```yaml\n(dbc:.*?)```").FindSubmatch(doc)
	if m == nil {
		t.Fatal("no dbc: yaml block in scenarios/dbc.md")
	}
	block := string(m[1])
	e := newEnv(t, panelsimtest.WithScenarioYAML("seed: 3\n"+block))
	var tasks []map[string]any
	e.post(t, "/api/v1/tasks", alice(t, node1, nil)).expect(t, 200, 0).decode(t, &tasks)
	if len(tasks) != 1 || tasks[0]["task_id"] != "billingVm0000000000001" || tasks[0]["status"] != "running" {
		t.Fatalf("seeded tasks %v", tasks)
	}
}
