package panelsimtest_test

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/panelsim/panelsim/panelsimtest"
)

// Example_coverage asserts that the suite exercised every DCImanager error
// code the billing code handles: a handled code never seen in a test is a
// branch the suite never ran. In a test, use RunT and t.Errorf.
func Example_coverage() {
	srv, err := panelsimtest.Run()
	if err != nil {
		panic(err)
	}
	defer srv.Close()

	// The suite under test: a wrong password, a call without a token, an
	// unknown server.
	post := func(path, body string) {
		resp, _ := http.Post(srv.URL()+path, "application/json", strings.NewReader(body))
		resp.Body.Close()
	}
	post("/api/auth/v4/public/token", `{"email":"admin@example.com","password":"nope"}`)
	post("/api/dci/v3/server/1/power_on", ``)

	// The codes the billing code has a branch for.
	handled := []string{"3001", "3002", "3080"}
	dci, _ := srv.Coverage().Panel("dci6")
	for _, code := range handled {
		if dci.Codes.Count(code) == 0 {
			fmt.Println("never exercised: DCI error", code)
		}
	}
	fmt.Println(dci.Operations.Covered, "DCI operations exercised")
	// For a CI log, srv.Coverage().Summary() is one line per panel:
	// "dci6: 2/39 operations, 2/15 error codes, 0/40 task states, 0/4 auth paths".

	// Output:
	// never exercised: DCI error 3080
	// 2 DCI operations exercised
}
