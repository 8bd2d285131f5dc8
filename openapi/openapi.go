// Package openapi ships panelsim's contracts (one OpenAPI 3 file per panel
// plus the control plane) and checks requests and responses against them.
// Our own tests validate every response they receive here, so the specs and
// the code cannot drift apart; --validate applies the same checks to what
// users send.
package openapi

import (
	"bytes"
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"
)

//go:embed *.yaml
var files embed.FS

// File returns the raw YAML of a spec by name ("dci6", "control", ...).
func File(name string) ([]byte, error) {
	return files.ReadFile(name + ".yaml")
}

// Source names a spec to load and how to map the paths a panel serves onto
// the spec's canonical paths (e.g. /dci/v3/... onto /api/dci/v3/...).
type Source struct {
	Name  string
	Canon func(path string) string
	// YAML, when set, is the spec itself instead of the shipped file (for
	// panels that exist only in tests).
	YAML []byte
	// Dispatch, for a panel that serves many operations on one URL, says
	// how it reads a request (see Dispatch and openapi/README.md).
	Dispatch *Dispatch
	// JSONBodies says the panel reads every request body as JSON whatever
	// its Content-Type (the vendor's own curl -d examples send JSON as a
	// form): such bodies are validated as application/json.
	JSONBodies bool
}

// Dispatch is how a panel that serves many operations on one URL (the
// IMserver cmd gateway, mgr5's func=) reads a request. Its spec describes
// each operation under a path "URL?param=value" marked with
// x-panelsim-dispatch; the contract checks a request to URL against the
// operation the panel will run, with every parameter the panel reads.
type Dispatch struct {
	// Read reads a request once, as the panel does: op names its operation
	// (the cmd or func) exactly as the panel does for its journal ("" when
	// there is none, and even when err is set); params are every parameter
	// the panel reads (query, form body, json= parameter, JSON body),
	// merged as the panel merges them, as text (JSON arrays and objects as
	// JSON text). An error is a request the panel cannot read.
	Read func(r *http.Request, body []byte) (op string, params url.Values, err error)
}

// dispatched is what Dispatch.Read made of a request.
type dispatched struct {
	op     string
	params url.Values
	err    error
}

// Contract is a set of loaded specs.
type Contract struct {
	specs []*spec
	// servedBy, when set, names the spec of the panel that serves a
	// request ("" when none does), so a request is checked against that
	// panel's spec only; without it each spec is tried in turn.
	servedBy func(method, path string) string
}

// ServedBy returns the contract checking each request against the spec
// servedBy names for it: the panel whose route serves it, as the server's
// route table says. A request no spec is named for has no route.
func (c *Contract) ServedBy(servedBy func(method, path string) string) *Contract {
	return &Contract{specs: c.specs, servedBy: servedBy}
}

type spec struct {
	name       string
	doc        *openapi3.T
	router     routers.Router
	canon      func(string) string
	variants   map[string]map[string]*variant // base path -> operation name -> variant
	dispatch   *Dispatch
	jsonBodies bool
}

var cache sync.Map // name -> *loaded

type loaded struct {
	doc      *openapi3.T
	router   routers.Router
	variants map[string]map[string]*variant
	err      error
}

// Load parses and checks the named specs (parsed once per process).
func Load(sources ...Source) (*Contract, error) {
	c := &Contract{}
	for _, src := range sources {
		l := load(src)
		if l.err != nil {
			return nil, l.err
		}
		canon := src.Canon
		if canon == nil {
			canon = func(p string) string { return p }
		}
		c.specs = append(c.specs, &spec{name: src.Name, doc: l.doc, router: l.router, canon: canon,
			variants: l.variants, dispatch: src.Dispatch, jsonBodies: src.JSONBodies})
	}
	return c, nil
}

func load(src Source) *loaded {
	if src.YAML != nil {
		return parse(src.Name, src.YAML)
	}
	if v, ok := cache.Load(src.Name); ok {
		return v.(*loaded)
	}
	var l *loaded
	if raw, err := File(src.Name); err != nil {
		l = &loaded{err: fmt.Errorf("spec %s: %w", src.Name, err)}
	} else {
		l = parse(src.Name, raw)
	}
	v, _ := cache.LoadOrStore(src.Name, l)
	return v.(*loaded)
}

func parse(name string, raw []byte) *loaded {
	doc, err := openapi3.NewLoader().LoadFromData(raw)
	if err != nil {
		return &loaded{err: fmt.Errorf("spec %s: %w", name, err)}
	}
	if err := doc.Validate(context.Background()); err != nil {
		return &loaded{err: fmt.Errorf("spec %s is invalid: %w", name, err)}
	}
	variants, err := dispatchVariants(doc)
	if err != nil {
		return &loaded{err: fmt.Errorf("spec %s: %w", name, err)}
	}
	router, err := legacy.NewRouter(doc)
	if err != nil {
		return &loaded{err: fmt.Errorf("spec %s: %w", name, err)}
	}
	return &loaded{doc: doc, router: router, variants: variants}
}

