package simtest

import (
	"net/http"
	"testing"

	"github.com/panelsim/panelsim/panelsimtest"
	"github.com/panelsim/panelsim/state"
)

// A journal that opens with a world's recreation after eviction replays as
// the requests it holds: the note is not sent (it has no method or path).
func TestReplaySkipsEntriesThatAreNoRequest(t *testing.T) {
	srv := panelsimtest.RunT(t)
	c := New(t, srv)
	entries := []state.Entry{
		{Op: state.OpRecreated, Notes: []string{"recreated"}},
		{Method: http.MethodGet, Path: "/_panelsim/health"},
	}
	got := c.Replay(entries)
	if len(got) != 1 {
		t.Fatalf("%d answers, want 1 (only the request)", len(got))
	}
	got[0].Expect(t, http.StatusOK)
}
