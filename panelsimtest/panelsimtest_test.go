package panelsimtest_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/panelsim/panelsim/panelsimtest"
	"github.com/panelsim/panelsim/state"
)

// fakeT records what RunT asks of its test.
type fakeT struct {
	cleanups []func()
	failed   string
}

func (f *fakeT) Helper()                        {}
func (f *fakeT) Cleanup(fn func())              { f.cleanups = append(f.cleanups, fn) }
func (f *fakeT) Fatalf(format string, a ...any) { f.failed = format }

func TestRunTStopsAtCleanup(t *testing.T) {
	ft := &fakeT{}
	srv := panelsimtest.RunT(ft)
	resp, err := http.Get(srv.URL() + "/_panelsim/health")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("not serving: %v", err)
	}
	resp.Body.Close()
	if len(ft.cleanups) != 1 {
		t.Fatalf("%d cleanups registered", len(ft.cleanups))
	}
	ft.cleanups[0]()
	if _, err := http.Get(srv.URL() + "/_panelsim/health"); err == nil {
		t.Fatal("still serving after cleanup")
	}
}

func TestRunTFailsOnABadScenario(t *testing.T) {
	ft := &fakeT{}
	if srv := panelsimtest.RunT(ft, panelsimtest.WithScenarioYAML("seed: 0\n")); srv != nil || ft.failed == "" {
		t.Fatal("a bad scenario did not fail the test")
	}
}

func TestWorldHandles(t *testing.T) {
	srv := panelsimtest.RunT(t, panelsimtest.WithStart(time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)))
	blue := srv.World("blue")
	blue.Advance(time.Hour)
	if !srv.Now().Equal(time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)) || !blue.Now().Equal(time.Date(2030, 1, 1, 1, 0, 0, 0, time.UTC)) {
		t.Fatalf("default %s blue %s", srv.Now(), blue.Now())
	}
	if blue.URL() != srv.URL()+"/_w/blue" {
		t.Fatalf("world url %s", blue.URL())
	}
	if err := blue.SetFaults(state.FaultRule{Name: "x", Panel: "nope", Action: state.FaultAction{Reset: true}}); err == nil {
		t.Fatal("bad rule accepted")
	}
	resp, _ := http.Get(blue.URL() + "/_panelsim/clock")
	resp.Body.Close()
	if n := len(blue.Requests(state.JournalFilter{})); n != 0 {
		t.Fatalf("control requests journaled: %d", n)
	}
	blue.Reset()
	if !blue.Now().Equal(time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("reset: %s", blue.Now())
	}
}

func TestTheScenarioStartWinsUnlessWithStart(t *testing.T) {
	yaml := "seed: 5\nstart: 2031-03-04T05:06:07Z\n"
	if now := panelsimtest.RunT(t, panelsimtest.WithScenarioYAML(yaml)).Now(); !now.Equal(time.Date(2031, 3, 4, 5, 6, 7, 0, time.UTC)) {
		t.Fatalf("scenario start ignored: %s", now)
	}
	at := time.Date(2040, 1, 1, 0, 0, 0, 0, time.UTC)
	if now := panelsimtest.RunT(t, panelsimtest.WithScenarioYAML(yaml), panelsimtest.WithStart(at)).Now(); !now.Equal(at) {
		t.Fatalf("WithStart ignored: %s", now)
	}
	if now := panelsimtest.RunT(t).Now(); !now.Equal(panelsimtest.DefaultStart) {
		t.Fatalf("default start %s", now)
	}
}
