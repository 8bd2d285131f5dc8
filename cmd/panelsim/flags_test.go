package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// exit runs panelsim to its end (no server may start) and returns the exit
// code and everything it printed.
func exit(t *testing.T, env map[string]string, args ...string) (int, string) {
	t.Helper()
	var out bytes.Buffer
	code := run(context.Background(), args, func(k string) string { return env[k] }, &out, &out, func(string) {
		t.Fatalf("%v %v: panelsim started serving", env, args)
	})
	return code, out.String()
}

func TestEveryBadValueExits2NamingWhereItCameFrom(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "no", "such", "dir", "state.json")
	for _, c := range []struct {
		env   map[string]string
		args  []string
		names string
	}{
		{nil, []string{"--clock", "sometimes"}, `--clock "sometimes"`},
		{map[string]string{"PANELSIM_CLOCK": "sometimes"}, nil, `PANELSIM_CLOCK="sometimes"`},
		{map[string]string{"PANELSIM_NO_CONTROL": "maybe"}, nil, `PANELSIM_NO_CONTROL="maybe"`},
		{nil, []string{"--no-control=maybe"}, `--no-control "maybe"`},
		{map[string]string{"PANELSIM_TLS": "yes please"}, nil, "PANELSIM_TLS"},
		{nil, []string{"--seed", "0"}, `--seed "0"`},
		{map[string]string{"PANELSIM_SEED": "x"}, nil, `PANELSIM_SEED="x"`},
		{nil, []string{"--addr", "nonsense"}, "--addr"},
		{map[string]string{"PANELSIM_ADDR": "8080"}, nil, "PANELSIM_ADDR"},
		{nil, []string{"--listen", "nope"}, "--listen"},
		{map[string]string{"PANELSIM_LISTEN": "ispmgr=1500"}, nil, "PANELSIM_LISTEN"},
		{nil, []string{"--listen", "whmcs=127.0.0.1:0"}, "--listen whmcs"},
		{map[string]string{"PANELSIM_LISTEN": "whmcs=127.0.0.1:0"}, nil, "PANELSIM_LISTEN whmcs"},
		{nil, []string{"--validate", "maybe"}, "--validate"},
		{nil, []string{"--log-format", "xml"}, "--log-format"},
		{map[string]string{"PANELSIM_LOG_LEVEL": "loud"}, nil, "PANELSIM_LOG_LEVEL"},
		{nil, []string{"--start", "yesterday"}, "--start"},
		{nil, []string{"--max-body", "0"}, "--max-body"},
		{nil, []string{"--max-conns-per-client", "-1"}, `--max-conns-per-client "-1"`},
		{map[string]string{"PANELSIM_MAX_CONNS_PER_CLIENT": "many"}, nil, `PANELSIM_MAX_CONNS_PER_CLIENT="many"`},
		{map[string]string{"PANELSIM_WORLD_IDLE_TTL": "soon"}, nil, "PANELSIM_WORLD_IDLE_TTL"},
		{nil, []string{"--tls-cert", "x.pem"}, "--tls-cert and --tls-key"},
		{map[string]string{"PANELSIM_TLS_KEY": "k.pem"}, nil, "--tls-cert and PANELSIM_TLS_KEY"},
		{nil, []string{"--scenario", "/does/not/exist.yaml", "--addr", "127.0.0.1:0"}, "--scenario"},
		{map[string]string{"PANELSIM_SCENARIO": "/does/not/exist.yaml"}, []string{"--addr", "127.0.0.1:0"}, "PANELSIM_SCENARIO"},
		{map[string]string{"PANELSIM_STATE_FILE": missing}, []string{"--addr", "127.0.0.1:0"}, "PANELSIM_STATE_FILE"},
		{nil, []string{"--nope"}, "-nope"},
		{nil, []string{"extra-arg"}, `"extra-arg"`},
		{map[string]string{"PANELSIM_TLS": "maybe"}, []string{"healthcheck"}, "PANELSIM_TLS"},
		{nil, []string{"version", "--short"}, "--short"},
	} {
		code, out := exit(t, c.env, c.args...)
		if code != 2 || !strings.Contains(out, c.names) || strings.Contains(out, "Usage:") {
			t.Errorf("%v %v: exit %d (want 2), want one line naming %s:\n%s", c.env, c.args, code, c.names, out)
		}
	}
}

