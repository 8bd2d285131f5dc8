package sim

import (
	"net/http/httptest"
	"net/url"
	"path"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"
)

// FuzzLoginNext holds the login's redirect target to its promise whatever
// the form says: either the worlds page, or the given next unchanged, and
// then a path of this server's dashboard (no scheme, no host, no
// protocol-relative or backslashed path, no line break).
func FuzzLoginNext(f *testing.F) {
	for _, s := range []string{"/_panelsim/ui/clock", "/_w/a/_panelsim/ui/state?x=1", "https://evil.example/", "//evil/_panelsim/ui",
		"/\\evil", "/_panelsim/ui/login", "/_panelsim/uix", "", "/_w//_panelsim/ui", "/%2F%2Fevil", "/_panelsim/ui\r\nSet-Cookie: x", "/\t/evil/_panelsim/ui"} {
		f.Add(s)
	}
	c := echo.New().NewContext(httptest.NewRequest("POST", "/_panelsim/ui/login", nil), httptest.NewRecorder())
	fallback := uiPath + "/worlds"
	f.Fuzz(func(t *testing.T, next string) {
		got := loginNext(c, next)
		if got == fallback {
			return
		}
		if got != next {
			t.Fatalf("next %q became %q", next, got)
		}
		u, err := url.Parse(got)
		if err != nil || u.Scheme != "" || u.Host != "" || !strings.HasPrefix(got, "/") || strings.HasPrefix(got, "//") || strings.ContainsAny(got, "\\\r\n") {
			t.Fatalf("next %q goes off the dashboard (%+v, %v)", next, u, err)
		}
		// Where a browser would go: this server, whatever the form said.
		if at := (&url.URL{Scheme: "http", Host: "panelsim.test", Path: "/"}).ResolveReference(u); at.Host != "panelsim.test" {
			t.Fatalf("next %q leads to %s", next, at)
		}
		page := u.Path
		if path.Clean(page) != page {
			t.Fatalf("next %q has dot segments", next)
		}
		if rest, ok := strings.CutPrefix(page, "/_w/"); ok {
			_, page, _ = strings.Cut(rest, "/")
			page = "/" + page
		}
		if !isUIPath(page) || page == uiLoginPath {
			t.Fatalf("next %q is not a dashboard page", next)
		}
	})
}
