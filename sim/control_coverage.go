package sim

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/panelsim/panelsim/sim/simhttp"
)

// coverageWorld is the world a coverage request names: ?world=, else the
// /_w/ prefix or header, else "" (every world merged).
func (s *Server) coverageWorld(c echo.Context) (string, error) {
	name := c.QueryParam("world")
	if name == "" && simhttp.WorldChosen(c) {
		name = simhttp.WorldName(c)
	}
	if name == "" {
		return "", nil
	}
	if _, ok := s.worlds.Lookup(name); !ok {
		return "", failf(http.StatusNotFound, "world", "no world named %q", name)
	}
	return name, nil
}

// coverage answers GET /_panelsim/coverage as JSON, ?format=text (the
// one-line-per-panel summary) or ?format=html.
func (s *Server) coverage(c echo.Context) error {
	world, err := s.coverageWorld(c)
	if err != nil {
		return err
	}
	rep := s.Coverage(world)
	switch c.QueryParam("format") {
	case "", "json":
		return c.JSON(http.StatusOK, rep)
	case "text":
		return c.String(http.StatusOK, rep.Summary())
	case "html":
		return s.coverageHTML(c, rep)
	}
	return failf(http.StatusBadRequest, "format", "format must be json, text or html (got %q)", c.QueryParam("format"))
}

func (s *Server) resetCoverage(c echo.Context) error {
	world, err := s.coverageWorld(c)
	if err != nil {
		return err
	}
	s.ResetCoverage(world)
	return c.JSON(http.StatusOK, s.Coverage(world))
}
