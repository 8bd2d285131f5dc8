package simhttp

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"github.com/labstack/echo/v4"

	"github.com/panelsim/panelsim/state"
)

// WorldHeader names the world a request addresses, as an alternative to the
// /_w/{world}/ path prefix.
const WorldHeader = "X-Panelsim-World"

// DefaultWorld is the world a request without a world prefix or header uses.
const DefaultWorld = "default"

// keyWalk holds the walk of a request whose context is not a walkContext
// (a test's bare echo context): see walkOf.
const keyWalk = "panelsim.walk"

// walk is what a request's walk carries from layer to layer. Serve makes
// it; the panel router fills the rest.
type walk struct {
	worldName string
	chosen    bool // the request named its world
	panel     string
	world     *state.World
	scope     state.Scope
	scoped    bool // scope belongs to a panel route's walk
	bodyLimit int64
	body      []byte
	bodyRead  bool
	reader    bodyReader // reads body; rewound in place, never remade
	op        string
	variant   string // the format the operation is served in (see Variants), for coverage
	answer    answerTee
	keeping   bool // answer keeps the answer for the journal
	// bodyRefused is the refusal of a body that was not read whole: over
	// the limit, or cut off by a read error.
	bodyRefused *Error
	// fault and faultAction name the rule that shaped the answer and its
	// kind of action; hijacked is the connection a hang-up took.
	fault, faultAction string
	hijacked           io.Closer
	violations         []state.Violation
	code               string // the native error code sent (SentCode)
	// values are what the request's handlers keep on its context (c.Set).
	values []value
}

// value is one entry of a walk's c.Set store.
type value struct {
	key string
	v   any
}

// walkContext is the context every request Serve hands to echo's routes:
// echo's own context with the walk beside it, so the walk is a type
// assertion away (walkOf) and the values a request keeps (c.Set, Memo) sit
// in a slice the pooled context reuses, rather than in a map echo makes
// anew for each request and reads under a lock.
type walkContext struct {
	echo.Context
	walk walk
}

// Get is the value kept under key, nil if none.
func (c *walkContext) Get(key string) any {
	for _, kv := range c.walk.values {
		if kv.key == key {
			return kv.v
		}
	}
	return nil
}

// Set keeps val under key for the rest of the request.
func (c *walkContext) Set(key string, val any) {
	for i := range c.walk.values {
		if c.walk.values[i].key == key {
			c.walk.values[i].v = val
			return
		}
	}
	c.walk.values = append(c.walk.values, value{key, val})
}

// QueryParams is the request's query; a request without one has none to
// parse, and gets nil Values (which answer Get and Has as an empty map
// does) rather than a map echo would make for every request.
func (c *walkContext) QueryParams() url.Values {
	if c.Request().URL.RawQuery == "" {
		return nil
	}
	return c.Context.QueryParams()
}

// reset readies a pooled context for the next request: a zero walk that
// keeps only the backing array of its values.
func (c *walkContext) reset() {
	values := c.walk.values[:0]
	clear(values[:cap(values)])
	c.walk = walk{} // cleared in place, not built aside and copied
	c.walk.values = values
}

// walkOf is the request's walk; a context that never passed Serve (a
// test's bare context) gets one made on first use.
func walkOf(c echo.Context) *walk {
	if wc, ok := c.(*walkContext); ok {
		return &wc.walk
	}
	return Memo(c, keyWalk, func() *walk { return &walk{worldName: DefaultWorld} })
}

// Memo is what compute gives for this request, computed on the first call
// and kept on the context under key: the walk, the journal, coverage and a
// handler often need the same thing read from one request (a panel's parsed
// parameters), and reading it again each time was a hot path's cost.
func Memo[T any](c echo.Context, key string, compute func() T) T {
	if v, ok := c.Get(key).(T); ok {
		return v
	}
	v := compute()
	c.Set(key, v)
	return v
}

// Serve is e's http.Handler with the walk: it does what echo's ServeHTTP
// does (a pooled context, the route found, its handler run, an error given
// to e.HTTPErrorHandler), with the request's world chosen first (see
// selectWorld) and each route handed a walkContext. pre are middleware run
// before the route is found, as echo's Pre (they may rewrite the path);
// they and the routing are wrapped once here, where echo wraps its Pre
// middleware anew on every request. e must route on its default router
// and use no middleware of its own (e.Use): Serve does not run it.
func Serve(e *echo.Echo, pre ...echo.MiddlewareFunc) http.Handler {
	h := func(c echo.Context) error {
		wc := c.(*walkContext)
		req := wc.Request()
		e.Router().Find(req.Method, echo.GetPath(req), wc.Context)
		return wc.Handler()(wc)
	}
	for i := len(pre) - 1; i >= 0; i-- {
		h = pre[i](h)
	}
	s := &server{e: e, h: h}
	s.pool.New = func() any { return &walkContext{Context: e.NewContext(nil, nil)} }
	return s
}

// server is Serve's handler.
type server struct {
	e    *echo.Echo
	h    echo.HandlerFunc
	pool sync.Pool
}

// Echo is the echo instance served, whose route table says what is served.
func (s *server) Echo() *echo.Echo { return s.e }

func (s *server) ServeHTTP(rw http.ResponseWriter, req *http.Request) {
	wc := s.pool.Get().(*walkContext)
	wc.Reset(req, rw)
	selectWorld(req, &wc.walk)
	if err := s.h(wc); err != nil {
		s.e.HTTPErrorHandler(err, wc)
	}
	wc.Reset(nil, nil)
	wc.reset()
	s.pool.Put(wc)
}

