package main

// The README is a test: every code block of every Markdown file in the
// repository is run here, against a fresh panelsim, and what it prints is
// compared with what the documentation shows. CONTRIBUTING.md ("The README
// is a test") documents the convention for writers.

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/panelsim/panelsim/internal/simtest"
	"github.com/panelsim/panelsim/sim"
)

// docAddr is the address the documentation's commands use; the test
// serves on a free port and rewrites it in commands and answers.
const docAddr = "127.0.0.1:8080"

var docAddrSpellings = []string{docAddr, "localhost:8080"}

func TestDocumentationBlocks(t *testing.T) {
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	files := markdownFiles(t, root)
	if len(files) == 0 {
		t.Fatal("no Markdown files found")
	}
	// Commands run in a scratch directory that links to the repository's
	// top-level entries, so paths such as scenarios/billing.yaml resolve
	// and files a block writes land outside the tree.
	t.Chdir(scratchRepo(t, root))
	for _, file := range files {
		data, err := os.ReadFile(filepath.Join(root, file))
		if err != nil {
			t.Fatal(err)
		}
		blocks, err := parseBlocks(file, string(data))
		if err != nil {
			t.Fatal(err)
		}
		for _, b := range blocks {
			t.Run(b.where(), func(t *testing.T) { checkBlock(t, root, b) })
		}
	}
}

// markdownFiles lists the repository's Markdown files, relative to root,
// leaving out test data and build output.
func markdownFiles(t *testing.T, root string) []string {
	t.Helper()
	var files []string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && path != root && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata" || d.Name() == "bin") {
			return filepath.SkipDir
		}
		if !d.IsDir() && strings.HasSuffix(d.Name(), ".md") {
			rel, _ := filepath.Rel(root, path)
			files = append(files, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func scratchRepo(t *testing.T, root string) string {
	t.Helper()
	dir := t.TempDir()
	entries, err := os.ReadDir(root)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if err := os.Symlink(filepath.Join(root, e.Name()), filepath.Join(dir, e.Name())); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// repoPath finds the repository files a block names (scenarios and specs),
// which must exist even in blocks that are not run: a Docker example
// mounting a missing file is as broken as a command that fails.
var repoPath = regexp.MustCompile(`(?:^|[\s"'=@(])\.?/?((?:scenarios|openapi)/[A-Za-z0-9_./-]+\.(?:yaml|yml|md))`)

func checkBlock(t *testing.T, root string, b docBlock) {
	for _, m := range repoPath.FindAllStringSubmatch(b.text+"\n"+b.arg, -1) {
		if _, err := os.Stat(filepath.Join(root, m[1])); err != nil {
			t.Errorf("%s names %s, which does not exist", b.where(), m[1])
		}
	}
	switch b.directive {
	case "skip":
		if b.arg == "" {
			t.Errorf("%s: <!-- readme: skip --> needs a reason", b.where())
		}
		return
	case "go":
		checkGoBlock(t, root, b)
		return
	case "output":
		step := shStep{line: 1, command: b.arg, want: b.text, shown: true}
		step.takeExit()
		runShell(t, b, []shStep{step})
		return
	case "":
	default:
		t.Fatalf("%s: unknown directive <!-- readme: %s -->; CONTRIBUTING.md lists them", b.where(), b.directive)
	}
	switch b.lang {
	case "sh", "bash", "shell", "console":
		runShell(t, b, parseShell(b.text))
	case "yaml", "yml":
		checkScenario(t, b)
	case "go":
		t.Errorf("%s: a Go block needs <!-- readme: go FILE --> naming the compiled _test.go file that holds it", b.where())
	default:
		t.Errorf("%s: a %q block is neither run nor marked: use sh or yaml, or put <!-- readme: output COMMAND --> or <!-- readme: skip REASON --> above it", b.where(), b.lang)
	}
}

// checkScenario loads a YAML block as a scenario, strictly, the way
// --scenario would.
func checkScenario(t *testing.T, b docBlock) {
	// Blank lines in front keep the loader's line numbers the file's.
	text := strings.Repeat("\n", b.line) + b.text
	if _, err := sim.New(sim.Config{ScenarioFile: b.file, ScenarioYAML: []byte(text)}); err != nil {
		t.Errorf("the YAML block does not load as a scenario (mark it <!-- readme: skip REASON --> if it is not one):\n%v", err)
	}
}

// checkGoBlock finds the block, line for line, in the compiled Go file the
// directive names, so the README's Go cannot stop compiling unnoticed.
func checkGoBlock(t *testing.T, root string, b docBlock) {
	data, err := os.ReadFile(filepath.Join(root, b.arg))
	if err != nil {
		t.Fatalf("%s: <!-- readme: go %s -->: %v", b.where(), b.arg, err)
	}
	if !strings.HasSuffix(b.arg, ".go") {
		t.Fatalf("%s: <!-- readme: go %s --> must name a .go file", b.where(), b.arg)
	}
	if !strings.Contains(squash(string(data)), squash(b.text)) {
		t.Errorf("%s: the Go block is not in %s as written (indentation aside); copy it from there", b.where(), b.arg)
	}
}

// squash drops indentation and blank lines.
func squash(s string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// runShell runs a shell block's commands in one bash, in order, against a
// fresh panelsim, and compares each command's output with the one shown.
// A first command that starts panelsim (go run ./cmd/panelsim ARGS, or
// panelsim ARGS) chooses that server's flags; otherwise the server runs
// with none, as a user's first `go run ./cmd/panelsim` does.
func runShell(t *testing.T, b docBlock, steps []shStep) {
	if len(steps) == 0 {
		t.Fatalf("%s: a shell block without commands", b.where())
	}
	bash, err := exec.LookPath("bash")
	if err == nil {
		_, err = exec.LookPath("curl")
	}
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("the README test needs bash and curl: %v", err)
		}
		t.Skipf("bash and curl are needed to run the documentation's commands: %v", err)
	}
	for _, s := range steps {
		if f := strings.Fields(s.command); len(f) > 0 && (f[0] == "docker" || f[0] == "make" || f[0] == "go" && (len(f) < 2 || f[1] != "run")) {
			t.Fatalf("%s line %d: `%s` is not run inside the test: mark the block <!-- readme: skip REASON -->", b.where(), s.line, s.command)
		}
	}
	var srv *docServer
	outputs := map[int]panelsimRun{}
	for i, s := range steps {
		args, ok := panelsimArgs(s.command)
		if !ok {
			continue
		}
		r := startPanelsim(t, args)
		if r.server == nil {
			outputs[i] = r
			continue
		}
		if i != 0 || srv != nil {
			r.server.stop()
			t.Fatalf("%s line %d: a block may start panelsim only as its first command", b.where(), s.line)
		}
		srv, outputs[i] = r.server, r
	}
	if srv == nil {
		srv = startPanelsim(t, nil).server
		if srv == nil {
			t.Fatal("panelsim did not start with no flags")
		}
	}
	defer func() {
		if code := srv.stop(); code != 0 {
			t.Errorf("panelsim exited with %d: %s", code, srv.out.String())
		}
	}()

	script, mark := shellScript(steps, outputs, srv.addr)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bash, "--noprofile", "--norc", "-c", script)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Errorf("bash: %v\nstderr: %s", err, stderr.String())
	}
	got := splitOutputs(stdout.String(), mark)
	for i, s := range steps {
		res, ok := got[i]
		if !ok {
			t.Errorf("%s line %d: the block stopped before `%s`\nstderr: %s", b.where(), s.line, s.command, stderr.String())
			return
		}
		if res.code != s.exit {
			t.Errorf("%s line %d: `%s` exited with %d, not %d\noutput: %s\nstderr: %s", b.where(), s.line, s.command, res.code, s.exit, res.out, stderr.String())
		}
		out := res.out
		for _, sp := range []string{srv.addr} {
			out = strings.ReplaceAll(out, sp, docAddr)
		}
		if s.shown && !matchShown(s.want, out) {
			t.Errorf("%s line %d: `%s` printed\n%s\nbut the documentation shows\n%s\n(mark values that vary with …)", b.where(), s.line, s.command, out, s.want)
		}
	}
}

