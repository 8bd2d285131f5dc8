package main

import (
	"os"
	"path/filepath"
	"regexp"
	"testing"
)

// --coverage-out writes the summary on shutdown.
func TestCoverageOutIsWrittenOnShutdown(t *testing.T) {
	path := filepath.Join(t.TempDir(), "coverage.txt")
	addr, _, stop := start(t, nil, "--addr", "127.0.0.1:0", "--clock", "manual", "--coverage-out", path)
	if status, _ := get(t, "http://"+addr+"/api/dci/v3/server"); status != 401 {
		t.Fatalf("status %d", status)
	}
	if code := stop(); code != 0 {
		t.Fatalf("exit %d", code)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("no coverage written on shutdown: %v", err)
	}
	if !regexp.MustCompile(`^dci6: 1/\d+ operations, 1/\d+ error codes`).Match(data) {
		t.Fatalf("coverage summary:\n%s", data)
	}
}
