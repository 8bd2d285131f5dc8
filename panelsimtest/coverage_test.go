package panelsimtest_test

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/panelsim/panelsim/panelsimtest"
	"github.com/panelsim/panelsim/sim"
)

// Two servers writing to one path leave the sum of both in the file, and
// a second Close does not count twice.
func TestWithCoverageReportSumsTheServersOfTheBinary(t *testing.T) {
	path := filepath.Join(t.TempDir(), "coverage.json")
	for range 2 {
		srv, err := panelsimtest.Run(panelsimtest.WithCoverageReport(path))
		if err != nil {
			t.Fatal(err)
		}
		resp, err := http.Get(srv.URL() + "/api/dci/v3/server")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		srv.Close()
		srv.Close()
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var rep sim.CoverageReport
	if err := json.Unmarshal(data, &rep); err != nil {
		t.Fatal(err)
	}
	dci, _ := rep.Panel("dci6")
	if n := dci.Operations.Count("/api/dci/v3/server"); n != 2 {
		t.Fatalf("the report counts %d calls, want 2:\n%s", n, data)
	}
	if n := dci.Codes.Count("3001"); n != 2 {
		t.Fatalf("the report counts code 3001 %d times, want 2", n)
	}
}

func TestWorldCoverageIsThatWorldAlone(t *testing.T) {
	srv := panelsimtest.RunT(t)
	for _, w := range []string{"a", "a", "b"} {
		resp, err := http.Get(srv.World(w).URL() + "/api/dci/v3/server")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	a, _ := srv.World("a").Coverage().Panel("dci6")
	all, _ := srv.Coverage().Panel("dci6")
	if a.Operations.Count("/api/dci/v3/server") != 2 || all.Operations.Count("/api/dci/v3/server") != 3 {
		t.Fatalf("world a %d, merged %d; want 2 and 3", a.Operations.Count("/api/dci/v3/server"), all.Operations.Count("/api/dci/v3/server"))
	}
}
