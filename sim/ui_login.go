package sim

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"net/url"
	"path"
	"strings"

	"github.com/labstack/echo/v4"
)

// A browser cannot send Authorization: Bearer on a page load, a form post
// or an EventSource, so with --control-token the dashboard has a login:
// the login page takes the token and answers with a cookie the control
// plane's guard (controlAuth) accepts in place of the header, for the
// dashboard (its pages, forms and live feed) and the coverage report it
// links to. The cookie is HttpOnly (no script reads it) and SameSite=Strict
// (no other site's page can make the browser send it, so no form
// elsewhere can act on the dashboard). Its value is derived from the token
// (an HMAC of a fixed label keyed by it), never the token itself, so it is
// the same for every login of one process and stops working when the
// process runs with another token.

const (
	uiPath      = ctl + "/ui"
	uiLoginPath = uiPath + "/login"
	uiEventPath = uiPath + "/events"
	// uiCookieName is the dashboard's login cookie.
	uiCookieName = "panelsim_control"
	// keyCookieAuth marks a request the cookie authenticated (the page
	// then offers to log out).
	keyCookieAuth = "panelsim.cookie_auth"
)

// tokenMatches compares a presented secret with the expected one in time
// that depends on neither (both are hashed first, so not even the length
// of the expected one leaks).
func tokenMatches(got, want string) bool {
	g, w := sha256.Sum256([]byte(got)), sha256.Sum256([]byte(want))
	return subtle.ConstantTimeCompare(g[:], w[:]) == 1
}

// uiCookieValue is the login cookie's value for the process's token.
func (s *Server) uiCookieValue() string {
	m := hmac.New(sha256.New, []byte(s.cfg.ControlToken))
	m.Write([]byte("panelsim dashboard login"))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// isUIPath says whether a (world-stripped) path is the dashboard's.
func isUIPath(path string) bool { return path == uiPath || strings.HasPrefix(path, uiPath+"/") }

// cookieServes says whether the login cookie stands in for the token on a
// request: the dashboard, and reading the coverage report its Coverage
// page links to (text and JSON). Nothing else: the JSON control plane
// stays a bearer-token API.
func cookieServes(method, path string) bool {
	return isUIPath(path) || (path == ctl+"/coverage" && (method == http.MethodGet || method == http.MethodHead))
}

// cookieAuthenticates reports whether the request carries the login
// cookie for the process's token, and marks it so.
func (s *Server) cookieAuthenticates(c echo.Context) bool {
	ck, err := c.Cookie(uiCookieName)
	if err != nil || !tokenMatches(ck.Value, s.uiCookieValue()) {
		return false
	}
	c.Set(keyCookieAuth, true)
	return true
}

// toLogin sends a browser that is not logged in to the login page, to come
// back where it was going (a form post comes back to the dashboard: its
// fields are not kept).
func toLogin(c echo.Context) error {
	next := uiBase(c) + uiPath
	if c.Request().Method == http.MethodGet {
		next = uiBase(c) + c.Request().URL.RequestURI()
	}
	return c.Redirect(http.StatusSeeOther, uiBase(c)+uiLoginPath+"?next="+url.QueryEscape(next))
}

// loginNext is where a login goes on to: the dashboard page it came from,
// if that is a path of this server's dashboard (of any world), else the
// worlds page. Nothing else, so the login cannot send a browser elsewhere.
func loginNext(c echo.Context, next string) string {
	fallback := uiBase(c) + uiPath + "/worlds"
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || !strings.HasPrefix(next, "/") ||
		strings.HasPrefix(next, "//") || strings.ContainsAny(next, "\\\r\n") {
		return fallback
	}
	page := u.Path
	if path.Clean(page) != page {
		return fallback // dot segments would lead a browser off the dashboard
	}
	if rest, ok := strings.CutPrefix(page, "/_w/"); ok {
		_, page, _ = strings.Cut(rest, "/")
		page = "/" + page
	}
	if !isUIPath(page) || page == uiLoginPath || page == uiPath+"/logout" {
		return fallback
	}
	return next
}

// loginPage is what the login template gets.
type loginPage struct {
	Next string
}

func (s *Server) renderLogin(c echo.Context, status int, next, refusal string) error {
	if status == http.StatusUnauthorized {
		c.Response().Header().Set(echo.HeaderWWWAuthenticate, `Bearer realm="panelsim"`)
	}
	return renderPage(c, status, page{Title: "Log in", Base: uiBase(c), Page: "login", Error: refusal, Standalone: true, Data: loginPage{Next: next}})
}

// uiLogin shows the login form; without a control token there is nothing
// to log into, and it goes straight on.
func (s *Server) uiLogin(c echo.Context) error {
	next := loginNext(c, c.QueryParam("next"))
	if s.cfg.ControlToken == "" {
		return c.Redirect(http.StatusSeeOther, next)
	}
	return s.renderLogin(c, http.StatusOK, next, "")
}

// uiLoginPost checks the form's token: the right one sets the cookie and
// goes on; a wrong one answers the login page again with the refusal.
func (s *Server) uiLoginPost(c echo.Context) error {
	next := loginNext(c, c.FormValue("next"))
	if s.cfg.ControlToken == "" {
		return c.Redirect(http.StatusSeeOther, next)
	}
	if !tokenMatches(c.FormValue("token"), s.cfg.ControlToken) {
		return s.renderLogin(c, http.StatusUnauthorized, next, "That is not the control token panelsim was started with (--control-token).")
	}
	c.SetCookie(&http.Cookie{
		Name: uiCookieName, Value: s.uiCookieValue(), Path: "/",
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: c.IsTLS(),
	})
	return c.Redirect(http.StatusSeeOther, next)
}

// uiLogout forgets the cookie and shows the login page.
func (s *Server) uiLogout(c echo.Context) error {
	c.SetCookie(&http.Cookie{
		Name: uiCookieName, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: c.IsTLS(),
	})
	return c.Redirect(http.StatusSeeOther, uiBase(c)+uiLoginPath)
}
