package sim

import (
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"
)

// controlAuth guards every /_panelsim path but health with the control
// token (Config.ControlToken): on a shared host, whoever reaches the port
// must not read live tokens and journaled passwords or replace state. It is
// a Pre middleware after world selection, so /_w/{world}/_panelsim/... is
// guarded the same, and panel inspection hooks with the rest. The
// dashboard's login cookie (ui_login.go) stands in for the header where a
// browser needs it; a browser without either is sent to the login page.
func (s *Server) controlAuth(next echo.HandlerFunc) echo.HandlerFunc {
	want := "Bearer " + s.cfg.ControlToken
	return func(c echo.Context) error {
		req := c.Request()
		path := req.URL.Path
		if (path != ctl && !strings.HasPrefix(path, ctl+"/")) || path == ctl+"/health" || path == uiLoginPath {
			return next(c)
		}
		if tokenMatches(req.Header.Get(echo.HeaderAuthorization), want) {
			return next(c)
		}
		if cookieServes(req.Method, path) && s.cookieAuthenticates(c) {
			return next(c)
		}
		if isUIPath(path) && path != uiEventPath {
			return toLogin(c)
		}
		c.Response().Header().Set(echo.HeaderWWWAuthenticate, `Bearer realm="panelsim"`)
		return failf(http.StatusUnauthorized, "authorization", "the control plane needs Authorization: Bearer <token> (the --control-token panelsim was started with), or the dashboard's login at "+uiLoginPath).write(c)
	}
}

// ControlToken is the token the control plane requires ("" for none).
func (s *Server) ControlToken() string { return s.cfg.ControlToken }
