package imserver_test

import (
	"os"
	"testing"

	"github.com/panelsim/panelsim/state"
)

// TestMain renders every kept answer again when it is used (a stale one
// panics the test): see state.Memo.
func TestMain(m *testing.M) {
	state.VerifyMemos.Store(true)
	os.Exit(m.Run())
}
