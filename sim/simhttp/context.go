package simhttp

import (
	"bytes"
	"fmt"
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
	keyBodyLimit = "panelsim.body_limit"
	// keyBodyTooLarge holds the limit a body went over.
	keyBodyTooLarge = "panelsim.body_too_large"
	keyViolations   = "panelsim.violations"

	keyWorldChosen = "panelsim.world_chosen"
)

// DefaultMaxBody is the largest request body a panel reads unless
// Env.MaxBody says otherwise; a larger one is refused, never cut.
const DefaultMaxBody = 8 << 20

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
		} else {
			c.Set(keyWorldChosen, true)
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

// WorldErrorStatus is the HTTP status for a world that cannot be had: 503
// when the process holds all the worlds it may (a client may retry later),
// 400 for a name that cannot be a world's.
func WorldErrorStatus(err error) int {
	if state.IsFull(err) {
		return http.StatusServiceUnavailable
	}
	return http.StatusBadRequest
}

// WorldChosen says whether the request named its world (a /_w/ prefix or
// the header) rather than falling back to the default one.
func WorldChosen(c echo.Context) bool {
	chosen, _ := c.Get(keyWorldChosen).(bool)
	return chosen
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

// Body returns the request body, read once and kept, so the journal, the
// validator and the handler can all read it. A body over the route's limit
// (see BodyTooLarge) is read no further than the limit.
func Body(c echo.Context) []byte {
	if b, ok := c.Get(keyBody).([]byte); ok {
		return b
	}
	req := c.Request()
	limit, _ := c.Get(keyBodyLimit).(int64)
	if limit <= 0 {
		limit = DefaultMaxBody
	}
	var b []byte
	if req.Body != nil && req.Body != http.NoBody {
		if req.ContentLength <= limit {
			b, _ = io.ReadAll(io.LimitReader(req.Body, limit+1))
		}
		if req.ContentLength > limit || int64(len(b)) > limit {
			b = b[:min(int64(len(b)), limit)]
			c.Set(keyBodyTooLarge, limit)
		}
		req.Body.Close()
	}
	req.Body = io.NopCloser(bytes.NewReader(b))
	c.Set(keyBody, b)
	return b
}

// BodyTooLarge is the refusal of a body over its limit, nil when the body
// fits. Whatever followed the limit (trailing garbage included) was never
// read, so such a request must not be served.
func BodyTooLarge(c echo.Context) *Error {
	limit, ok := c.Get(keyBodyTooLarge).(int64)
	if !ok {
		return nil
	}
	return &Error{Kind: KindBadRequest, Status: http.StatusRequestEntityTooLarge,
		Msg: fmt.Sprintf("request body too large: the limit is %d bytes", limit)}
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
