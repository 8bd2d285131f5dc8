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
	"errors"
	"fmt"
	"io"
	"net/http"
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
}

// Contract is a set of loaded specs with disjoint paths.
type Contract struct {
	specs []*spec
}

type spec struct {
	name   string
	doc    *openapi3.T
	router routers.Router
	canon  func(string) string
}

var cache sync.Map // name -> *loaded

type loaded struct {
	doc    *openapi3.T
	router routers.Router
	err    error
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
		c.specs = append(c.specs, &spec{name: src.Name, doc: l.doc, router: l.router, canon: canon})
	}
	return c, nil
}

func load(src Source) *loaded {
	if src.YAML != nil {
		l := &loaded{}
		l.doc, l.router, l.err = parse(src.Name, src.YAML)
		return l
	}
	if v, ok := cache.Load(src.Name); ok {
		return v.(*loaded)
	}
	l := &loaded{}
	raw, err := File(src.Name)
	if err != nil {
		l.err = fmt.Errorf("spec %s: %w", src.Name, err)
	} else {
		l.doc, l.router, l.err = parse(src.Name, raw)
	}
	v, _ := cache.LoadOrStore(src.Name, l)
	return v.(*loaded)
}

func parse(name string, raw []byte) (*openapi3.T, routers.Router, error) {
	doc, err := openapi3.NewLoader().LoadFromData(raw)
	if err != nil {
		return nil, nil, fmt.Errorf("spec %s: %w", name, err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		return nil, nil, fmt.Errorf("spec %s is invalid: %w", name, err)
	}
	router, err := legacy.NewRouter(doc)
	if err != nil {
		return nil, nil, fmt.Errorf("spec %s: %w", name, err)
	}
	return doc, router, nil
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

// route finds the spec operation for a request, trying each spec with the
// path mapped onto its canonical form.
func (c *Contract) route(r *http.Request) (*spec, *routers.Route, map[string]string, *http.Request, error) {
	for _, s := range c.specs {
		req := r.Clone(r.Context())
		req.URL.Path = s.canon(r.URL.Path)
		req.URL.RawPath = ""
		route, params, err := s.router.FindRoute(req)
		if err == nil {
			return s, route, params, req, nil
		}
	}
	return nil, nil, nil, nil, fmt.Errorf("%w for %s %s", ErrNoRoute, r.Method, r.URL.Path)
}

var options = &openapi3filter.Options{
	AuthenticationFunc:    openapi3filter.NoopAuthenticationFunc,
	IncludeResponseStatus: true,
	MultiError:            false,
}

// ValidateRequest checks a request (its body given separately, since the
// caller has usually read it already) against the contract.
func (c *Contract) ValidateRequest(r *http.Request, body []byte) error {
	_, route, params, req, err := c.route(r)
	if err != nil {
		return err
	}
	req.Body = io.NopCloser(bytes.NewReader(body))
	in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route, Options: options}
	return tidy(openapi3filter.ValidateRequest(r.Context(), in))
}

// ValidateResponse checks an answer to r (whose body was reqBody) against
// the contract.
func (c *Contract) ValidateResponse(r *http.Request, reqBody []byte, status int, header http.Header, body []byte) error {
	_, route, params, req, err := c.route(r)
	if err != nil {
		return err
	}
	req.Body = io.NopCloser(bytes.NewReader(reqBody))
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route, Options: options},
		Status:                 status,
		Header:                 header,
		Body:                   io.NopCloser(bytes.NewReader(body)),
		Options:                options,
	}
	return tidy(openapi3filter.ValidateResponse(r.Context(), in))
}

// tidy shortens kin-openapi's messages to their first, readable lines.
func tidy(err error) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	if i := strings.Index(msg, "\nSchema:"); i > 0 {
		msg = msg[:i]
	}
	return fmt.Errorf("%s", strings.TrimSpace(msg))
}