// Doc returns a loaded spec document.
func (c *Contract) Doc(name string) *openapi3.T {
	for _, s := range c.specs {
		if s.name == name {
			return s.doc
		}
	}
	return nil
}

// ErrNoRoute is returned for a request the contract has no operation for
// (an unknown route: its answer cannot be checked against an operation).
var ErrNoRoute = errors.New("no operation in the contract")

// match is the spec operation a request is checked against.
type match struct {
	spec   *spec
	route  *routers.Route
	params map[string]string
	req    *http.Request // a copy with the path in the spec's canonical form
	// variant is the dispatched operation (IMserver cmd, mgr5 func) when
	// the request is to a shared URL and its spec describes the operation.
	variant *variant
	base    *openapi3.Operation // the shared URL's own operation
	// read is the request as the panel reads it, on a shared URL (read
	// once: finding the operation, checking its parameters and picking the
	// answer's schema all need it).
	read dispatched
}

// route finds the spec operation for a request in the serving panel's spec
// (or, without servedBy, in the first spec that has one), with the path
// mapped onto the spec's canonical form; on a shared URL it picks the
// operation the panel names.
func (c *Contract) route(r *http.Request, body []byte) (*match, error) {
	served := ""
	if c.servedBy != nil {
		served = c.servedBy(r.Method, r.URL.Path)
	}
	for _, s := range c.specs {
		if c.servedBy != nil && served != s.name {
			continue
		}
		req := r.Clone(r.Context())
		req.URL.Path = s.canon(r.URL.Path)
		req.URL.RawPath = ""
		route, params, err := s.router.FindRoute(req)
		if err != nil {
			continue
		}
		m := &match{spec: s, route: route, params: params, req: req}
		if vs := s.variants[route.Path]; vs != nil && s.dispatch != nil {
			d := &m.read
			d.op, d.params, d.err = s.dispatch.Read(r, body)
			if v, op := variantOp(vs, d.op, r.Method); op != nil {
				m.variant, m.base = v, route.Operation
				m.route = &routers.Route{Spec: route.Spec, Server: route.Server, Path: v.key, PathItem: v.item,
					Method: route.Method, Operation: op}
			}
		}
		return m, nil
	}
	return nil, fmt.Errorf("%w for %s %s", ErrNoRoute, r.Method, r.URL.Path)
}

var options = &openapi3filter.Options{
	AuthenticationFunc:    openapi3filter.NoopAuthenticationFunc,
	IncludeResponseStatus: true,
	MultiError:            false,
}

// dispatchedOptions check a dispatched request's merged parameters, which
// stand in for its query and body alike.
var dispatchedOptions = &openapi3filter.Options{
	AuthenticationFunc:    openapi3filter.NoopAuthenticationFunc,
	IncludeResponseStatus: true,
	ExcludeRequestBody:    true,
}

// allOf is opts collecting every violation instead of stopping at the
// first. A message that breaks the contract is checked a second time with
// it (Violation.all): the first violation stays what strict mode answers,
// byte for byte, and Findings reports every one.
func allOf(opts *openapi3filter.Options) *openapi3filter.Options {
	all := *opts
	all.MultiError = true
	return &all
}

// ValidateRequest checks a request (its body given separately, since the
// caller has usually read it already) against the contract. A request to
// a shared URL whose operation the spec does not describe (an unknown
// command) is ErrNoRoute: the panel answers it natively.
func (c *Contract) ValidateRequest(r *http.Request, body []byte) error {
	m, err := c.route(r, body)
	if err != nil {
		return err
	}
	if m.spec.variants[m.route.Path] != nil && m.variant == nil {
		return fmt.Errorf("%w for %s %s: no operation named %q", ErrNoRoute, r.Method, r.URL.Path, m.read.op)
	}
	opts := options
	req := m.req
	var unknown *Violation
	if m.variant != nil {
		vals := m.read.params
		if err := m.read.err; err != nil {
			return err
		}
		if !m.spec.openParams() {
			unknown = unknownParams(vals, m.base.Parameters, m.route.PathItem.Parameters, m.route.Operation.Parameters)
		}
		req.URL.RawQuery = vals.Encode()
		req.Header.Del("Content-Type")
		body, opts = nil, dispatchedOptions
	} else if m.spec.jsonBodies {
		readAsJSON(req, m.route.Operation, body)
	}
	check := func(opts *openapi3filter.Options) error {
		req.Body = io.NopCloser(bytes.NewReader(body))
		in := &openapi3filter.RequestValidationInput{Request: req, PathParams: m.params, Route: m.route, Options: opts}
		return openapi3filter.ValidateRequest(r.Context(), in)
	}
	err = withAll(check(opts), func() error { return check(allOf(opts)) })
	if unknown != nil {
		// Unknown parameters are named first (strict mode answers them),
		// and the declared ones' violations are reported with them.
		var found *Violation
		if errors.As(err, &found) && found.all != nil {
			unknown.all = append(unknown.all.(openapi3.MultiError), found.all)
		}
		err = unknown
	}
	if err != nil && m.variant != nil {
		return fmt.Errorf("%s=%s: %w", m.variant.param, m.variant.value, err)
	}
	return err
}

