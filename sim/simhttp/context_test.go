package simhttp

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"
)

func selectWorld(path, header string) (world, rest string) {
	e := echo.New()
	req := httptest.NewRequest("GET", "http://x"+path, nil)
	if header != "" {
		req.Header.Set(WorldHeader, header)
	}
	c := e.NewContext(req, httptest.NewRecorder())
	_ = SelectWorld(func(c echo.Context) error { return nil })(c)
	return WorldName(c), req.URL.Path
}

func TestSelectWorld(t *testing.T) {
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
		w, rest := selectWorld(c.path, c.header)
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
		w, rest := selectWorld(path, "")
		if w == "" || !strings.HasPrefix(rest, "/") {
			t.Fatalf("%q: world %q rest %q", path, w, rest)
		}
	})
}
