package sim_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/panelsim/panelsim/internal/simtest"
	"github.com/panelsim/panelsim/panelsimtest"
	"github.com/panelsim/panelsim/sim"
	"github.com/panelsim/panelsim/state"
)

// uiPages are the dashboard's pages with a marker each must show.
var uiPages = map[string]string{
	"worlds":   `id="create-world"`,
	"clock":    `id="advance-next"`,
	"journal":  `id="entries"`,
	"faults":   `id="add-fault"`,
	"state":    `data-table="servers"`,
	"coverage": `id="cov-dci6"`,
}

func TestDashboardPagesRenderInEveryWorld(t *testing.T) {
	srv := panelsimtest.RunT(t)
	c := simtest.New(t, srv)
	c.Get("/api/dci/v3/server").Expect(t, 401)
	for _, client := range []*simtest.Client{c, c.World("other")} {
		for name, marker := range uiPages {
			body := string(client.Get("/_panelsim/ui/"+name).Expect(t, 200).Body)
			if !strings.Contains(body, marker) || !strings.Contains(body, "<nav>") {
				t.Errorf("page %s lacks %s:\n%.600s", name, marker, body)
			}
		}
	}
	if body := string(c.World("other").Get("/_panelsim/ui/clock").Body); !strings.Contains(body, `href="/_w/other/_panelsim/ui/journal"`) {
		t.Errorf("a world's pages link within the world:\n%.600s", body)
	}
	if body := string(c.Get("/_panelsim/ui/journal").Body); !strings.Contains(body, "GET /api/dci/v3/server") || !strings.Contains(body, `&#34;error&#34;`) && !strings.Contains(body, "3001") {
		t.Errorf("the journal shows the request and its answer:\n%s", body)
	}
}

func TestDashboardIsAbsentWithNoControl(t *testing.T) {
	s, err := sim.New(sim.Config{NoControl: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/_panelsim/ui", "/_panelsim/ui/worlds", "/_panelsim/coverage"} {
		rec := httptest.NewRecorder()
		s.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		if rec.Code != http.StatusNotFound {
			t.Errorf("%s with --no-control: %d", path, rec.Code)
		}
	}
}

func TestDashboardFormsActOnTheWorld(t *testing.T) {
	srv := panelsimtest.RunT(t)
	c := simtest.New(t, srv)
	form := func(path string, v url.Values) *simtest.Response {
		return c.Form("POST", "/_panelsim/ui/"+path, v.Encode())
	}
	form("worlds", url.Values{"name": {"fresh"}}).Expect(t, 303)
	if _, ok := srv.Sim().Worlds().Lookup("fresh"); !ok {
		t.Fatal("the create form made no world")
	}
	form("worlds", url.Values{"name": {"fresh"}}).Expect(t, 400)
	form("worlds", url.Values{"name": {"copy"}, "from": {"fresh"}}).Expect(t, 303)
	form("worlds/copy/delete", url.Values{}).Expect(t, 303)
	if _, ok := srv.Sim().Worlds().Lookup("copy"); ok {
		t.Fatal("the delete form left the world")
	}
	form("clock/advance", url.Values{"by": {"90m"}}).Expect(t, 303)
	if got := srv.Now().Sub(srv.Sim().Scenario().Start); got.Minutes() != 90 {
		t.Fatalf("the clock moved by %s, want 90m", got)
	}
	if body := string(form("clock/advance", url.Values{"by": {"soon"}}).Expect(t, 400).Body); !strings.Contains(body, `role="alert"`) {
		t.Fatalf("a refused advance shows why:\n%.500s", body)
	}
	form("faults", url.Values{"name": {"boom"}, "panel": {"dci6"}, "op": {"/api/dci/v3/server"}, "action": {"error"}, "code": {"3080"}, "times": {"1"}}).Expect(t, 303)
	if rules := worldFaults(t, srv); len(rules) != 1 || rules[0].Match.Route != "/api/dci/v3/server" || rules[0].Action.Error == nil {
		t.Fatalf("rules after the form: %+v", rules)
	}
	if body := string(form("faults", url.Values{"name": {"bad"}, "panel": {"dci6"}, "action": {"error"}, "code": {"abc"}}).Expect(t, 400).Body); !strings.Contains(body, "integers") {
		t.Fatalf("a rule with a code DCI cannot send is refused with the reason:\n%.800s", body)
	}
	c.Get("/api/dci/v3/server").Expect(t, 404)
	if body := string(c.Get("/_panelsim/ui/faults").Body); !strings.Contains(body, `<td class="fired">1</td>`) {
		t.Fatalf("the faults page counts the firing:\n%s", body)
	}
	form("faults/delete", url.Values{"name": {"boom"}}).Expect(t, 303)
	if len(worldFaults(t, srv)) != 0 {
		t.Fatal("the remove form left the rule")
	}
}

func worldFaults(t *testing.T, srv *panelsimtest.Server) []state.FaultRule {
	t.Helper()
	w, ok := srv.Sim().Worlds().Lookup("default")
	if !ok {
		t.Fatal("no default world")
	}
	return w.Faults()
}