// withAll is the Violation of err (the first violation found), carrying
// every violation that again() finds; nil for nil.
func withAll(err error, again func() error) error {
	if err == nil {
		return nil
	}
	v := tidy(err).(*Violation)
	v.all = again()
	return v
}

// readAsJSON gives a non-empty body the JSON content type when the panel
// reads it as JSON anyway and the operation takes JSON, so its schema
// applies to what curl -d sends as a form.
func readAsJSON(req *http.Request, op *openapi3.Operation, body []byte) {
	if len(bytes.TrimSpace(body)) == 0 || op.RequestBody == nil || op.RequestBody.Value == nil {
		return
	}
	if op.RequestBody.Value.GetMediaType("application/json") == nil {
		return
	}
	mt, _, _ := mime.ParseMediaType(req.Header.Get("Content-Type"))
	if mt == "application/json" || strings.HasSuffix(mt, "+json") {
		return
	}
	req.Header.Set("Content-Type", "application/json")
}

// ValidateResponse checks an answer to r (whose body was reqBody) against
// the contract.
func (c *Contract) ValidateResponse(r *http.Request, reqBody []byte, status int, header http.Header, body []byte) error {
	m, err := c.route(r, reqBody)
	if err != nil {
		return err
	}
	check := func(opts *openapi3filter.Options) error {
		req := m.req
		req.Body = io.NopCloser(bytes.NewReader(reqBody))
		in := &openapi3filter.ResponseValidationInput{
			RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: m.params, Route: m.route, Options: opts},
			Status:                 status,
			Header:                 header,
			Body:                   io.NopCloser(bytes.NewReader(body)),
			Options:                opts,
		}
		return openapi3filter.ValidateResponse(r.Context(), in)
	}
	if schema, _, ok := m.outSchema(r, reqBody); ok {
		err = checkOut(schema, status, m.route.Operation, body)
	} else {
		err = withAll(check(options), func() error { return check(allOf(options)) })
	}
	if err != nil && m.variant != nil {
		return fmt.Errorf("%s=%s: %w", m.variant.param, m.variant.value, err)
	}
	return err
}

// Violation is how a request or an answer breaks the contract.
type Violation struct {
	// Msg is kin-openapi's reason, cut to its first readable lines.
	Msg string
	// Pointer is the JSON pointer of the offending value in the body, when
	// a schema check of the body found it ("" otherwise).
	Pointer string
	// Param names the parameter at fault, when a parameter is the reason.
	Param string
	// Missing names the required parameter (or top-level field of a
	// request body) that was not sent, when that is the reason (panels
	// with a native "missing parameter" answer use it).
	Missing string
	// err is kin-openapi's error, for Findings (errors.As reaches it).
	err error
	// all is kin-openapi's error listing every violation of the message
	// (nil when only err is known), for Findings.
	all error
}

func (v *Violation) Error() string { return v.Msg }

// Unwrap is kin-openapi's error underneath.
func (v *Violation) Unwrap() error { return v.err }

// pointerEscape escapes a JSON pointer token (RFC 6901).
var pointerEscape = strings.NewReplacer("~", "~0", "/", "~1")

// tidy turns kin-openapi's error into a Violation with a short message.
func tidy(err error) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	if i := strings.Index(msg, "\nSchema:"); i > 0 {
		msg = msg[:i]
	}
	v := &Violation{Msg: strings.TrimSpace(msg), err: err}
	var re *openapi3filter.RequestError
	if errors.As(err, &re) && re.Parameter != nil {
		v.Param = re.Parameter.Name
		if errors.Is(re.Err, openapi3filter.ErrInvalidRequired) {
			v.Missing = re.Parameter.Name
		}
	}
	var se *openapi3.SchemaError
	if errors.As(err, &se) {
		ptr := se.JSONPointer()
		for _, tok := range ptr {
			v.Pointer += "/" + pointerEscape.Replace(tok)
		}
		if re != nil && re.RequestBody != nil && se.SchemaField == "required" && len(ptr) == 1 {
			// A top-level field of a request body is the panel's parameter
			// as much as a query one: its own "is required" answer applies.
			v.Missing = ptr[0]
		}
	}
	return v
}

// Names are the specs panelsim ships.
var Names = []string{"control", "dci6", "imserver", "dbc", "ispmgr"}

// JSON returns a spec as JSON (anchors expanded, keys sorted), for tools
// that read only JSON.
func JSON(name string) ([]byte, error) {
	l := load(Source{Name: name})
	if l.err != nil {
		return nil, l.err
	}
	return json.MarshalIndent(l.doc, "", "  ")
}
