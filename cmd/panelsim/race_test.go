//go:build race

package main

// raceEnabled says the tests run under the race detector, so the soak
// also runs a race-built child.
const raceEnabled = true
