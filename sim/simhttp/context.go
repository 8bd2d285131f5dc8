package simhttp

import (
	"bytes"
	"io"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/panelsim/panelsim/state"
)

// WorldHeader names the world a request addresses, as an alternative to the
// /_w/{world}/ path prefix.
const WorldHeader = "X-Panelsim-World"

// DefaultWorld is the world a request without a world prefix or header uses.
const DefaultWorld = "default"

const (
	keyWorldName = "panelsim.world_name"
	keyWorld     = "panelsim.world"
	keyScope     = "panelsim.scope"
	keyPanel     = "panelsim.panel"
	keyFault     = "panelsim.fault"
	keyBody      = "panelsim.body"
	keyOp        = "panelsim.op"
	keyHijacked  = "panelsim.hijacked"
)

// maxBody bounds what panelsim reads of a request body.
const maxBody = 8 << 20

// SelectWorld is a Pre middleware: it strips a /_w/{world} prefix from the
// path (so routes see the vendor's own paths) and remembers the world name.
func SelectWorld(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		req := c.Request()
		name := req.Header.Get(WorldHeader)
		if rest, ok := strings.CutPrefix(req.URL.Path, "/_w/"); ok {
			world, path, _ := strings.Cut(rest, "/")
			name = world
			req.URL.Path = "/" + path
			if req.URL.RawPath != "" {
				if _, raw, ok := strings.Cut(strings.TrimPrefix(req.URL.RawPath, "/_w/"), "/"); ok {
					req.URL.RawPath = "/" + raw
				} else {
					req.URL.RawPath = ""
				}
			}
		}
		if name == "" {
			name = DefaultWorld
		}
		c.Set(keyWorldName, name)
		return next(c)
	}
}

// WorldName is the name of the world the request addresses.
func WorldName(c echo.Context) string {
	if n, ok := c.Get(keyWorldName).(string); ok {
		return n
	}
	return DefaultWorld
}

// World is the world the request addresses (set for every panel route).
func World(c echo.Context) *state.World {
	w, _ := c.Get(keyWorld).(*state.World)
	return w
}

// Do runs fn in the request's world with the request's scope (an armed
// task failure, notes for the journal).
func Do(c echo.Context, fn func(tx *state.Tx) error) error {
	scope, _ := c.Get(keyScope).(*state.Scope)
	return World(c).DoScoped(scope, fn)
}

// Body returns the request body, read once (at most 8 MiB) and kept, so the
// journal, the validator and the handler can all read it.
func Body(c echo.Context) []byte {
	if b, ok := c.Get(keyBody).([]byte); ok {
		return b
	}
	req := c.Request()
	var b []byte
	if req.Body != nil && req.Body != http.NoBody {
		b, _ = io.ReadAll(io.LimitReader(req.Body, maxBody))
		req.Body.Close()
	}
	req.Body = io.NopCloser(bytes.NewReader(b))
	c.Set(keyBody, b)
	return b
}

// RewindBody lets the request body be read again from the start.
func RewindBody(c echo.Context) {
	c.Request().Body = io.NopCloser(bytes.NewReader(Body(c)))
}

// SetOp names the request's operation (cmd, func, route) for the journal and
// fault matching when the panel knows it better than its Operation hook.
func SetOp(c echo.Context, op string) { c.Set(keyOp, op) }

// Op is the request's operation name.
func Op(c echo.Context) string {
	s, _ := c.Get(keyOp).(string)
	return s
}
