package simhttp

import (
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"
)

// worldOf serves a request for path through Serve and returns the world
// and the path its route saw.
func worldOf(path, header string) (world, rest string) {
	e := echo.New()
	e.Any("/*", func(c echo.Context) error {
		world, rest = WorldName(c), c.Request().URL.Path
		return nil
	})
	e.Any("/", func(c echo.Context) error {
		world, rest = WorldName(c), c.Request().URL.Path
		return nil
	})
	req := httptest.NewRequest("GET", "http://x"+path, nil)
	if header != "" {
		req.Header.Set(WorldHeader, header)
	}
	Serve(e).ServeHTTP(httptest.NewRecorder(), req)
	return world, rest
}

func TestServeSelectsTheWorld(t *testing.T) {
	cases := []struct{ path, header, world, rest string }{
		{"/api/dci/v3/server", "", "default", "/api/dci/v3/server"},
		{"/_w/blue/api/dci/v3/server", "", "blue", "/api/dci/v3/server"},
		{"/_w/blue", "", "blue", "/"},
		{"/_w/blue/", "", "blue", "/"},
		{"/ispmgr", "green", "green", "/ispmgr"},
		{"/_w/blue/ispmgr", "green", "blue", "/ispmgr"},
		{"/_w//api", "", "default", "/api"},
	}
	for _, c := range cases {
		w, rest := worldOf(c.path, c.header)
		if w != c.world || rest != c.rest {
			t.Errorf("%s (header %q): world %q path %q, want %q %q", c.path, c.header, w, rest, c.world, c.rest)
		}
	}
}

func FuzzSelectWorld(f *testing.F) {
	f.Add("/_w/a/b/c")
	f.Add("/_w/%2F/x")
	f.Fuzz(func(t *testing.T, path string) {
		if !strings.HasPrefix(path, "/") || strings.ContainsAny(path, " ?#\x00\r\n\t") {
			return
		}
		defer func() {
			if p := recover(); p != nil {
				t.Skip("not a valid request target")
			}
		}()
		w, rest := worldOf(path, "")
		if w == "" || !strings.HasPrefix(rest, "/") {
			t.Fatalf("%q: world %q rest %q", path, w, rest)
		}
	})
}

// TestServeKeepsValuesPerRequest: what one request keeps on its context
// (c.Set, Memo) is its own; the pooled context the next request gets
// starts with nothing.
func TestServeKeepsValuesPerRequest(t *testing.T) {
	e := echo.New()
	var seen []any
	e.GET("/set", func(c echo.Context) error {
		seen = append(seen, c.Get("k"))
		c.Set("k", "first")
		c.Set("k", "second")
		seen = append(seen, c.Get("k"), Memo(c, "m", func() int { return 7 }), Memo(c, "m", func() int { return 8 }))
		return nil
	})
	h := Serve(e)
	for range 2 {
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/set", nil))
	}
	want := []any{nil, "second", 7, 7, nil, "second", 7, 7}
	if len(seen) != len(want) {
		t.Fatalf("seen %v, want %v", seen, want)
	}
	for i := range want {
		if seen[i] != want[i] {
			t.Fatalf("seen %v, want %v", seen, want)
		}
	}
}

// indentedByEcho is what echo's c.JSON itself decides.
func indentedByEcho(c echo.Context) bool {
	_, pretty := c.QueryParams()["pretty"]
	return c.Echo().Debug || pretty
}

func indentedCase(t *testing.T, query string, debug bool) {
	e := echo.New()
	e.Debug = debug
	req := httptest.NewRequest("GET", "/", nil)
	req.URL.RawQuery = query
	c := e.NewContext(req, httptest.NewRecorder())
	if got, want := Indented(c), indentedByEcho(e.NewContext(req, nil)); got != want {
		t.Fatalf("query %q debug %v: Indented %v, echo indents %v", query, debug, got, want)
	}
}

func TestIndented(t *testing.T) {
	for _, q := range []string{"", "pretty", "pretty=1", "a=1&pretty", "%70retty", "p%72etty=", "a=pretty", "prettyx=1", "x;pretty", "%zz&pretty"} {
		for _, debug := range []bool{false, true} {
			indentedCase(t, q, debug)
		}
	}
}

func FuzzIndented(f *testing.F) {
	for _, q := range []string{"", "pretty", "%70retty", "a=pretty&b", "x=%"} {
		f.Add(q)
	}
	f.Fuzz(func(t *testing.T, q string) { indentedCase(t, q, false) })
}

// bodyOf serves a request whose body is body and declares length
// declared, and returns what Body read and the refusal, if any.
func bodyOf(t *testing.T, body string, declared int64) (string, *Error) {
	t.Helper()
	var got string
	var refused *Error
	e := echo.New()
	e.POST("/", func(c echo.Context) error {
		got, refused = string(Body(c)), BodyRefused(c)
		return nil
	})
	req := httptest.NewRequest("POST", "/", strings.NewReader(body))
	req.ContentLength = declared
	Serve(e).ServeHTTP(httptest.NewRecorder(), req)
	return got, refused
}

func TestBodyReadsWhatWasDeclared(t *testing.T) {
	for _, tc := range []struct {
		body     string
		declared int64
		want     string
		refusal  string
	}{
		{`{"a":1}`, 7, `{"a":1}`, ""},
		{`{"a":1}`, -1, `{"a":1}`, ""}, // chunked: read to the end
		{`{"a":1}`, 3, `{"a`, ""},      // net/http's body ends at the declared length
		{`{"a"`, 7, `{"a"`, "cannot read the request body: unexpected EOF"},
		{``, 7, ``, "cannot read the request body: unexpected EOF"},
		{``, 0, ``, ""},
		{strings.Repeat("x", DefaultMaxBody+1), -1, strings.Repeat("x", DefaultMaxBody), "request body too large: the limit is 8388608 bytes"},
	} {
		got, refused := bodyOf(t, tc.body, tc.declared)
		msg := ""
		if refused != nil {
			msg = refused.Msg
		}
		if got != tc.want || msg != tc.refusal {
			t.Errorf("%.20q declared %d: read %.20q refused %q, want %.20q refused %q", tc.body, tc.declared, got, msg, tc.want, tc.refusal)
		}
	}
}

func TestStatusNameIsItoa(t *testing.T) {
	for code := -2; code < 1200; code++ {
		if got, want := statusName(code), strconv.Itoa(code); got != want {
			t.Fatalf("statusName(%d) = %q, want %q", code, got, want)
		}
	}
}

// TestServeQueryParams: a request without a query gets no map to fill, and
// one with a query gets echo's parse of it.
func TestServeQueryParams(t *testing.T) {
	e := echo.New()
	var got []url.Values
	e.GET("/q", func(c echo.Context) error {
		got = append(got, c.QueryParams())
		return nil
	})
	h := Serve(e)
	for _, target := range []string{"/q", "/q?a=1&a=2&b"} {
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", target, nil))
	}
	if got[0] != nil || got[0].Get("a") != "" || got[0].Has("a") {
		t.Errorf("no query: %v", got[0])
	}
	if q := got[1]; len(q["a"]) != 2 || q.Get("a") != "1" || !q.Has("b") {
		t.Errorf("a=1&a=2&b: %v", q)
	}
}
