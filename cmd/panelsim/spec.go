package main

import (
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/panelsim/panelsim/openapi"
)

// runSpec is `panelsim spec [--json] PANEL`: it prints one of the specs
// panelsim ships (the same bytes /_panelsim/openapi/PANEL.yaml serves), so
// a user can feed a generator without starting a server.
func runSpec(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("panelsim spec", flag.ContinueOnError)
	fs.SetOutput(stderr)
	asJSON := fs.Bool("json", false, "print JSON instead of YAML")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: panelsim spec [--json] PANEL\n\nPANEL is one of: %s\n", strings.Join(openapi.Names, ", "))
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return 0
		}
		return 2
	}
	if fs.NArg() != 1 || !slices.Contains(openapi.Names, fs.Arg(0)) {
		if fs.NArg() == 1 {
			fmt.Fprintf(stderr, "panelsim spec: no spec named %q\n", fs.Arg(0))
		}
		fs.Usage()
		return 2
	}
	var raw []byte
	var err error
	if *asJSON {
		raw, err = openapi.JSON(fs.Arg(0))
	} else {
		raw, err = openapi.File(fs.Arg(0))
	}
	if err != nil {
		fmt.Fprintln(stderr, "panelsim spec:", err)
		return 1
	}
	if _, err := stdout.Write(raw); err != nil {
		return 1
	}
	if *asJSON {
		fmt.Fprintln(stdout)
	}
	return 0
}
