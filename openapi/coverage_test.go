package openapi_test

import (
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/panelsim/panelsim/sim"
	"github.com/panelsim/panelsim/sim/dbc"
)

// specs are every spec panelsim ships.
var specs = []string{"control", "dci6", "imserver", "dbc", "ispmgr"}

// unknownRoutes marks a spec path that stands for every path a panel
// answers as unknown (IMserver's /api/_unknown): no route serves it by name.
const unknownRoutes = "x-panelsim-unknown-routes"

// TestSpecsDescribeWhatIsServed fails when a route, an IMserver command, a
// mgr5 function or a DBC route is served that the specs do not describe,
// or described that is not served. It reads what is served from the route
// table and the panels' own operation tables, so neither side is a copy.
func TestSpecsDescribeWhatIsServed(t *testing.T) {
	srv, err := sim.New(sim.Config{})
	if err != nil {
		t.Fatal(err)
	}
	e := srv.Handler().(interface{ Echo() *echo.Echo }).Echo() // simhttp.Serve's handler
	contract := srv.Contract()

	methods := map[string][]string{} // served path -> methods
	for _, r := range e.Routes() {
		if r.Method != echo.RouteNotFound {
			methods[r.Path] = append(methods[r.Path], r.Method)
		}
	}
	for path, ms := range methods {
		if strings.Contains(path, "*") {
			continue // a wildcard family: its operations are checked below
		}
		concrete := echoParam.ReplaceAllString(path, "1")
		if slices.Contains(ms, "PROPFIND") { // e.Any: the handler picks the methods it serves
			if !slices.ContainsFunc(ms, func(m string) bool { return contract.Describes(m, concrete) }) {
				t.Errorf("served but not described: any method on %s", path)
			}
			continue
		}
		for _, m := range ms {
			if !contract.Describes(m, concrete) {
				t.Errorf("served but not described: %s %s", m, path)
			}
		}
	}

	for _, name := range specs {
		for path, item := range contract.Doc(name).Paths.Map() {
			if strings.Contains(path, "?") || item.Extensions[unknownRoutes] == true {
				continue
			}
			concrete := specParam.ReplaceAllString(path, "1")
			for m := range item.Operations() {
				c := e.NewContext(httptest.NewRequest(m, concrete, nil), httptest.NewRecorder())
				e.Router().Find(m, concrete, c)
				if !slices.Contains(methods[c.Path()], m) {
					t.Errorf("%s: described but not served: %s %s", name, m, path)
				}
			}
		}
	}

	for _, p := range srv.Panels() {
		d, ok := p.(interface{ Dispatched() map[string][]string })
		if !ok {
			continue
		}
		served, described := d.Dispatched(), contract.Dispatched(p.Name())
		for base := range merged(served, described) {
			compare(t, p.Name()+" "+base, served[base], described[base])
		}
	}

	var dbcOps []string
	for path := range contract.Doc("dbc").Paths.Map() {
		if !strings.HasPrefix(path, "/api/v1") {
			continue
		}
		rt, rerr := dbc.ParseRoute(specParam.ReplaceAllString(path, "1"))
		if rerr != nil {
			t.Errorf("dbc: described but not served: %s (%s)", path, rerr.Msg)
			continue
		}
		if !slices.Contains(dbcOps, rt.Op) {
			dbcOps = append(dbcOps, rt.Op)
		}
	}
	compare(t, "dbc routes", dbc.New().Operations(), dbcOps)
}

var (
	echoParam = regexp.MustCompile(`:[^/]+`)
	specParam = regexp.MustCompile(`\{[^}]+\}`)
)

func merged(a, b map[string][]string) map[string]bool {
	out := map[string]bool{}
	for k := range a {
		out[k] = true
	}
	for k := range b {
		out[k] = true
	}
	return out
}

// compare reports the names served but not described and the reverse.
func compare(t *testing.T, what string, served, described []string) {
	t.Helper()
	for _, s := range served {
		if !slices.Contains(described, s) {
			t.Errorf("%s: served but not described: %s", what, s)
		}
	}
	for _, d := range described {
		if !slices.Contains(served, d) {
			t.Errorf("%s: described but not served: %s", what, d)
		}
	}
	if len(served) == 0 {
		t.Errorf("%s: nothing served", what)
	}
}
