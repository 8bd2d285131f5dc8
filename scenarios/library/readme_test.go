package library_test

import (
	"testing"

	"github.com/panelsim/panelsim/internal/simtest"
	"github.com/panelsim/panelsim/panelsimtest"
)

// The README of this directory shows how a test loads a story; this is
// that line, compiled and run from the repository root, where its path
// points.
func TestReadmeLoadsAStoryByItsPath(t *testing.T) {
	t.Chdir("../..")
	srv := panelsimtest.RunT(t, panelsimtest.WithScenarioFile("scenarios/library/dci6-503-storm.yaml"))
	c := simtest.New(t, srv)
	tok := dciLogin(t, c, "admin@example.com")
	dci(c, "GET", "/api/dci/v3/server", "", tok).Expect(t, 503)
}
