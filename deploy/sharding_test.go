// Package deploy_test runs the shipped deployment files for real: three
// panelsim processes behind Debian's haproxy with deploy/haproxy/haproxy.cfg.
package deploy_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const worlds = 1000

// TestWorldsShardOverThreeProcessesBehindHAProxy spreads 1,000 worlds over
// three panelsim processes through the shipped HAProxy configuration and
// checks, on each process directly, that every world lives on exactly one
// of them with everything that was sent to it: its panel requests (by path
// prefix and by header alike), its clock and its control calls.
func TestWorldsShardOverThreeProcessesBehindHAProxy(t *testing.T) {
	haproxy, err := exec.LookPath("haproxy")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("haproxy is not installed; .ci/run installs it (apt-get install haproxy)")
		}
		t.Skip("haproxy is not installed (apt-get install haproxy); the sharding test needs Debian's haproxy")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "panelsim")
	if out, err := exec.Command("go", "build", "-o", bin, "github.com/panelsim/panelsim/cmd/panelsim").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	shards := make([]string, 3)
	for i := range shards {
		shards[i] = freeAddr(t)
		start(t, bin, "--addr", shards[i], "--clock", "manual", "--log-level", "error")
	}
	// The proxy's socket is made here and handed to haproxy (bind fd@3):
	// connections wait in its backlog until haproxy takes them, so nothing
	// has to poll for haproxy to be ready.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	sock, err := ln.(*net.TCPListener).File()
	if err != nil {
		t.Fatal(err)
	}
	ln.Close()
	proxy := ln.Addr().String()
	cmd := exec.Command(haproxy, "-db", "-f", "haproxy/haproxy.cfg")
	cmd.ExtraFiles = []*os.File{sock}
	cmd.Env = append(os.Environ(), "PANELSIM_PROXY_BIND=fd@3",
		"PANELSIM_SHARD_1="+shards[0], "PANELSIM_SHARD_2="+shards[1], "PANELSIM_SHARD_3="+shards[2])
	var haproxyOut bytes.Buffer // read only after the process ended
	cmd.Stdout, cmd.Stderr = &haproxyOut, &haproxyOut
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("haproxy said:\n%s", haproxyOut.String())
		}
	})
	sock.Close()

	base := "http://" + proxy
	for i := range worlds {
		name := fmt.Sprintf("w%04d", i)
		// A control call by path prefix, a clock move of the world's own
		// length, and a panel call by header only.
		mustStatus(t, "GET", base+"/_w/"+name+"/_panelsim/clock", nil, nil, 200)
		mustStatus(t, "POST", base+"/_w/"+name+"/_panelsim/clock/advance", []byte(fmt.Sprintf(`{"by":"%dm"}`, i+1)), nil, 200)
		mustStatus(t, "GET", base+"/api/dci/v3/server", nil, map[string]string{"X-Panelsim-World": name}, 401)
	}

	owner := map[string]int{}
	for s, addr := range shards {
		var list []struct{ Name string }
		getJSON(t, "http://"+addr+"/_panelsim/worlds", &list)
		for _, w := range list {
			if w.Name == "default" {
				continue
			}
			if other, dup := owner[w.Name]; dup {
				t.Fatalf("world %s lives on shards %d and %d", w.Name, other, s)
			}
			owner[w.Name] = s
		}
		t.Logf("shard %d holds %d worlds", s, len(list)-1)
		if len(list)-1 < worlds/10 {
			t.Errorf("shard %d holds only %d of %d worlds: the hash does not spread them", s, len(list)-1, worlds)
		}
	}
	if len(owner) != worlds {
		t.Fatalf("%d worlds found on the shards, want %d", len(owner), worlds)
	}
	for i := range worlds {
		name := fmt.Sprintf("w%04d", i)
		direct := "http://" + shards[owner[name]] + "/_w/" + name
		var clock struct {
			Now, Start time.Time
		}
		getJSON(t, direct+"/_panelsim/clock", &clock)
		if got := clock.Now.Sub(clock.Start); got != time.Duration(i+1)*time.Minute {
			t.Fatalf("%s: clock moved %s on its shard, want %dm", name, got, i+1)
		}
		var journal []struct{ Path, World string }
		getJSON(t, direct+"/_panelsim/requests", &journal)
		if len(journal) != 1 || journal[0].Path != "/api/dci/v3/server" || journal[0].World != name {
			t.Fatalf("%s: journal on its shard %+v, want the one panel request", name, journal)
		}
	}
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// start runs a panelsim process and returns once it printed its banner,
// which it does after its listener is open.
func start(t *testing.T, bin string, args ...string) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil || !strings.Contains(line, args[1]) {
		t.Fatalf("panelsim %v did not start: %q %v\n%s", args, line, err, stderr.String())
	}
	go func() { _, _ = io.Copy(io.Discard, stdout) }()
}

var client = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 8}}

func mustStatus(t *testing.T, method, url string, body []byte, header map[string]string, want int) {
	t.Helper()
	req, err := http.NewRequest(method, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != want {
		t.Fatalf("%s %s: %d %s, want %d", method, url, resp.StatusCode, b, want)
	}
}

func getJSON(t *testing.T, url string, v any) {
	t.Helper()
	resp, err := client.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d", url, resp.StatusCode)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
}

// TestKubernetesProxyConfigHashesLikeTheShippedOne: the ConfigMap in the
// Kubernetes manifests is a valid HAProxy configuration and picks the
// world exactly as deploy/haproxy/haproxy.cfg does.
func TestKubernetesProxyConfigHashesLikeTheShippedOne(t *testing.T) {
	shipped, err := os.ReadFile("haproxy/haproxy.cfg")
	if err != nil {
		t.Fatal(err)
	}
	manifests, err := os.ReadFile("kubernetes/panelsim.yaml")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(manifests), "haproxy.cfg: |\n")
	if !ok {
		t.Fatal("no haproxy.cfg in the manifests' ConfigMap")
	}
	rest, _, _ = strings.Cut(rest, "\n---")
	var cfg strings.Builder
	for _, l := range strings.Split(rest, "\n") {
		cfg.WriteString(strings.TrimPrefix(l, "    ") + "\n")
	}
	for _, l := range strings.Split(string(shipped), "\n") {
		l = strings.TrimSpace(l)
		if strings.HasPrefix(l, "http-request") || strings.HasPrefix(l, "balance") || strings.HasPrefix(l, "hash-type") {
			if !strings.Contains(cfg.String(), l) {
				t.Errorf("the Kubernetes proxy config lacks %q", l)
			}
		}
	}
	haproxy, err := exec.LookPath("haproxy")
	if err != nil {
		t.Skip("haproxy is not installed: the config's syntax is not checked")
	}
	file := filepath.Join(t.TempDir(), "k8s.cfg")
	// The pods' names do not resolve here; init-addr none lets that pass.
	if err := os.WriteFile(file, []byte(cfg.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(haproxy, "-c", "-f", file).CombinedOutput(); err != nil {
		t.Fatalf("haproxy -c: %v\n%s", err, out)
	}
}