// DefaultMaxBody is the largest request body a panel reads unless
// Env.MaxBody says otherwise; a larger one is refused, never cut.
const DefaultMaxBody = 8 << 20

// selectWorld strips a /_w/{world} prefix from the path (so routes see
// the vendor's own paths) and names the request's world in w: the prefix's,
// else the WorldHeader's, else DefaultWorld.
func selectWorld(req *http.Request, w *walk) {
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
	w.worldName, w.chosen = name, name != ""
	if name == "" {
		w.worldName = DefaultWorld
	}
}

// WorldName is the name of the world the request addresses.
func WorldName(c echo.Context) string { return walkOf(c).worldName }

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
func WorldChosen(c echo.Context) bool { return walkOf(c).chosen }

// World is the world the request addresses (set for every panel route).
func World(c echo.Context) *state.World { return walkOf(c).world }

// setWorld names the world the request is served by.
func setWorld(c echo.Context, w *state.World) { walkOf(c).world = w }

// Do runs fn in the request's world with the request's scope (an armed
// task failure, notes for the journal).
func Do(c echo.Context, fn func(tx *state.Tx) error) error {
	return walkOf(c).world.DoScoped(scopeOf(c), fn)
}

// View is Do for a read, whose fn changes nothing a memo renders
// (state.Memo): the world's kept renderings stay good.
func View(c echo.Context, fn func(tx *state.Tx) error) error {
	return walkOf(c).world.ViewScoped(scopeOf(c), fn)
}

// scopeOf is the request's scope, nil outside a panel route's walk.
func scopeOf(c echo.Context) *state.Scope {
	if w := walkOf(c); w.scoped {
		return &w.scope
	}
	return nil
}

// Body returns the request body, read once and kept, so the journal, the
// validator and the handler can all read it. A body over the route's limit
// is read no further than the limit, and one whose read fails is not taken
// for a whole one (see BodyRefused).
func Body(c echo.Context) []byte {
	w := walkOf(c)
	if w.bodyRead {
		return w.body
	}
	req := c.Request()
	limit := w.bodyLimit
	if limit <= 0 {
		limit = DefaultMaxBody
	}
	var b []byte
	if req.Body != nil && req.Body != http.NoBody {
		var err error
		if req.ContentLength <= limit {
			b, err = ReadBody(req, limit)
		}
		switch {
		case req.ContentLength > limit || int64(len(b)) > limit:
			b = b[:min(int64(len(b)), limit)]
			refuseBody(c, &Error{Kind: KindBadRequest, Status: http.StatusRequestEntityTooLarge,
				Msg: fmt.Sprintf("request body too large: the limit is %d bytes", limit)})
		case err != nil:
			refuseBody(c, &Error{Kind: KindBadRequest, Status: http.StatusBadRequest,
				Msg: fmt.Sprintf("cannot read the request body: %v", err)})
		}
		req.Body.Close()
	}
	w.body, w.bodyRead = b, true
	req.Body = w.rewind()
	return b
}

// ReadBody reads a body of at most limit+1 bytes (one more than a body
// may have, to tell one over the limit). A body of a declared length is
// read into a slice of that length, in one allocation; net/http's body
// ends there, and a request's own reader is taken at its word (one
// shorter than declared is cut off, as net/http's would be).
func ReadBody(req *http.Request, limit int64) ([]byte, error) {
	if n := req.ContentLength; n > 0 && n <= limit {
		b := make([]byte, n)
		read, err := io.ReadFull(req.Body, b)
		if err == io.EOF {
			err = io.ErrUnexpectedEOF // fewer bytes than declared, as net/http says it
		}
		return b[:read], err
	}
	return io.ReadAll(io.LimitReader(req.Body, limit+1))
}

// bodyReader is the request body once read: a reader over the kept bytes
// that a rewind resets, so reading the body again allocates nothing.
type bodyReader struct{ bytes.Reader }

// Close does nothing: the bytes are the walk's.
func (*bodyReader) Close() error { return nil }

// rewind returns the kept body to read from the start; an empty body
// (every GET) is http.NoBody, which costs nothing to read.
func (w *walk) rewind() io.ReadCloser {
	if len(w.body) == 0 {
		return http.NoBody
	}
	w.reader.Reset(w.body)
	return &w.reader
}

// refuseBody records why a body was not read whole and closes the
// connection after the answer: what is left of the body is still on the
// wire, and Body has replaced the request's body, so net/http cannot see
// that it is unread and would read the rest as the next request.
func refuseBody(c echo.Context, e *Error) {
	walkOf(c).bodyRefused = e
	c.Response().Header().Set("Connection", "close")
}

// BodyRefused is the refusal of a body that was not read whole, nil when
// it was: one over its limit (413), or one whose read failed (400).
// Whatever followed the limit or the failure (trailing garbage, a bad key,
// the rest of a slow client's body) was never read, so such a request must
// not be served.
func BodyRefused(c echo.Context) *Error {
	return walkOf(c).bodyRefused
}

// RewindBody lets the request body be read again from the start.
func RewindBody(c echo.Context) {
	Body(c)
	c.Request().Body = walkOf(c).rewind()
}

// SetOp names the request's operation (cmd, func, route) for the journal and
// fault matching when the panel knows it better than its Operation hook.
func SetOp(c echo.Context, op string) { walkOf(c).op = op }

// Op is the request's operation name.
func Op(c echo.Context) string { return walkOf(c).op }
