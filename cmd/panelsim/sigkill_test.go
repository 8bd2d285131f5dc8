package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// panelsimBinary builds panelsim into a temp dir of the test, without
// the race detector: the child must start in milliseconds, 50 times.
func panelsimBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "panelsim")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v: %s", err, out)
	}
	return bin
}

// child is a panelsim process serving with a state file.
type child struct {
	cmd  *exec.Cmd
	base string
}

func startChild(t *testing.T, bin, stateFile string) *child {
	t.Helper()
	cmd := exec.Command(bin, "--addr", "127.0.0.1:0", "--clock", "manual", "--state-file", stateFile)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	base, _ := readBanner(t, cmd, stdout, discard{}, &stderr)
	return &child{cmd: cmd, base: base}
}

// readBanner reads the banner a started panelsim prints (the base URL on
// its first line, down to the control plane's line), then copies the rest
// of its stdout to rest in the background; a child that exits first fails
// the test with what it wrote to stderr.
func readBanner(t *testing.T, cmd *exec.Cmd, stdout io.Reader, rest io.Writer, stderr fmt.Stringer) (base string, banner []string) {
	t.Helper()
	r := bufio.NewReader(stdout)
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			_ = cmd.Wait()
			t.Fatalf("panelsim did not start: %v; banner %q; stderr: %s", err, banner, stderr.String())
		}
		banner = append(banner, line)
		if f := strings.Fields(line); len(f) > 0 && f[0] == "control" {
			break
		}
	}
	// "panelsim dev on http://127.0.0.1:PORT (scenario ...".
	_, after, _ := strings.Cut(banner[0], " on ")
	base, _, _ = strings.Cut(after, " ")
	go func() { _, _ = r.WriteTo(rest) }()
	return base, banner
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

func (c *child) post(t *testing.T, path, body string) *http.Response {
	t.Helper()
	resp, err := http.Post(c.base+path, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatalf("POST %s: %v", path, err)
	}
	return resp
}

func (c *child) now(t *testing.T) time.Time {
	t.Helper()
	resp, err := http.Get(c.base + "/_panelsim/clock")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var v struct {
		Now time.Time `json:"now"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&v); err != nil {
		t.Fatal(err)
	}
	return v.Now
}

// A process killed (SIGKILL) at a random point of repeated saves restarts
// with either the state of the last finished save or that of the one under
// way, never a broken or empty file, and leaves no temp files behind.
func TestStateFileSurvivesSIGKILLDuringSaves(t *testing.T) {
	if testing.Short() {
		t.Skip("starts and kills panelsim 50 times")
	}
	bin := panelsimBinary(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "state.json")
	rng := rand.New(rand.NewPCG(16, 16))
	start := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	acked := []time.Time{start} // the clock of the last finished save (or the start)
	for round := range 50 {
		c := startChild(t, bin, path)
		got := c.now(t)
		if !got.Equal(acked[0]) && (len(acked) < 2 || !got.Equal(acked[1])) {
			c.cmd.Process.Kill()
			t.Fatalf("round %d: restarted at %s, want one of %v", round, got, acked)
		}
		if orphans, _ := filepath.Glob(filepath.Join(dir, ".state.json.tmp*")); len(orphans) > 0 {
			t.Errorf("round %d: temp files left: %v", round, orphans)
		}
		for range 1 + rng.IntN(4) {
			c.post(t, "/_panelsim/clock/advance", `{"by":"1m"}`).Body.Close()
			if resp := c.post(t, "/_panelsim/state/save", ""); resp.StatusCode != http.StatusOK {
				t.Fatalf("round %d: save answered %d", round, resp.StatusCode)
			}
		}
		saved := c.now(t)
		c.post(t, "/_panelsim/clock/advance", `{"by":"1m"}`).Body.Close()
		// The kill lands wherever the save has got to when the request is
		// out: before it, in the middle of writing, or after the rename.
		done := make(chan struct{})
		go func() {
			defer close(done)
			if resp, err := http.Post(c.base+"/_panelsim/state/save", "application/json", nil); err == nil {
				resp.Body.Close()
			}
		}()
		for range rng.IntN(2000) {
			_ = syscall.Getpid()
		}
		_ = c.cmd.Process.Kill()
		_ = c.cmd.Wait()
		<-done
		acked = []time.Time{saved, saved.Add(time.Minute)}
	}
	// A start that finds the file whole goes on serving it.
	c := startChild(t, bin, path)
	defer func() { c.cmd.Process.Signal(os.Interrupt); c.cmd.Wait() }()
	if got := c.now(t); !got.Equal(acked[0]) && !got.Equal(acked[1]) {
		t.Fatalf("final restart at %s, want one of %v", got, acked)
	}
}

// A state file that cannot be read whole stops the start with its path
// and the reason; the file is left as it was (no save overwrites it).
func TestCorruptStateFileStopsTheStart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	broken := []byte(`{"worlds":{"default":{"seed":1,`)
	if err := os.WriteFile(path, broken, 0o600); err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	code := run(context.Background(), []string{"--addr", "127.0.0.1:0", "--state-file", path}, func(string) string { return "" }, &out, &out, nil)
	if code != 2 { // a file the user named that cannot be used, like a bad flag
		t.Fatalf("exit %d with a truncated state file: %s", code, out.String())
	}
	if !strings.Contains(out.String(), path) || !strings.Contains(out.String(), "unexpected EOF") {
		t.Errorf("exit message lacks the path or the reason: %s", out.String())
	}
	if after, _ := os.ReadFile(path); string(after) != string(broken) {
		t.Errorf("the file was changed: %s", after)
	}
}
