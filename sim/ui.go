package sim

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/panelsim/panelsim/internal/ordered"
	"github.com/panelsim/panelsim/sim/simhttp"
	"github.com/panelsim/panelsim/state"
)

// The dashboard (/_panelsim/ui) and the HTML coverage report are
// server-rendered from templates embedded in the binary: no build step, no
// npm. Pages read and act through the same Server functions the JSON
// control plane uses; a little hand-written JS (ui/ui.js) only keeps a
// page live over server-sent events.

//go:embed ui/*.html ui/*.css ui/*.js
var uiFiles embed.FS

var uiTemplates = template.Must(template.New("ui").Funcs(template.FuncMap{
	"dim":    func(title string, d Dimension) map[string]any { return map[string]any{"Title": title, "D": d} },
	"stamp":  func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05") },
	"status": statusClass,
	"pretty": prettyBody,
	"cell":   cellText,
	"css":    func() template.CSS { return template.CSS(uiAsset("ui.css")) },
	"js":     func() template.JS { return template.JS(uiAsset("ui.js")) },
}).ParseFS(uiFiles, "ui/*.html"))

// uiAsset is an embedded file's text; pages carry their style and script
// inline, so a saved page (a coverage report file) needs nothing else.
func uiAsset(name string) string {
	b, err := uiFiles.ReadFile("ui/" + name)
	if err != nil {
		panic(err) // embedded at build time
	}
	return string(b)
}

// page is what every dashboard page template gets.
type page struct {
	Title string
	// Base is the world prefix links need ("" or "/_w/NAME").
	Base string
	// World is the world the page shows ("" on the merged coverage report).
	World string
	// Page names the content template.
	Page string
	// Error is a form's refusal, shown above the page.
	Error string
	// Standalone leaves out the navigation and the script (a saved report,
	// the login page).
	Standalone bool
	// LoggedIn says the login cookie let the request in (the page offers
	// to log out).
	LoggedIn bool
	Data     any
}

// registerUI serves the dashboard beside the control plane (so it is
// absent with --no-control).
func (s *Server) registerUI(e *echo.Echo) {
	ui := uiPath
	e.GET(ui, func(c echo.Context) error { return c.Redirect(http.StatusSeeOther, uiBase(c)+ui+"/worlds") })
	for _, r := range []struct {
		method, path string
		h            echo.HandlerFunc
	}{
		{http.MethodGet, "/worlds", s.uiWorlds},
		{http.MethodPost, "/worlds", s.uiCreateWorld},
		{http.MethodPost, "/worlds/:name/reset", s.uiResetWorld},
		{http.MethodPost, "/worlds/:name/delete", s.uiDeleteWorld},
		{http.MethodGet, "/clock", s.uiClock},
		{http.MethodPost, "/clock/advance", s.uiAdvance},
		{http.MethodPost, "/clock/set", s.uiSetClock},
		{http.MethodGet, "/journal", s.uiJournal},
		{http.MethodGet, "/faults", s.uiFaults},
		{http.MethodPost, "/faults", s.uiAddFault},
		{http.MethodPost, "/faults/delete", s.uiDeleteFault},
		{http.MethodGet, "/state", s.uiState},
		{http.MethodGet, "/coverage", s.uiCoverage},
		{http.MethodGet, "/events", s.uiEvents},
		{http.MethodGet, "/login", s.uiLogin},
		{http.MethodPost, "/login", s.uiLoginPost},
		{http.MethodPost, "/logout", s.uiLogout},
	} {
		e.Add(r.method, ui+r.path, s.guard(r.h))
	}
}

