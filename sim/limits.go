package sim

import (
	"cmp"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/panelsim/panelsim/sim/simhttp"
)

// DefaultMaxControlBody is the largest control-plane request body (a
// scenario, a snapshot, a fault list) unless Config.MaxControlBody says
// otherwise.
const DefaultMaxControlBody = 16 << 20

// The connection bounds of the servers panelsim starts, unless ConnLimits
// says otherwise: a client that sends its headers or body slowly, or holds
// an idle keep-alive connection, is cut off, headers (the URL and its query
// included) are bounded, and one client address holds a bounded number of
// connections. A real panel sits behind nginx, whose defaults are of the
// same order.
const (
	DefaultReadHeaderTimeout = 10 * time.Second
	DefaultReadTimeout       = 60 * time.Second
	DefaultIdleTimeout       = 120 * time.Second
	DefaultMaxHeaderBytes    = 64 << 10
	// DefaultMaxConnsPerClient is generous: a CI host whose many suites
	// reach panelsim through one Docker port share one address.
	DefaultMaxConnsPerClient = 256
)

// ConnLimits are the connection bounds of a server; a zero field takes
// its default (Default...). Tests set short timeouts to watch a slow or
// idle client being cut off without waiting for the defaults.
type ConnLimits struct {
	ReadHeaderTimeout time.Duration
	// ReadTimeout bounds the whole request, body included.
	ReadTimeout time.Duration
	// IdleTimeout is how long a keep-alive connection may wait for its
	// next request.
	IdleTimeout    time.Duration
	MaxHeaderBytes int
	// MaxConnsPerClient caps the connections open at once from one client
	// IP (negative: no cap); see Listener.
	MaxConnsPerClient int
}

// withDefaults fills the zero fields.
func (l ConnLimits) withDefaults() ConnLimits {
	l.ReadHeaderTimeout = cmp.Or(l.ReadHeaderTimeout, DefaultReadHeaderTimeout)
	l.ReadTimeout = cmp.Or(l.ReadTimeout, DefaultReadTimeout)
	l.IdleTimeout = cmp.Or(l.IdleTimeout, DefaultIdleTimeout)
	l.MaxHeaderBytes = cmp.Or(l.MaxHeaderBytes, DefaultMaxHeaderBytes)
	l.MaxConnsPerClient = cmp.Or(l.MaxConnsPerClient, DefaultMaxConnsPerClient)
	return l
}

// HTTPServer is an http.Server for h with the bounds of lim. No write
// timeout: a latency fault in real clock mode holds an answer back on
// purpose, for as long as the rule says. The per-client cap is the
// listener's: serve through lim.Listener.
func HTTPServer(h http.Handler, lim ConnLimits) *http.Server {
	lim = lim.withDefaults()
	return &http.Server{
		Handler: h, ReadHeaderTimeout: lim.ReadHeaderTimeout, ReadTimeout: lim.ReadTimeout,
		IdleTimeout: lim.IdleTimeout, MaxHeaderBytes: lim.MaxHeaderBytes,
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
	tooLarge := func() error {
		return failf(http.StatusRequestEntityTooLarge, "body", "request body too large: the limit is %d bytes", limit)
	}
	if req.ContentLength > limit {
		return nil, tooLarge()
	}
	body, err := simhttp.ReadBody(req, limit)
	if err != nil {
		return nil, failf(http.StatusBadRequest, "body", "cannot read body: %v", err)
	}
	if int64(len(body)) > limit {
		return nil, tooLarge()
	}
	return body, nil
}
