package sim_test

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/panelsim/panelsim/internal/simtest"
	"github.com/panelsim/panelsim/panelsimtest"
)

// browserish sends requests as a browser does (forms, cookies), without
// following redirects, and checks every answer against the contract.
type browserish struct {
	t      *testing.T
	srv    *panelsimtest.Server
	cookie *http.Cookie
}

func (b *browserish) do(method, path, form string) *simtest.Response {
	b.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel() // ends a live feed once its headers are read
	req, _ := http.NewRequestWithContext(ctx, method, b.srv.BaseURL()+path, strings.NewReader(form))
	if form != "" {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if b.cookie != nil {
		req.AddCookie(b.cookie)
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	var body bytes.Buffer
	if resp.Header.Get("Content-Type") != "text/event-stream" {
		_, _ = body.ReadFrom(resp.Body)
	}
	r := &simtest.Response{Status: resp.StatusCode, Header: resp.Header, Body: body.Bytes()}
	simtest.CheckAnswer(b.t, b.srv.Sim().Contract(), req, []byte(form), r)
	return r
}

// expectRedirect checks a 303 to location.
func expectRedirect(t *testing.T, r *simtest.Response, location string) {
	t.Helper()
	if r.Status != http.StatusSeeOther || r.Header.Get("Location") != location {
		t.Fatalf("answered %d to %q, want 303 to %q\n%s", r.Status, r.Header.Get("Location"), location, r.Body)
	}
}

// loginCookie is the cookie a response sets, or nil.
func loginCookie(r *simtest.Response) *http.Cookie {
	for _, c := range (&http.Response{Header: r.Header}).Cookies() {
		if c.Name == "panelsim_control" {
			return c
		}
	}
	return nil
}

// With --control-token a browser logs in once with the token and then
// uses the dashboard (pages, forms, live feed, the coverage report it
// links to) on the cookie; the cookie opens nothing else of the control
// plane, and a wrong token gets the login page again.
func TestDashboardLoginWithTheControlToken(t *testing.T) {
	const token = "s3cret-control"
	srv := panelsimtest.RunT(t, panelsimtest.WithControlToken(token))
	b := &browserish{t: t, srv: srv}

	expectRedirect(t, b.do("GET", "/_panelsim/ui/clock", ""), "/_panelsim/ui/login?next="+url.QueryEscape("/_panelsim/ui/clock"))
	expectRedirect(t, b.do("GET", "/_w/other/_panelsim/ui/journal?panel=dci6", ""),
		"/_w/other/_panelsim/ui/login?next="+url.QueryEscape("/_w/other/_panelsim/ui/journal?panel=dci6"))
	expectRedirect(t, b.do("POST", "/_panelsim/ui/clock/advance", "by=1h"), "/_panelsim/ui/login?next="+url.QueryEscape("/_panelsim/ui"))
	if r := b.do("GET", "/_panelsim/ui/events", ""); r.Status != http.StatusUnauthorized {
		t.Fatalf("the live feed without a login: %d", r.Status)
	}

	login := b.do("GET", "/_panelsim/ui/login?next="+url.QueryEscape("/_panelsim/ui/clock"), "")
	if login.Status != 200 || !strings.Contains(string(login.Body), `id="login"`) || !strings.Contains(string(login.Body), `value="/_panelsim/ui/clock"`) || strings.Contains(string(login.Body), "<nav>") {
		t.Fatalf("login page %d:\n%s", login.Status, login.Body)
	}
	for _, wrong := range []string{"s3cret-contro", "s3cret-control!", "", "Bearer " + token} {
		r := b.do("POST", "/_panelsim/ui/login", url.Values{"token": {wrong}, "next": {"/_panelsim/ui/clock"}}.Encode())
		if r.Status != http.StatusUnauthorized || !strings.Contains(string(r.Body), `role="alert"`) || !strings.Contains(string(r.Body), `id="login"`) || loginCookie(r) != nil {
			t.Fatalf("token %q: %d cookie %v\n%s", wrong, r.Status, loginCookie(r), r.Body)
		}
	}

	ok := b.do("POST", "/_panelsim/ui/login", url.Values{"token": {token}, "next": {"/_w/other/_panelsim/ui/journal?panel=dci6"}}.Encode())
	expectRedirect(t, ok, "/_w/other/_panelsim/ui/journal?panel=dci6")
	ck := loginCookie(ok)
	if ck == nil || !ck.HttpOnly || ck.SameSite != http.SameSiteStrictMode || ck.Path != "/" || ck.Value == "" || strings.Contains(ck.Value, token) {
		t.Fatalf("login cookie %+v (Set-Cookie %q)", ck, ok.Header.Get("Set-Cookie"))
	}
	b.cookie = ck

	clock := b.do("GET", "/_panelsim/ui/clock", "")
	if clock.Status != 200 || !strings.Contains(string(clock.Body), `id="logout"`) {
		t.Fatalf("clock page with the cookie: %d\n%.400s", clock.Status, clock.Body)
	}
	if r := b.do("GET", "/_w/other/_panelsim/ui/events", ""); r.Status != 200 || r.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("the live feed with the cookie: %d %s", r.Status, r.Header.Get("Content-Type"))
	}
	expectRedirect(t, b.do("POST", "/_panelsim/ui/clock/advance", "by=1h"), "/_panelsim/ui/clock")
	if r := b.do("GET", "/_panelsim/coverage?format=text", ""); r.Status != 200 || !strings.HasPrefix(string(r.Body), "dci6: ") {
		t.Fatalf("the coverage report the dashboard links to: %d %s", r.Status, r.Body)
	}
	for _, call := range []struct{ method, path string }{
		{"GET", "/_panelsim/requests"}, {"GET", "/_panelsim/clock"}, {"DELETE", "/_panelsim/coverage"}, {"POST", "/_panelsim/clock/advance"},
	} {
		if r := b.do(call.method, call.path, ""); r.Status != http.StatusUnauthorized {
			t.Errorf("the cookie opened %s %s: %d", call.method, call.path, r.Status)
		}
	}
	c := simtest.New(t, srv)
	if now := c.Get("/_panelsim/clock").Expect(t, 200).Map(t)["now"].(string); !strings.Contains(now, "T01:00:00") {
		t.Errorf("the form's advance (on the cookie) did not move the clock by 1h: %s", now)
	}

	forged := &browserish{t: t, srv: srv, cookie: &http.Cookie{Name: "panelsim_control", Value: token}}
	expectRedirect(t, forged.do("GET", "/_panelsim/ui/state", ""), "/_panelsim/ui/login?next="+url.QueryEscape("/_panelsim/ui/state"))
	other := panelsimtest.RunT(t, panelsimtest.WithControlToken("another-token"))
	elsewhere := &browserish{t: t, srv: other, cookie: ck}
	expectRedirect(t, elsewhere.do("GET", "/_panelsim/ui/state", ""), "/_panelsim/ui/login?next="+url.QueryEscape("/_panelsim/ui/state"))

	out := b.do("POST", "/_panelsim/ui/logout", "")
	expectRedirect(t, out, "/_panelsim/ui/login")
	if gone := loginCookie(out); gone == nil || gone.MaxAge >= 0 || gone.Value != "" {
		t.Fatalf("logout leaves the cookie: %+v", gone)
	}
}

// A login goes on only to a page of this server's dashboard: any other
// next (another site, another path, the login itself) is the worlds page.
func TestDashboardLoginGoesOnOnlyToTheDashboard(t *testing.T) {
	const token = "tok"
	srv := panelsimtest.RunT(t, panelsimtest.WithControlToken(token))
	b := &browserish{t: t, srv: srv}
	for next, want := range map[string]string{
		"/_panelsim/ui/faults":         "/_panelsim/ui/faults",
		"/_w/a/_panelsim/ui/state?x=1": "/_w/a/_panelsim/ui/state?x=1",
		"https://evil.example/":        "/_panelsim/ui/worlds",
		"//evil.example/_panelsim/ui":  "/_panelsim/ui/worlds",
		"/\\evil.example":              "/_panelsim/ui/worlds",
		"/api/dci/v3/server":           "/_panelsim/ui/worlds",
		"/_panelsim/requests":          "/_panelsim/ui/worlds",
		"/_panelsim/ui/login":          "/_panelsim/ui/worlds",
		"/_panelsim/uifoo":             "/_panelsim/ui/worlds",
		"/_panelsim/ui/../requests":    "/_panelsim/ui/worlds",
		"":                             "/_panelsim/ui/worlds",
	} {
		r := b.do("POST", "/_panelsim/ui/login", url.Values{"token": {token}, "next": {next}}.Encode())
		if r.Header.Get("Location") != want {
			t.Errorf("next %q went to %q, want %q", next, r.Header.Get("Location"), want)
		}
	}
}

// Without a control token there is nothing to log into: the login page
// goes straight on, and pages offer no logout.
func TestDashboardLoginWithoutAToken(t *testing.T) {
	srv := panelsimtest.RunT(t)
	b := &browserish{t: t, srv: srv}
	expectRedirect(t, b.do("GET", "/_panelsim/ui/login?next="+url.QueryEscape("/_panelsim/ui/clock"), ""), "/_panelsim/ui/clock")
	expectRedirect(t, b.do("POST", "/_panelsim/ui/login", "token=x"), "/_panelsim/ui/worlds")
	if r := b.do("GET", "/_panelsim/ui/clock", ""); r.Status != 200 || strings.Contains(string(r.Body), `id="logout"`) {
		t.Fatalf("clock page without a token: %d", r.Status)
	}
}
