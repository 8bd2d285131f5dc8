package sim_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/panelsim/panelsim/sim"
)

// constNames lists the constants declared in file whose names start with
// prefix.
func constNames(t *testing.T, file, prefix string, skip ...string) []string {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), file, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, d := range f.Decls {
		g, ok := d.(*ast.GenDecl)
		if !ok || g.Tok != token.CONST {
			continue
		}
		for _, spec := range g.Specs {
			for _, n := range spec.(*ast.ValueSpec).Names {
				if strings.HasPrefix(n.Name, prefix) && !contains(skip, n.Name) {
					out = append(out, n.Name)
				}
			}
		}
	}
	sort.Strings(out)
	return out
}

// listNames lists the identifiers in the composite literal assigned to var
// name in file.
func listNames(t *testing.T, file, name string) []string {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), file, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	ast.Inspect(f, func(n ast.Node) bool {
		vs, ok := n.(*ast.ValueSpec)
		if !ok || len(vs.Names) != 1 || vs.Names[0].Name != name {
			return true
		}
		for _, el := range vs.Values[0].(*ast.CompositeLit).Elts {
			out = append(out, el.(*ast.Ident).Name)
		}
		return false
	})
	sort.Strings(out)
	return out
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// Every native error code a panel defines is in its coverage universe, so
// the report's denominator cannot drift from what the panel can send.
func TestUniverseListsEveryErrorCode(t *testing.T) {
	for _, tc := range []struct {
		panel, prefix, list string
		skip                []string
	}{
		{"dci6", "code", "errorCodes", nil},
		{"imserver", "Code", "errorCodes", nil},
		{"dbc", "Code", "errorCodes", []string{"CodeOK"}},
		{"ispmgr", "err", "errorTypes", nil},
	} {
		dir := filepath.Join(tc.panel)
		defined := constNames(t, filepath.Join(dir, "errors.go"), tc.prefix, tc.skip...)
		listed := listNames(t, filepath.Join(dir, "coverage.go"), tc.list)
		if strings.Join(defined, ",") != strings.Join(listed, ",") {
			t.Errorf("%s: errors.go defines %v, coverage.go lists %v", tc.panel, defined, listed)
		}
	}
}

// Every panel declares a universe in every dimension it has, without
// duplicates: the report's totals are what the panel can do.
func TestUniversesAreWholeAndUnique(t *testing.T) {
	for _, p := range sim.All() {
		u := p.Universe()
		for dim, names := range map[string][]string{"operations": u.Operations, "codes": u.Codes, "tasks": u.Tasks, "auth": u.Auth} {
			seen := map[string]bool{}
			for _, n := range names {
				if seen[n] || n == "" {
					t.Errorf("%s %s: %q twice or empty", p.Name(), dim, n)
				}
				seen[n] = true
			}
		}
		if len(u.Operations) == 0 || len(u.Codes) == 0 {
			t.Errorf("%s declares no operations or codes: %+v", p.Name(), u)
		}
	}
}

// Every out= format mgr5 renders is in its coverage universe, so each func
// counts once per format the panel can answer it in.
func TestMgr5UniverseListsEveryOutFormat(t *testing.T) {
	defined := constNames(t, filepath.Join("ispmgr", "render.go"), "fmt")
	listed := listNames(t, filepath.Join("ispmgr", "coverage.go"), "formats")
	if strings.Join(defined, ",") != strings.Join(listed, ",") {
		t.Errorf("render.go defines the formats %v, coverage.go lists %v", defined, listed)
	}
}