// renderPage writes a page in the dashboard's layout.
func renderPage(c echo.Context, status int, p page) error {
	p.LoggedIn, _ = c.Get(keyCookieAuth).(bool)
	b, err := pageHTML(p)
	if err != nil {
		return failf(http.StatusInternalServerError, "", "%v", err)
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.HTMLBlob(status, b)
}

func pageHTML(p page) ([]byte, error) {
	var b bytes.Buffer
	if err := uiTemplates.ExecuteTemplate(&b, "layout", p); err != nil {
		return nil, fmt.Errorf("render %s: %w", p.Page, err)
	}
	return b.Bytes(), nil
}

// uiBase is the world prefix of the request's links: "" for the default
// world, "/_w/NAME" for a world named by prefix or header.
func uiBase(c echo.Context) string {
	if simhttp.WorldChosen(c) {
		return "/_w/" + url.PathEscape(simhttp.WorldName(c))
	}
	return ""
}

// uiPage renders a page of the request's world.
func (s *Server) uiPage(c echo.Context, title, name string, data any) error {
	return renderPage(c, http.StatusOK, page{Title: title, Base: uiBase(c), World: simhttp.WorldName(c), Page: name, Data: data})
}

// back answers a form with a redirect to a page of the request's world
// (post/redirect/get, so a reload does not post again).
func back(c echo.Context, to string) error {
	return c.Redirect(http.StatusSeeOther, uiBase(c)+ctl+"/ui/"+to)
}

func (s *Server) coverageHTML(c echo.Context, rep CoverageReport) error {
	return renderPage(c, http.StatusOK, page{Title: "Coverage", Base: uiBase(c), World: rep.World, Page: "coverage", Data: rep})
}

// statusClass colours a status: ok, redirect, client or server error.
func statusClass(status int) string {
	switch {
	case status == 0:
		return "s-none"
	case status < 300:
		return "s-ok"
	case status < 400:
		return "s-redirect"
	case status < 500:
		return "s-client"
	}
	return "s-server"
}

// prettyBody indents a JSON body for reading; anything else is shown as is.
func prettyBody(body string) string {
	var b bytes.Buffer
	if json.Indent(&b, []byte(body), "", "  ") == nil {
		return b.String()
	}
	return body
}

// cellText shows a state value in a table cell: scalars as they are,
// anything nested as compact JSON.
func cellText(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case float64, bool:
		return fmt.Sprint(x)
	}
	raw, _ := json.Marshal(v)
	return string(raw)
}

// stateTable is one collection of a panel's objects, as rows of columns.
type stateTable struct {
	Name    string
	Columns []string
	Rows    [][]any
}

// panelStateView is what the state page shows of one panel: its collections
// as tables and its single values.
type panelStateView struct {
	Panel  string
	Tables []stateTable
	Values map[string]any
}

// viewPanelState turns a panel's snapshot into tables: a map or list of
// objects becomes a table, anything else a plain value.
func viewPanelState(panel string, raw json.RawMessage) panelStateView {
	ps := panelStateView{Panel: panel, Values: map[string]any{}}
	var top map[string]any
	if json.Unmarshal(raw, &top) != nil {
		ps.Values["state"] = string(raw)
		return ps
	}
	for _, key := range ordered.Keys(top) {
		if t, ok := objectTable(key, top[key]); ok {
			ps.Tables = append(ps.Tables, t)
		} else {
			ps.Values[key] = top[key]
		}
	}
	return ps
}

// objectTable makes a table of a map or list whose values are all objects.
func objectTable(name string, v any) (stateTable, bool) {
	var objs []map[string]any
	switch x := v.(type) {
	case map[string]any:
		for _, k := range ordered.Keys(x) {
			o, ok := x[k].(map[string]any)
			if !ok {
				return stateTable{}, false
			}
			objs = append(objs, o)
		}
	case []any:
		for _, el := range x {
			o, ok := el.(map[string]any)
			if !ok {
				return stateTable{}, false
			}
			objs = append(objs, o)
		}
	default:
		return stateTable{}, false
	}
	t := stateTable{Name: name}
	seen := map[string]bool{}
	for _, o := range objs {
		for k := range o {
			if !seen[k] {
				seen[k] = true
				t.Columns = append(t.Columns, k)
			}
		}
	}
	sort.Slice(t.Columns, func(i, j int) bool { return columnRank(t.Columns[i], t.Columns[j]) })
	for _, o := range objs {
		row := make([]any, len(t.Columns))
		for i, col := range t.Columns {
			row[i] = o[col]
		}
		t.Rows = append(t.Rows, row)
	}
	return t, true
}

// columnRank puts identifying columns first, then the rest by name.
func columnRank(a, b string) bool {
	rank := func(s string) int {
		switch strings.ToLower(s) {
		case "id":
			return 0
		case "name", "login", "email", "key":
			return 1
		}
		return 2
	}
	if ra, rb := rank(a), rank(b); ra != rb {
		return ra < rb
	}
	return a < b
}

// uiWorld is the request's world, created on first use like every control
// endpoint's.
func (s *Server) uiWorld(c echo.Context) (*state.World, error) { return s.world(c) }