// panelsimArgs recognises a command that runs panelsim itself.
func panelsimArgs(command string) ([]string, bool) {
	fields := strings.Fields(strings.ReplaceAll(command, "\\\n", " "))
	switch {
	case len(fields) >= 3 && fields[0] == "go" && fields[1] == "run" && strings.TrimSuffix(fields[2], "/") == "./cmd/panelsim":
		return fields[3:], true
	case len(fields) >= 1 && fields[0] == "panelsim":
		return fields[1:], true
	}
	return nil, false
}

// panelsimRun is what running panelsim in-process gave: a server that is
// up, or the output and exit code of a run that ended.
type panelsimRun struct {
	server *docServer
	out    string
	code   int
}

type docServer struct {
	addr string
	out  *simtest.LogBuffer
	stop func() int
}

// startPanelsim runs panelsim's own run function with args (plus a free
// port for a server) and returns once it serves or has exited.
func startPanelsim(t *testing.T, args []string) panelsimRun {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	out := &simtest.LogBuffer{}
	ready := make(chan string, 1)
	code := make(chan int, 1)
	full := append(append([]string{}, args...), "--addr", "127.0.0.1:0", "--log-level", "warn")
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		full = args // a subcommand: no server flags
	}
	go func() {
		code <- run(ctx, full, func(string) string { return "" }, out, out, func(a string) { ready <- a })
	}()
	select {
	case addr := <-ready:
		return panelsimRun{out: out.String(), server: &docServer{addr: addr, out: out, stop: func() int { cancel(); return <-code }}}
	case c := <-code:
		cancel()
		return panelsimRun{out: out.String(), code: c}
	}
}

// shellScript turns the steps into one bash script that prints a marker
// with the step's number and exit code after each command. Steps that ran
// panelsim in-process replay their output instead.
func shellScript(steps []shStep, ran map[int]panelsimRun, addr string) (script, mark string) {
	mark = fmt.Sprintf("\x1ereadme-step-%d", time.Now().UnixNano())
	var sb strings.Builder
	for i, s := range steps {
		if r, ok := ran[i]; ok {
			fmt.Fprintf(&sb, "printf '%%s' %s; (exit %d)\n", shellQuote(r.out), r.code)
		} else {
			cmd := s.command
			for _, sp := range docAddrSpellings {
				cmd = strings.ReplaceAll(cmd, sp, addr)
			}
			sb.WriteString(cmd + "\n")
		}
		fmt.Fprintf(&sb, "printf '\\n%s %d %%d\\n' $?\n", mark, i)
	}
	return sb.String(), mark
}

func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

type stepResult struct {
	out  string
	code int
}

// splitOutputs cuts bash's output at the markers shellScript printed.
func splitOutputs(stdout, mark string) map[int]stepResult {
	got := map[int]stepResult{}
	rest := stdout
	for {
		i := strings.Index(rest, "\n"+mark+" ")
		if i < 0 {
			return got
		}
		out := rest[:i]
		rest = rest[i+1+len(mark)+1:]
		line, after, _ := strings.Cut(rest, "\n")
		rest = after
		f := strings.Fields(line)
		if len(f) != 2 {
			return got
		}
		n, _ := strconv.Atoi(f[0])
		code, _ := strconv.Atoi(f[1])
		got[n] = stepResult{out: out, code: code}
	}
}
