package panelsimtest_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/panelsim/panelsim/panelsimtest"
	"github.com/panelsim/panelsim/state"
)

// Example starts panelsim in-process, moves its virtual clock and injects a
// fault. In a test, use panelsimtest.RunT(t) instead: it stops the server
// when the test ends.
func Example() {
	srv, err := panelsimtest.Run()
	if err != nil {
		panic(err)
	}
	defer srv.Close()

	fmt.Println("starts at", srv.Now().Format(time.RFC3339))
	srv.Advance(15 * time.Minute)
	fmt.Println("after 15m", srv.Now().Format(time.RFC3339))

	// Every panel is under srv.URL(); the control plane too.
	resp, err := http.Get(srv.URL() + "/_panelsim/clock")
	if err != nil {
		panic(err)
	}
	var clock struct{ Now time.Time }
	_ = json.NewDecoder(resp.Body).Decode(&clock)
	resp.Body.Close()
	fmt.Println("control plane says", clock.Now.Format(time.RFC3339))

	// A 503 storm on the DCImanager server list, three requests long.
	err = srv.SetFaults(state.FaultRule{
		Name: "storm", Panel: "dci6",
		Match:  state.FaultMatch{Path: "/api/dci/v3/server*"},
		When:   state.FaultWhen{Times: 3},
		Action: state.FaultAction{Status: 503, Body: "sleeping service"},
	})
	fmt.Println("faults set:", err == nil)
	// Output:
	// starts at 2025-01-01T00:00:00Z
	// after 15m 2025-01-01T00:15:00Z
	// control plane says 2025-01-01T00:15:00Z
	// faults set: true
}

// Worlds are isolated: advancing one leaves the others' clocks alone.
func ExampleServer_World() {
	srv, err := panelsimtest.Run()
	if err != nil {
		panic(err)
	}
	defer srv.Close()

	blue := srv.World("blue")
	blue.Advance(time.Hour)
	fmt.Println(blue.Name(), blue.Now().Format(time.RFC3339), blue.URL() == srv.URL()+"/_w/blue")
	fmt.Println("default", srv.Now().Format(time.RFC3339))
	// Output:
	// blue 2025-01-01T01:00:00Z true
	// default 2025-01-01T00:00:00Z
}
