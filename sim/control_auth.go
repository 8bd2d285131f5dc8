package sim

import (
	"crypto/subtle"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"
)

// controlAuth guards every /_panelsim path but health with the control
// token (Config.ControlToken): on a shared host, whoever reaches the port
// must not read live tokens and journaled passwords or replace state. It is
// a Pre middleware after world selection, so /_w/{world}/_panelsim/... is
// guarded the same, and panel inspection hooks with the rest.
func (s *Server) controlAuth(next echo.HandlerFunc) echo.HandlerFunc {
	want := []byte("Bearer " + s.cfg.ControlToken)
	return func(c echo.Context) error {
		path := c.Request().URL.Path
		if (path != ctl && !strings.HasPrefix(path, ctl+"/")) || path == ctl+"/health" {
			return next(c)
		}
		got := []byte(c.Request().Header.Get(echo.HeaderAuthorization))
		if subtle.ConstantTimeCompare(got, want) == 1 {
			return next(c)
		}
		c.Response().Header().Set(echo.HeaderWWWAuthenticate, `Bearer realm="panelsim"`)
		return failf(http.StatusUnauthorized, "authorization", "the control plane needs Authorization: Bearer <token> (the --control-token panelsim was started with)").write(c)
	}
}

// ControlToken is the token the control plane requires ("" for none).
func (s *Server) ControlToken() string { return s.cfg.ControlToken }
