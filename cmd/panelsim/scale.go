package main

import (
	"bufio"
	"errors"
	"net/http"
	"net/http/pprof"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
	"time"
)

// scale is how many worlds the process holds and how it is observed.
type scale struct {
	maxWorlds     int
	journalMemory int64
	worldIdleTTL  time.Duration
	pprof         string
}

// worldBudget is what --max-worlds auto reckons a world costs: a fresh
// world is ~50 KB; one a CI job has worked with holds its journal and
// history too.
const worldBudget = 512 << 10

const autoMaxWorldsHelp = "half the memory the process may use (cgroup limit or RAM) at 512 KiB a world, 100 to 1000000"

// setMaxWorlds reads --max-worlds: a positive number or auto.
func (s *scale) setMaxWorlds(v string) error {
	n, err := memorySized(v, 1, func(mem uint64) int64 { return int64(autoMaxWorlds(mem)) }, "want a positive number or auto")
	s.maxWorlds = int(n)
	return err
}

const autoJournalMemoryHelp = "a quarter of the memory the process may use, at least 64 MiB"

// setJournalMemory reads --journal-memory: bytes (0: no bound) or auto.
func (s *scale) setJournalMemory(v string) error {
	n, err := memorySized(v, 0, autoJournalMemory, "want a number of bytes (0: no bound) or auto")
	s.journalMemory = n
	return err
}

// memorySized reads a flag that is a number of at least least, or auto:
// auto's reckoning from the memory the process may use; want is the error.
func memorySized(v string, least int64, auto func(mem uint64) int64, want string) (int64, error) {
	if v == "auto" {
		return auto(machineMemory()), nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < least {
		return 0, errors.New(want)
	}
	return n, nil
}

// autoJournalMemory sizes what the journals may hold together to the
// memory (bytes; 0 if unknown): with --max-worlds auto taking half for the
// worlds themselves, requests journaled in any number of worlds leave a
// quarter for the rest.
func autoJournalMemory(mem uint64) int64 {
	if mem == 0 {
		return 1 << 30
	}
	return int64(max(mem/4, 64<<20))
}

// autoMaxWorlds sizes the world cap to the memory (bytes; 0 if unknown).
func autoMaxWorlds(mem uint64) int {
	if mem == 0 {
		return 10000
	}
	return int(min(max(mem/2/worldBudget, 100), 1000000))
}

// machineMemory is the memory this process may use: the cgroup's limit
// (v2, then v1) if one is set, else the machine's RAM; 0 if unknown.
func machineMemory() uint64 {
	mem := memTotal()
	for _, f := range []string{"/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"} {
		if data, err := os.ReadFile(f); err == nil {
			if n, err := strconv.ParseUint(strings.TrimSpace(string(data)), 10, 64); err == nil && n > 0 && (mem == 0 || n < mem) {
				mem = n
			}
		}
	}
	return mem
}

func memTotal() uint64 {
	f, err := os.Open("/proc/meminfo")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "MemTotal:"); ok {
			kb, err := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			if err == nil {
				return kb << 10
			}
		}
	}
	return 0
}

// pprofHandler serves net/http/pprof's profiles on their own listener
// (--pprof), never on the panels' port, and POST /debug/free-os-memory,
// which runs a GC and returns every free page to the OS
// (debug.FreeOSMemory), so the process's RSS can be read without the
// pages the runtime keeps for later (the soak test compares two).
func pprofHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /debug/free-os-memory", func(w http.ResponseWriter, _ *http.Request) {
		debug.FreeOSMemory()
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	return mux
}
