package sim

import (
	"io"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
)

// DefaultMaxControlBody is the largest control-plane request body (a
// scenario, a snapshot, a fault list) unless Config.MaxControlBody says
// otherwise.
const DefaultMaxControlBody = 16 << 20

// Connection bounds of the servers panelsim starts: a client that sends its
// headers or body slowly, or holds an idle keep-alive connection, is cut
// off, and headers (the URL and its query included) are bounded. A real
// panel sits behind nginx, whose defaults are of the same order.
const (
	ReadHeaderTimeout = 10 * time.Second
	ReadTimeout       = 60 * time.Second
	IdleTimeout       = 120 * time.Second
	MaxHeaderBytes    = 64 << 10
)

// HTTPServer is an http.Server for h with panelsim's connection bounds. No
// write timeout: a latency fault in real clock mode holds an answer back on
// purpose, for as long as the rule says.
func HTTPServer(h http.Handler) *http.Server {
	return &http.Server{
		Handler: h, ReadHeaderTimeout: ReadHeaderTimeout, ReadTimeout: ReadTimeout,
		IdleTimeout: IdleTimeout, MaxHeaderBytes: MaxHeaderBytes,
	}
}

// readControlBody reads a control-plane body whole, refusing one over the
// limit with 413: a body is never cut, so what follows the limit (a bad key,
// trailing garbage) cannot go unseen.
func (s *Server) readControlBody(c echo.Context) ([]byte, error) {
	limit := s.cfg.MaxControlBody
	if limit <= 0 {
		limit = DefaultMaxControlBody
	}
	req := c.Request()
	tooLarge := failf(http.StatusRequestEntityTooLarge, "body", "request body too large: the limit is %d bytes", limit)
	if req.ContentLength > limit {
		return nil, tooLarge
	}
	body, err := io.ReadAll(io.LimitReader(req.Body, limit+1))
	if err != nil {
		return nil, failf(http.StatusBadRequest, "body", "cannot read body: %v", err)
	}
	if int64(len(body)) > limit {
		return nil, tooLarge
	}
	return body, nil
}