func TestCommandLineWinsOverEnvironment(t *testing.T) {
	env := func(k string) string {
		return map[string]string{"PANELSIM_CLOCK": "manual", "PANELSIM_LISTEN": "ispmgr=127.0.0.1:1500", "PANELSIM_TLS": "1"}[k]
	}
	o, err := parseFlags([]string{"--clock", "real", "--listen", "dbc=127.0.0.1:0", "--tls=false"}, env, &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	if o.clock != "real" || len(o.listen) != 1 || o.listen[0] != "dbc=127.0.0.1:0" || o.tls {
		t.Fatalf("%+v", o)
	}
	o, err = parseFlags(nil, env, &bytes.Buffer{})
	if err != nil || o.clock != "manual" || len(o.listen) != 1 || !o.tls {
		t.Fatalf("from the environment: %+v %v", o, err)
	}
	if got := o.source("clock"); got != "PANELSIM_CLOCK" {
		t.Errorf("source of an environment value: %s", got)
	}
}

func TestOneBooleanParser(t *testing.T) {
	for in, want := range map[string]bool{"1": true, "true": true, "TRUE": true, "t": true, "0": false, "false": false, "F": false} {
		for _, name := range []string{"PANELSIM_TLS", "PANELSIM_NO_CONTROL"} {
			o, err := parseFlags(nil, func(k string) string { return map[string]string{name: in}[k] }, &bytes.Buffer{})
			if err != nil || map[string]bool{"PANELSIM_TLS": o.tls, "PANELSIM_NO_CONTROL": o.noControl}[name] != want {
				t.Errorf("%s=%s: %v %v", name, in, o, err)
			}
		}
	}
	for _, in := range []string{"maybe", "yes", "2", "on"} {
		if _, err := parseBool(in); err == nil {
			t.Errorf("%q read as a boolean", in)
		}
	}
}

func TestVersion(t *testing.T) {
	for _, args := range [][]string{{"version"}, {"--version"}, {"--version", "--seed", "7"}} {
		var out bytes.Buffer
		code := run(context.Background(), args, func(string) string { return "" }, &out, &out, nil)
		got := out.String()
		if code != 0 || !strings.HasPrefix(got, "panelsim dev\n") || !strings.Contains(got, "\ncommit   ") || !strings.Contains(got, "\ngo       go1.") {
			t.Errorf("%v: exit %d\n%s", args, code, got)
		}
	}
}

func TestStateFileInADirectoryItCannotWriteStopsTheStart(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "ro")
	if err := os.Mkdir(dir, 0o555); err != nil {
		t.Fatal(err)
	}
	if f, err := os.CreateTemp(dir, "probe"); err == nil {
		// root writes anywhere the mode says no; /proc/self takes no files
		// from anyone.
		f.Close()
		dir = "/proc/self"
		if _, err := os.Stat(dir); err != nil {
			t.Skip("root, and no /proc: no directory this process cannot write")
		}
	}
	code, out := exit(t, map[string]string{"PANELSIM_STATE_FILE": filepath.Join(dir, "state.json")}, "--addr", "127.0.0.1:0")
	if code != 2 || !strings.Contains(out, "PANELSIM_STATE_FILE") || !strings.Contains(out, "--user") || !strings.Contains(out, "volume") {
		t.Fatalf("exit %d: %s", code, out)
	}
}

func TestHealthcheckReadsPanelsimTLSLikeTheServer(t *testing.T) {
	addr, _, stop := start(t, map[string]string{"PANELSIM_TLS": "1"}, "--addr", "127.0.0.1:0")
	defer stop()
	for _, v := range []string{"1", "true", "TRUE"} {
		code, out := exit(t, map[string]string{"PANELSIM_ADDR": addr, "PANELSIM_TLS": v}, "healthcheck")
		if code != 0 {
			t.Errorf("PANELSIM_TLS=%s: healthcheck exit %d: %s", v, code, out)
		}
	}
	if code, _ := exit(t, map[string]string{"PANELSIM_ADDR": addr}, "healthcheck"); code != 1 {
		t.Errorf("plain HTTP against a TLS server: exit %d, want 1", code)
	}
}
