package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
)

func TestMaxWorldsRefusesANewWorldWhenNothingMayBeEvicted(t *testing.T) {
	addr, _, stop := start(t, nil, "--addr", "127.0.0.1:0", "--max-worlds", "2", "--world-idle-ttl", "0")
	defer stop()
	if code, _ := get(t, "http://"+addr+"/_w/a/_panelsim/clock"); code != 200 {
		t.Fatalf("world a: %d", code)
	}
	code, body := get(t, "http://"+addr+"/_w/b/api/dci/v3/server")
	if code != 503 || !strings.Contains(body, "maximum of 2 worlds") || !strings.Contains(body, `"code"`) {
		t.Fatalf("world b past the cap: %d %s", code, body)
	}
}

func TestScaleFlags(t *testing.T) {
	for _, args := range [][]string{
		{"--max-worlds", "0"}, {"--max-worlds", "many"}, {"--world-idle-ttl", "-1s"}, {"--world-idle-ttl", "soon"},
		{"--journal-memory", "-1"}, {"--journal-memory", "lots"},
	} {
		var out bytes.Buffer
		if code := run(context.Background(), args, func(string) string { return "" }, &out, &out, nil); code != 2 || !strings.Contains(out.String(), args[0]) {
			t.Errorf("%v: exit %d, %s", args, code, out.String())
		}
	}
	o, err := parseFlags(nil, func(k string) string {
		return map[string]string{"PANELSIM_MAX_WORLDS": "7", "PANELSIM_WORLD_IDLE_TTL": "1h", "PANELSIM_JOURNAL_MEMORY": "1000"}[k]
	}, io.Discard)
	if err != nil || o.maxWorlds != 7 || o.worldIdleTTL.String() != "1h0m0s" || o.journalMemory != 1000 {
		t.Fatalf("from the environment: %+v, %v", o, err)
	}
	o, err = parseFlags(nil, func(string) string { return "" }, io.Discard)
	if err != nil || o.maxWorlds != autoMaxWorlds(machineMemory()) || o.worldIdleTTL.String() != "15m0s" || o.journalMemory != autoJournalMemory(machineMemory()) {
		t.Fatalf("defaults: %+v, %v", o, err)
	}
}

func TestAutoMaxWorldsFollowsTheMemory(t *testing.T) {
	for mem, want := range map[uint64]int{0: 10000, 1 << 30: 1024, 16 << 30: 16384, 10 << 20: 100, 1 << 50: 1000000} {
		if got := autoMaxWorlds(mem); got != want {
			t.Errorf("%d bytes: %d worlds, want %d", mem, got, want)
		}
	}
}

func TestAutoJournalMemoryFollowsTheMemory(t *testing.T) {
	for mem, want := range map[uint64]int64{0: 1 << 30, 1 << 30: 256 << 20, 16 << 30: 4 << 30, 10 << 20: 64 << 20} {
		if got := autoJournalMemory(mem); got != want {
			t.Errorf("%d bytes: %d for journals, want %d", mem, got, want)
		}
	}
}

func TestPprofServesProfilesOnItsOwnListener(t *testing.T) {
	_, out, stop := start(t, nil, "--addr", "127.0.0.1:0", "--pprof", "127.0.0.1:0")
	defer stop()
	base := ""
	for _, l := range strings.Split(out.String(), "\n") {
		if f := strings.Fields(l); len(f) > 1 && f[0] == "pprof" {
			base = f[1]
		}
	}
	if base == "" {
		t.Fatalf("no pprof listener in the banner:\n%s", out.String())
	}
	resp, err := http.Get(base + "/debug/pprof/goroutine?debug=1")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || !strings.Contains(string(b), "goroutine profile") {
		t.Fatalf("pprof: %d %.200s", resp.StatusCode, b)
	}
	free, err := http.Post(base+"/debug/free-os-memory", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	free.Body.Close()
	if free.StatusCode != http.StatusNoContent {
		t.Fatalf("free-os-memory: %d", free.StatusCode)
	}
}
