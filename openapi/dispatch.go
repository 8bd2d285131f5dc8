package openapi

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// DispatchExtension marks a path item that describes one operation of a
// shared URL: {"param": "cmd", "value": "login"} on the path
// "/api?cmd=login". The path keeps the query so that generated clients
// send the parameter by themselves.
const DispatchExtension = "x-panelsim-dispatch"

// variant is one operation of a shared URL.
type variant struct {
	key   string // the spec path, e.g. /api?cmd=login
	param string // cmd
	value string // login
	item  *openapi3.PathItem
}

// dispatchVariants collects the dispatched path items of a spec by base
// path and operation name, checking that each path's query matches its
// x-panelsim-dispatch marker.
func dispatchVariants(doc *openapi3.T) (map[string]map[string]*variant, error) {
	out := map[string]map[string]*variant{}
	for key, item := range doc.Paths.Map() {
		base, query, hasQuery := strings.Cut(key, "?")
		raw, marked := item.Extensions[DispatchExtension]
		if !hasQuery && !marked {
			continue
		}
		v, err := parseVariant(key, base, query, raw, marked)
		if err != nil {
			return nil, err
		}
		v.item = item
		if out[base] == nil {
			out[base] = map[string]*variant{}
		}
		if prev := out[base][v.value]; prev != nil && prev.param != v.param {
			return nil, fmt.Errorf("path %s: %s dispatches on %s, %s on %s", key, prev.key, prev.param, key, v.param)
		}
		out[base][v.value] = v
	}
	if len(out) == 0 {
		return nil, nil
	}
	return out, nil
}

func parseVariant(key, base, query string, raw any, marked bool) (*variant, error) {
	if !marked {
		return nil, fmt.Errorf("path %s has a query but no %s marker", key, DispatchExtension)
	}
	m, ok := raw.(map[string]any)
	param, _ := m["param"].(string)
	value, _ := m["value"].(string)
	if !ok || param == "" || value == "" {
		return nil, fmt.Errorf("path %s: %s needs a param and a value", key, DispatchExtension)
	}
	want := base + "?" + url.Values{param: {value}}.Encode()
	if key != want {
		return nil, fmt.Errorf("path %s: its %s marker says %s", key, DispatchExtension, want)
	}
	return &variant{key: key, param: param, value: value}, nil
}

// variantOp is the operation describing the named operation on a method
// of the shared URL: the variant's own, or its get, which stands for every
// method the shared URL serves (the parameters are the same wherever the
// client puts them).
func variantOp(vs map[string]*variant, name, method string) (*variant, *openapi3.Operation) {
	v := vs[name]
	if v == nil {
		return nil, nil
	}
	if op := v.item.GetOperation(method); op != nil {
		return v, op
	}
	return v, v.item.Get
}

// OpenParamsExtension, true at the top of a spec, says its panel ignores
// parameters an operation does not declare (mgr5's forms carry many), so
// the contract does not refuse them; without it an undeclared parameter
// of a dispatched operation is a violation (a misspelt IMserver one).
const OpenParamsExtension = "x-panelsim-open-params"

func (s *spec) openParams() bool {
	open, _ := s.doc.Extensions[OpenParamsExtension].(bool)
	return open
}

// OutExtension on a dispatched operation maps a value of the out=
// parameter to the name of a component schema that the JSON answer in
// that format is checked against, instead of the operation's
// application/json schema (mgr5's out=JSONdata is data without the
// document around it, whatever the function).
const OutExtension = "x-panelsim-out"

// outSchema is the component schema the answer to this request is checked
// against by OutExtension, if any.
func (m *match) outSchema(r *http.Request, body []byte) (*openapi3.SchemaRef, string, bool) {
	if m.variant == nil {
		return nil, "", false
	}
	formats, _ := m.route.Operation.Extensions[OutExtension].(map[string]any)
	if formats == nil {
		return nil, "", false
	}
	if m.read.err != nil {
		return nil, "", false
	}
	name, _ := formats[m.read.params.Get("out")].(string)
	if name == "" {
		return nil, "", false
	}
	return m.spec.doc.Components.Schemas[name], name, true
}

// checkOut checks a JSON answer against the schema OutExtension names.
func checkOut(schema *openapi3.SchemaRef, status int, op *openapi3.Operation, body []byte) error {
	if op.Responses.Status(status) == nil && op.Responses.Default() == nil {
		return &Violation{Msg: fmt.Sprintf("status %d is not among the operation's answers", status)}
	}
	if schema == nil || schema.Value == nil {
		return &Violation{Msg: "the spec names a schema for this format that it does not define"}
	}
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		return &Violation{Msg: "the answer is not JSON: " + err.Error()}
	}
	return withAll(schema.Value.VisitJSON(v), func() error { return schema.Value.VisitJSON(v, openapi3.MultiErrors()) })
}

// Dispatched lists the operation names a spec describes on each shared
// URL (base path -> sorted names), for coverage checks.
func (c *Contract) Dispatched(name string) map[string][]string {
	for _, s := range c.specs {
		if s.name != name {
			continue
		}
		out := map[string][]string{}
		for base, vs := range s.variants {
			for v := range vs {
				out[base] = append(out[base], v)
			}
			sort.Strings(out[base])
		}
		return out
	}
	return nil
}

// unknownParams names the parameters a dispatched request sends that
// neither its operation nor the shared URL's own operation declares (a
// misspelt or misplaced parameter the panel would silently ignore).
func unknownParams(vals url.Values, known ...openapi3.Parameters) *Violation {
	declared := map[string]bool{}
	for _, params := range known {
		for _, p := range params {
			if p.Value != nil && p.Value.In == openapi3.ParameterInQuery {
				declared[p.Value.Name] = true
			}
		}
	}
	var unknown []string
	for k := range vals {
		if !declared[k] {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) == 0 {
		return nil
	}
	sort.Strings(unknown)
	each := make(openapi3.MultiError, len(unknown))
	for i, k := range unknown {
		each[i] = unknownParam(k)
	}
	return &Violation{Msg: "unknown parameter " + strings.Join(unknown, ", "), all: each}
}

// unknownParam is a parameter that no operation of its URL declares, one
// finding of its own.
type unknownParam string

func (u unknownParam) Error() string { return "unknown parameter " + string(u) }

// Describes reports whether the contract has an operation for method on a
// path as a panel serves it (mapped onto the spec's canonical paths).
func (c *Contract) Describes(method, path string) bool {
	req, err := http.NewRequest(method, path, nil)
	if err != nil {
		return false
	}
	_, err = c.route(req, nil)
	return err == nil
}
