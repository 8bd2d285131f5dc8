package panelsimtc_test

import (
	"context"
	"fmt"
	"log"
	"net/http"
	"time"

	"github.com/testcontainers/testcontainers-go"

	"github.com/panelsim/panelsim/panelsimtc"
	"github.com/panelsim/panelsim/state"
)

// Run panelsim from a locally built image, point a client at one panel,
// break that panel on purpose and move the virtual clock. Without an
// `// Output:` comment the example is compiled, not run, so it needs no
// Docker engine; in a test, call testcontainers.CleanupContainer(t, ctr)
// right after Run instead of the deferred TerminateContainer.
func ExampleRun() {
	ctx := context.Background()

	ctr, err := panelsimtc.Run(ctx, "panelsim:dev",
		panelsimtc.WithScenario("testdata/billing.yaml"),
		panelsimtc.WithSeed(42),
		panelsimtc.WithStart(time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)),
	)
	defer func() {
		// Run returns the container even when it fails after creating it.
		if err := testcontainers.TerminateContainer(ctr); err != nil {
			log.Printf("terminate: %v", err)
		}
	}()
	if err != nil {
		log.Printf("run panelsim: %v", err)
		return
	}

	// Each parallel test gets its own world in the one container.
	w, err := ctr.NewWorld(ctx, "invoice-run")
	if err != nil {
		log.Print(err)
		return
	}
	mgr, err := w.PanelURL(ctx, "ispmgr") // http://127.0.0.1:PORT/_w/invoice-run/ispmgr
	if err != nil {
		log.Print(err)
		return
	}

	// The first two requests to mgr5 meet a "sleeping service" 503.
	err = w.SetFaults(ctx, state.FaultRule{
		Name:   "mgr-down",
		Panel:  "ispmgr",
		When:   state.FaultWhen{Times: 2},
		Action: state.FaultAction{Status: http.StatusServiceUnavailable, Body: "sleeping"},
	})
	if err != nil {
		log.Print(err)
		return
	}

	// ... run the billing system's client against mgr here ...
	_ = mgr

	// Sessions expire after an idle hour of virtual time: no sleeping.
	if _, err := w.Advance(ctx, 61*time.Minute); err != nil {
		log.Print(err)
		return
	}

	// What did the client actually send, and which requests hit the fault?
	hit, err := w.Requests(ctx, state.JournalFilter{Panel: "ispmgr", Fault: "mgr-down"})
	if err != nil {
		log.Print(err)
		return
	}
	fmt.Println(len(hit), "requests met the fault")
}

// A world forked from another starts as a copy of its current state and
// then lives its own life: a suite prepares one world (an account, a
// server halfway through an install) and forks it for each test case.
// Compiled, not run: it needs a running container.
func ExampleWorld_Fork() {
	ctx := context.Background()

	ctr, err := panelsimtc.Run(ctx, "panelsim:dev")
	defer func() {
		if err := testcontainers.TerminateContainer(ctr); err != nil {
			log.Printf("terminate: %v", err)
		}
	}()
	if err != nil {
		log.Printf("run panelsim: %v", err)
		return
	}

	base := ctr.World("prepared")
	if _, err := base.Advance(ctx, 10*time.Minute); err != nil {
		log.Print(err)
		return
	}
	tc, err := base.Fork(ctx, "case-1")
	if err != nil {
		log.Print(err)
		return
	}
	defer func() {
		if err := tc.Delete(ctx); err != nil {
			log.Print(err)
		}
	}()

	// The fork has the prepared world's clock; moving it leaves base alone.
	if _, err := tc.Advance(ctx, time.Hour); err != nil {
		log.Print(err)
		return
	}
	baseNow, _ := base.Now(ctx)
	forkNow, _ := tc.Now(ctx)
	fmt.Println(forkNow.Sub(baseNow))

	// Back to the scenario's start, and an empty journal.
	if err := tc.Reset(ctx); err != nil {
		log.Print(err)
	}
	if err := tc.ClearRequests(ctx); err != nil {
		log.Print(err)
	}
}
