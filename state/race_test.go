//go:build race

package state

// raceEnabled says the tests run under the race detector, whose
// instrumentation allocates: the allocation counts are not checked then.
const raceEnabled = true
