package ispmgr_test

import (
	"encoding/json"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/panelsim/panelsim/internal/simtest"
	"github.com/panelsim/panelsim/panelsimtest"
	"github.com/panelsim/panelsim/sim/ispmgr"
)

// env is one in-process panelsim serving only this panel with the test
// scenario (testdata/scenario.yaml), and a contract-checking client.
type env struct {
	t   *testing.T
	srv *panelsimtest.Server
	c   *simtest.Client
}

func newEnv(t *testing.T) *env {
	t.Helper()
	yaml, err := os.ReadFile("testdata/scenario.yaml")
	if err != nil {
		t.Fatal(err)
	}
	srv := panelsimtest.RunT(t, panelsimtest.WithPanels(ispmgr.New()), panelsimtest.WithScenarioYAML(string(yaml)))
	return &env{t: t, srv: srv, c: simtest.New(t, srv)}
}

// as is the env reporting to t: a subtest's failures must stop the
// subtest, not call FailNow on its parent from another goroutine.
func (e *env) as(t *testing.T) *env {
	c := *e
	c.t = t
	return &c
}

// q builds a query string from name/value pairs, in order.
func q(kv ...string) string {
	var parts []string
	for i := 0; i+1 < len(kv); i += 2 {
		parts = append(parts, url.QueryEscape(kv[i])+"="+url.QueryEscape(kv[i+1]))
	}
	return strings.Join(parts, "&")
}

// get calls path with the pairs as the query string.
func (e *env) get(path string, kv ...string) *simtest.Response {
	e.t.Helper()
	return e.c.Get(path+"?"+q(kv...)).Expect(e.t, 200)
}

// getFrom is get from another client address (X-Real-IP, which echo's
// RealIP honours as a proxy would set it).
func (e *env) getFrom(ip, path string, kv ...string) *simtest.Response {
	e.t.Helper()
	return e.c.Get(path+"?"+q(kv...), "X-Real-IP", ip).Expect(e.t, 200)
}

// sjson calls with out=sjson, checks the answer against the named schema
// of openapi/ispmgr.yaml and returns doc.
func (e *env) sjson(schema, path string, kv ...string) map[string]any {
	e.t.Helper()
	r := e.get(path, append(kv, "out", "sjson")...)
	return e.checkSchema(schema, r.Body)
}

// checkSchema validates a JSON answer against a component schema of the
// contract and returns its doc object.
func (e *env) checkSchema(schema string, body []byte) map[string]any {
	e.t.Helper()
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		e.t.Fatalf("not JSON: %v\n%s", err, body)
	}
	ref := e.srv.Sim().Contract().Doc("ispmgr").Components.Schemas[schema]
	if ref == nil {
		e.t.Fatalf("no schema %q in openapi/ispmgr.yaml", schema)
	}
	if err := ref.Value.VisitJSON(v); err != nil {
		e.t.Fatalf("answer does not match schema %s: %v\n%s", schema, err, body)
	}
	doc, _ := v.(map[string]any)["doc"].(map[string]any)
	return doc
}

// str reads a {"$": "..."} value at a path of keys in a doc.
func str(v any, path ...string) string {
	for _, p := range path {
		m, ok := v.(map[string]any)
		if !ok {
			return ""
		}
		v = m[p]
	}
	if m, ok := v.(map[string]any); ok {
		s, _ := m["$"].(string)
		return s
	}
	s, _ := v.(string)
	return s
}

// elems returns a list answer's elements.
func elems(doc map[string]any) []map[string]any {
	arr, _ := doc["elem"].([]any)
	out := make([]map[string]any, 0, len(arr))
	for _, a := range arr {
		out = append(out, a.(map[string]any))
	}
	return out
}

// names lists a field of every element.
func names(doc map[string]any, field string) []string {
	var out []string
	for _, e := range elems(doc) {
		out = append(out, str(e, field))
	}
	return out
}

// errType is doc.error.$type ("" when the answer is no error).
func errType(doc map[string]any) string {
	e, _ := doc["error"].(map[string]any)
	s, _ := e["$type"].(string)
	return s
}

// errObject is doc.error.$object.
func errObject(doc map[string]any) string {
	e, _ := doc["error"].(map[string]any)
	s, _ := e["$object"].(string)
	return s
}

// expectError fails unless doc is an error of the type and object.
func expectError(t *testing.T, doc map[string]any, typ, object string) {
	t.Helper()
	if errType(doc) != typ || errObject(doc) != object {
		t.Fatalf("want error %s(%s), got %v", typ, object, doc["error"])
	}
}

// expectOK fails unless doc is an ok answer.
func expectOK(t *testing.T, doc map[string]any) {
	t.Helper()
	if _, ok := doc["ok"]; !ok {
		t.Fatalf("want ok, got %v", doc)
	}
}

const (
	root  = "root:secret"
	vasya = "vasya:vasyapass"
)
