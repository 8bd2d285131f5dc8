// Package simtest holds the helpers panelsim's own HTTP tests share: a
// client that checks every response it receives against the OpenAPI
// contract, and golden files (rewrite with `go test ./... -update`).
package simtest

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/panelsim/panelsim/openapi"
	"github.com/panelsim/panelsim/panelsimtest"
	"github.com/panelsim/panelsim/sim"
	"github.com/panelsim/panelsim/sim/simhttp"
	"github.com/panelsim/panelsim/state"
)

var update = flag.Bool("update", false, "rewrite golden files")

// Client sends requests to an in-process panelsim and fails the test when
// an answer does not match the contract.
type Client struct {
	t        testing.TB
	base     string
	prefix   string
	contract *openapi.Contract
	hc       *http.Client
	headers  http.Header
	token    string
	// SkipValidation turns the contract check off, for answers that are
	// deliberately broken (fault injection of resets and truncated bodies).
	SkipValidation bool
}

// New makes a client for srv's default world.
func New(t testing.TB, srv *panelsimtest.Server) *Client {
	c := &Client{
		t: t, base: srv.BaseURL(), contract: srv.Sim().Contract(), headers: http.Header{},
		hc: &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }},
	}
	// The control token goes to the control plane only; the panels
	// have their own Authorization headers.
	c.token = srv.ControlToken()
	return c
}

// For returns the client bound to another test (a subtest, or each run of
// a fuzz target), so failures are reported there.
func (c *Client) For(t testing.TB) *Client {
	cp := *c
	cp.t = t
	return &cp
}

// World returns a client for another world (by path prefix).
func (c *Client) World(name string) *Client {
	cp := *c
	cp.prefix = "/_w/" + name
	cp.headers = c.headers.Clone()
	return &cp
}

// With returns a client that sends header k: v on every request.
func (c *Client) With(k, v string) *Client {
	cp := *c
	cp.headers = c.headers.Clone()
	cp.headers.Set(k, v)
	return &cp
}

// Response is an answer read whole.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// Do sends a request; header is pairs of names and values.
func (c *Client) Do(method, path string, body []byte, header ...string) *Response {
	c.t.Helper()
	req, err := http.NewRequest(method, c.base+c.prefix+path, bytes.NewReader(body))
	if err != nil {
		c.t.Fatalf("new request: %v", err)
	}
	for k, v := range c.headers {
		req.Header[k] = v
	}
	if c.token != "" && strings.HasPrefix(req.URL.Path, c.prefix+"/_panelsim/") {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatalf("%s %s: reading body: %v", method, path, err)
	}
	r := &Response{Status: resp.StatusCode, Header: resp.Header, Body: data}
	if !c.SkipValidation {
		c.validate(req, body, r)
	}
	return r
}

func (c *Client) validate(req *http.Request, body []byte, r *Response) {
	c.t.Helper()
	CheckAnswer(c.t, c.contract, req, body, r)
}

var (
	contractOnce sync.Once
	contract     *openapi.Contract
	contractErr  error
)

// Contract is every contract panelsim ships, with each panel's path
// aliases, for tests that talk HTTP without a Client (e.g. to a container).
// It checks an answer against the spec of the panel that serves the
// request in panelsim's route table (every panel served).
func Contract(t testing.TB) *openapi.Contract {
	t.Helper()
	contractOnce.Do(func() {
		var srv *sim.Server
		if srv, contractErr = sim.New(sim.Config{}); contractErr == nil {
			contract = srv.Contract()
		}
	})
	if contractErr != nil {
		t.Fatalf("contract: %v", contractErr)
	}
	return contract
}

