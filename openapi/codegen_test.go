package openapi_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/panelsim/panelsim/panelsimtest"
)

// generated says what TestGeneratedClients generates from each spec: the
// types and client every user wants, and for the control plane a server
// interface too (for users who stub panelsim's control plane in their own
// tests).
var generated = map[string]string{
	"control":  "types,client,std-http-server",
	"dci6":     "types,client",
	"imserver": "types,client",
	"dbc":      "types,client",
	"ispmgr":   "types,client",
}

// TestGeneratedClients does what a user does with the specs: it generates
// code with oapi-codegen (the version go.mod pins as a tool), builds every
// generated package in one go build, and drives a real flow (log in, list,
// power on) through the generated DCImanager client against panelsim.
func TestGeneratedClients(t *testing.T) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the go command is needed to generate and build clients: %v", err)
	}
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	writeModule(t, root, dir)
	for name, what := range generated {
		pkg := filepath.Join(dir, name)
		if err := os.Mkdir(pkg, 0o755); err != nil {
			t.Fatal(err)
		}
		run(t, root, goBin, "tool", "oapi-codegen", "-generate", what, "-package", name,
			"-o", filepath.Join(pkg, name+".go"), filepath.Join(root, "openapi", name+".yaml"))
	}
	flow, err := os.ReadFile(filepath.Join("testdata", "codegen", "dci6flow", "main.go"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "dci6flow"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "dci6flow", "main.go"), flow, 0o644); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "bin")
	run(t, dir, goBin, "build", "-o", bin+string(filepath.Separator), "./...")

	srv := panelsimtest.RunT(t)
	out := run(t, dir, filepath.Join(bin, "dci6flow"), srv.BaseURL())
	if !strings.Contains(out, "powered on by task") {
		t.Fatalf("the flow did not report its power-on: %s", out)
	}
}

// writeModule makes dir a module with the repository's own requirements,
// so the generated code builds with exactly the versions go.mod pins.
func writeModule(t *testing.T, root, dir string) {
	t.Helper()
	mod, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	mod = regexp.MustCompile(`(?m)^module .*$`).ReplaceAll(mod, []byte("module gen"))
	sum, err := os.ReadFile(filepath.Join(root, "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), mod, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "go.sum"), sum, 0o644); err != nil {
		t.Fatal(err)
	}
}

func run(t *testing.T, dir, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=-mod=readonly")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %s: %v\n%s", filepath.Base(name), strings.Join(args, " "), err, out.String())
	}
	return out.String()
}
