package sim_test

import (
	"bytes"
	"testing"

	"github.com/panelsim/panelsim/internal/simtest"
	"github.com/panelsim/panelsim/state"
)

// TestReplayGivesIdenticalBytes drives a world, then replays its journal
// twice against fresh servers: every answer must match byte for byte.
func TestReplayGivesIdenticalBytes(t *testing.T) {
	srv, c := startCounter(t)
	c.Do("POST", "/counter/a/inc", nil)
	c.Get("/counter-name")
	c.Do("POST", "/counter/q/job", nil)
	c.Get("/counter/zz")
	c.Get("/counter-name")
	c.Get("/counter-jobs")
	entries := srv.Requests(state.JournalFilter{})
	if len(entries) != 6 {
		t.Fatalf("journal has %d entries", len(entries))
	}
	run := func() []*simtest.Response {
		_, fresh := startCounter(t)
		return fresh.Replay(entries)
	}
	a, b := run(), run()
	for i := range a {
		if a[i].Status != b[i].Status || !bytes.Equal(a[i].Body, b[i].Body) {
			t.Fatalf("request %d (%s %s) differs:\n%s\n%s", i, entries[i].Method, entries[i].Path, a[i].Body, b[i].Body)
		}
	}
	if bytes.Equal(a[1].Body, a[4].Body) {
		t.Fatal("two generated names are equal: the faker is not advancing")
	}
}
