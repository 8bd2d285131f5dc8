package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/panelsim/panelsim/sim/proxy"
)

const diffUsage = `Usage: panelsim diff [flags] DIR

Replays the exchanges panelsim proxy --record wrote to DIR against the
emulator, in order, and reports per exchange where panelsim's answer has
another shape than the recorded real one: status, content type, keys and
elements missing or extra, types. Values are not compared.

Masked secrets are filled in from what panelsim answers at the same place
(tokens, session cookies); passwords come from --secret. Exit status: 0 when
every exchange has the recorded shape, 1 when some differ, 2 on bad usage.

Flags:
`

// diffOptions are `panelsim diff`'s command line.
type diffOptions struct {
	dir      string
	scenario string
	seed     uint64
	target   string
	secrets  []string
	json     bool
}

func parseDiffFlags(args []string, stderr io.Writer) (*diffOptions, error) {
	o := &diffOptions{}
	fs := flag.NewFlagSet("panelsim diff", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var seed string
	fs.StringVar(&o.scenario, "scenario", "", "scenario YAML for the emulator (default: the embedded default scenario)")
	fs.StringVar(&seed, "seed", "", "seed for the emulator, overriding the scenario's (not 0)")
	fs.StringVar(&o.target, "target", "", "replay against a running panelsim at this URL instead of one in this process")
	fs.Func("secret", "NAME=VALUE: send VALUE where the recording masked a secret; NAME is a placeholder (masked-2) or a field, parameter or header name (password, loginPassword, authinfo); repeatable", func(s string) error {
		if k, _, ok := strings.Cut(s, "="); !ok || k == "" {
			return errors.New("want NAME=VALUE")
		}
		o.secrets = append(o.secrets, s)
		return nil
	})
	fs.BoolVar(&o.json, "json", false, "print the report as JSON")
	fs.Usage = func() {
		fmt.Fprint(stderr, diffUsage)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	// DIR may come before the flags too.
	if fs.NArg() > 0 {
		o.dir = fs.Arg(0)
		if err := fs.Parse(fs.Args()[1:]); err != nil {
			return nil, err
		}
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if o.dir == "" {
		return nil, errors.New("name the recording directory: panelsim diff DIR")
	}
	if seed != "" {
		n, err := strconv.ParseUint(seed, 10, 64)
		if err != nil || n == 0 {
			return nil, fmt.Errorf("--seed %q: want a positive whole number", seed)
		}
		o.seed = n
	}
	if o.target != "" && (o.scenario != "" || o.seed != 0) {
		return nil, errors.New("--target replays against a running panelsim: its scenario and seed are its own (drop --scenario and --seed)")
	}
	return o, nil
}

// runDiff is `panelsim diff`: it returns the exit code.
func runDiff(args []string, stdout, stderr io.Writer) int {
	o, err := parseDiffFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintln(stderr, "panelsim diff:", err)
		return 2
	}
	results, err := diff(o, stderr)
	if err != nil {
		fmt.Fprintln(stderr, "panelsim diff:", err)
		return 2
	}
	differ := 0
	if o.json {
		for _, r := range results {
			if !r.Same() {
				differ++
			}
		}
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		_ = enc.Encode(results)
	} else {
		differ = proxy.WriteReport(stdout, results)
	}
	if differ > 0 {
		return 1
	}
	return 0
}

func diff(o *diffOptions, stderr io.Writer) ([]proxy.Result, error) {
	files, exchanges, err := proxy.ReadExchanges(o.dir)
	if err != nil {
		return nil, err
	}
	if len(exchanges) == 0 {
		return nil, fmt.Errorf("%s holds no recorded exchange (NNNN-*.json files written by panelsim proxy --record)", o.dir)
	}
	secrets := map[string]string{}
	for _, s := range o.secrets {
		k, v, _ := strings.Cut(s, "=")
		secrets[k] = v
	}
	base, rt := o.target, http.DefaultTransport
	if base == "" {
		logger, _ := newLogger("warn", "text", stderr)
		srv, err := newServer(&options{scenario: o.scenario, seed: o.seed, clock: "manual", validate: "off"}, logger)
		if err != nil {
			return nil, err
		}
		base, rt = "http://panelsim", proxy.HandlerTransport(srv.Handler())
	}
	return proxy.NewReplayer(base, rt, secrets).Diff(files, exchanges), nil
}