// CheckAnswer fails the test unless r, the answer to req (sent with body),
// matches the spec of the panel that serves req (see Contract). A
// /_w/{world} prefix is ignored; a fault's raw status answer and a 404 for
// a path no panel serves are accepted as they are.
func CheckAnswer(t testing.TB, c *openapi.Contract, req *http.Request, body []byte, r *Response) {
	t.Helper()
	if r.Header.Get(simhttp.FaultActionHeader) == "status" {
		return
	}
	check := req.Clone(req.Context())
	if rest, ok := strings.CutPrefix(check.URL.Path, "/_w/"); ok {
		_, path, _ := strings.Cut(rest, "/")
		check.URL.Path = "/" + path
	}
	check.URL.RawPath = ""
	err := c.ValidateResponse(check, body, r.Status, r.Header, r.Body)
	if errors.Is(err, openapi.ErrNoRoute) && r.Status == http.StatusNotFound {
		return
	}
	if err != nil {
		t.Errorf("%s %s: answer breaks the contract: %v\nstatus %d body: %s", req.Method, check.URL.Path, err, r.Status, truncate(r.Body))
	}
}

func truncate(b []byte) string {
	if len(b) > 2000 {
		return string(b[:2000]) + "..."
	}
	return string(b)
}

// Get sends a GET.
func (c *Client) Get(path string, header ...string) *Response {
	c.t.Helper()
	return c.Do(http.MethodGet, path, nil, header...)
}

// JSON sends v encoded as JSON (a string or []byte is sent as it is).
func (c *Client) JSON(method, path string, v any, header ...string) *Response {
	c.t.Helper()
	var body []byte
	switch b := v.(type) {
	case nil:
	case string:
		body = []byte(b)
	case []byte:
		body = b
	default:
		var err error
		if body, err = json.Marshal(v); err != nil {
			c.t.Fatalf("encode body: %v", err)
		}
	}
	return c.Do(method, path, body, append([]string{"Content-Type", "application/json"}, header...)...)
}

// Form sends a form-encoded body.
func (c *Client) Form(method, path, form string, header ...string) *Response {
	c.t.Helper()
	return c.Do(method, path, []byte(form), append([]string{"Content-Type", "application/x-www-form-urlencoded"}, header...)...)
}

// Decode unmarshals a JSON answer into v, failing the test if it is not JSON.
func (r *Response) Decode(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("answer is not the expected JSON: %v\n%s", err, truncate(r.Body))
	}
}

// Map decodes a JSON object answer.
func (r *Response) Map(t testing.TB) map[string]any {
	t.Helper()
	var m map[string]any
	r.Decode(t, &m)
	return m
}

// Expect fails the test unless the status is want.
func (r *Response) Expect(t testing.TB, want int) *Response {
	t.Helper()
	if r.Status != want {
		t.Fatalf("status %d, want %d; body: %s", r.Status, want, truncate(r.Body))
	}
	return r
}

// Golden compares got with testdata/golden/name, rewriting it with -update.
// JSON is indented first so diffs stay readable.
func Golden(t testing.TB, name string, got []byte) {
	t.Helper()
	if json.Valid(got) {
		var b bytes.Buffer
		if err := json.Indent(&b, got, "", "  "); err == nil {
			got = append(b.Bytes(), '\n')
		}
	}
	path := filepath.Join("testdata", "golden", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("golden file %s: %v (run go test -update to create it)", path, err)
	}
	if !bytes.Equal(want, got) {
		t.Errorf("%s differs from the golden file (go test -update rewrites it)\n--- want\n%s\n--- got\n%s", path, truncate(want), truncate(got))
	}
}

// Replay sends the journaled requests again, in order, and returns the
// answers: the same scenario, seed and requests must give the same bytes.
// Entries that record no request (a world's recreation after eviction,
// which has no method) are not sent and have no answer.
func (c *Client) Replay(entries []state.Entry) []*Response {
	c.t.Helper()
	out := make([]*Response, 0, len(entries))
	for _, e := range entries {
		if e.Method == "" {
			continue
		}
		path := e.Path
		if e.Query != "" {
			path += "?" + e.Query
		}
		var header []string
		for k, v := range e.Headers {
			header = append(header, k, v)
		}
		out = append(out, c.Do(e.Method, path, []byte(e.Body), header...))
	}
	return out
}

// Main runs a package's tests with state.VerifyMemos on: every kept answer
// a test is given is rendered again and compared (a stale one panics, and
// the walk answers 500). A package whose tests reach a panel that keeps
// answers calls it from its TestMain.
func Main(m *testing.M) {
	state.VerifyMemos.Store(true)
	os.Exit(m.Run())
}
