//go:build race

package main

// raceEnabled says the tests run under the race detector, so the binaries
// they build for child processes should too.
const raceEnabled = true
