package dci6

import (
	"testing"

	"github.com/panelsim/panelsim/state"
)

// TestSharedEmptyStatusInfoStaysEmpty: views without a status share one
// empty map, so no view may write into it. Servers running, done with and
// failed in an operation, and listed with their addresses, leave it empty.
func TestSharedEmptyStatusInfoStaysEmpty(t *testing.T) {
	w := newWorld(t, nil)
	lq := ListQuery{Limit: "0,1000"}
	l := do(t, w, func(tx *state.Tx) (ListView[ServerView], error) { return ListServers(tx, admin, lq) })
	for _, sv := range l.List {
		_ = w.Do(func(tx *state.Tx) error { _, err := Diagnose(tx, sv.ID, DiagRequest{}); return err })
	}
	_ = do(t, w, func(tx *state.Tx) (ListView[ServerView], error) { return ListServers(tx, admin, lq) })
	if len(noStatusInfo) != 0 {
		t.Fatalf("the shared empty status_info holds %v", noStatusInfo)
	}
}
