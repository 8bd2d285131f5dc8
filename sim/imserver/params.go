package imserver

import (
	"bytes"
	"encoding/json"
	"io"
	"mime"
	"mime/multipart"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// params are a request's parameters merged from every place the vendor
// accepts them: the query string, a form body, the json= parameter and a
// raw JSON request body. CGI values are strings; JSON values keep their
// JSON type (json.Number, string, bool, []any, map[string]any, nil).
type params map[string]any

// parseParams merges the request's parameters. Later sources win: query,
// then form body, then the json= parameter, then a raw JSON body (a body
// whose first non-blank byte is "{", whatever its Content-Type). For a CGI
// key given twice the first value counts, as with CGI.pm's param(). On a
// malformed source it returns what it could read and the error, so cmd can
// still be named for the journal.
func parseParams(rawQuery, contentType string, body []byte) (params, error) {
	p := params{}
	var firstErr error
	keep := func(err error) {
		if firstErr == nil {
			firstErr = err
		}
	}
	if err := p.mergeCGI(rawQuery); err != nil {
		keep(fail(CodeBadValue, "query string: %v", err))
	}
	trimmed := bytes.TrimSpace(body)
	bodyJSON := len(trimmed) > 0 && trimmed[0] == '{'
	switch {
	case len(trimmed) == 0 || bodyJSON:
	case isFormType(contentType):
		if err := p.mergeCGI(string(body)); err != nil {
			keep(fail(CodeBadValue, "form body: %v", err))
		}
	case isMultipart(contentType):
		if err := p.mergeMultipart(contentType, body); err != nil {
			keep(fail(CodeBadValue, "multipart body: %v", err))
		}
	case isJSONType(contentType):
		keep(fail(CodeBadValue, "request body: %v", errNotObject))
	}
	if s, ok := p["json"].(string); ok {
		if err := p.mergeJSON([]byte(s)); err != nil {
			keep(fail(CodeBadValue, "parameter json: %v", err))
		}
	}
	if bodyJSON {
		if err := p.mergeJSON(trimmed); err != nil {
			keep(fail(CodeBadValue, "request body: %v", err))
		}
	}
	return p, firstErr
}

// isFormType reports whether a body of this Content-Type carries CGI
// parameters; a missing type counts, as curl -d and old clients send them so.
func isFormType(contentType string) bool {
	if contentType == "" {
		return true
	}
	mt, _, err := mime.ParseMediaType(contentType)
	return err == nil && (mt == "application/x-www-form-urlencoded" || mt == "text/plain")
}

func isMultipart(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	return err == nil && mt == "multipart/form-data"
}

// mergeMultipart reads the form fields of a multipart body (what PHP's curl
// sends for an array of POST fields); file parts are ignored.
func (p params) mergeMultipart(contentType string, body []byte) error {
	_, ps, _ := mime.ParseMediaType(contentType)
	if ps["boundary"] == "" {
		return parseErr("no boundary")
	}
	r := multipart.NewReader(bytes.NewReader(body), ps["boundary"])
	seen := map[string]bool{}
	for {
		part, err := r.NextPart()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		name := part.FormName()
		if name == "" || part.FileName() != "" {
			continue
		}
		// The whole body is already bounded (simhttp refuses one over the
		// limit), so a field is read whole, never cut.
		v, err := io.ReadAll(part)
		if err != nil {
			return err
		}
		if !seen[name] {
			p[name], seen[name] = string(v), true
		}
	}
}

func isJSONType(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	return err == nil && (mt == "application/json" || strings.HasSuffix(mt, "+json"))
}

// mergeCGI merges CGI pairs, the first value of a key counting. The usual
// query (a few pairs, no ';', well-formed escapes) is read in place
// without url.Values' map and slices, a fifth of a status poll's
// allocations; anything else goes to url.ParseQuery for its exact values
// and error (the error's text reaches X-Panelsim-Reason). Redoing a
// source that was partly merged is harmless: it sets the same keys to the
// same first values.
func (p params) mergeCGI(raw string) error {
	if p.mergeCGIFast(raw) {
		return nil
	}
	return p.mergeCGISlow(raw)
}

// maxFastPairs bounds the pairs mergeCGIFast reads: its first-value check
// is a linear scan, and url.ParseQuery's own limit on pairs stays its.
const maxFastPairs = 16

// mergeCGIFast reads raw as url.ParseQuery does when that gives no error;
// false means url.ParseQuery must read it.
func (p params) mergeCGIFast(raw string) bool {
	if strings.Count(raw, "&") >= maxFastPairs || strings.IndexByte(raw, ';') >= 0 {
		return false
	}
	var room [maxFastPairs]string
	seen := room[:0]
	for raw != "" {
		var pair string
		pair, raw, _ = strings.Cut(raw, "&")
		if pair == "" {
			continue
		}
		k, v, _ := strings.Cut(pair, "=")
		k, err := url.QueryUnescape(k)
		if err != nil {
			return false
		}
		v, err = url.QueryUnescape(v)
		if err != nil {
			return false
		}
		if !slices.Contains(seen, k) {
			seen = append(seen, k)
			p[k] = v
		}
	}
	return true
}

func (p params) mergeCGISlow(raw string) error {
	vals, err := url.ParseQuery(raw)
	for k, v := range vals {
		if len(v) > 0 {
			p[k] = v[0]
		}
	}
	return err
}

func (p params) mergeJSON(raw []byte) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var obj map[string]any
	if err := dec.Decode(&obj); err != nil {
		return err
	}
	if obj == nil {
		return errNotObject
	}
	if dec.More() {
		return errTrailing
	}
	for k, v := range obj {
		p[k] = v
	}
	return nil
}

type parseErr string

func (e parseErr) Error() string { return string(e) }

const (
	errNotObject parseErr = "not a JSON object"
	errTrailing  parseErr = "trailing data after the JSON object"
)

// str returns a scalar parameter as text; ok is false when it is absent.
// Arrays and objects are a bad value.
func (p params) str(name string) (string, bool, error) {
	v, ok := p[name]
	if !ok || v == nil {
		return "", false, nil
	}
	switch t := v.(type) {
	case string:
		return t, true, nil
	case json.Number:
		return t.String(), true, nil
	case bool:
		if t {
			return "1", true, nil
		}
		return "0", true, nil
	}
	return "", true, fail(CodeBadValue, "parameter %s must be a scalar", name)
}

// required returns a non-empty scalar parameter or a missing-parameter error.
func (p params) required(name string) (string, error) {
	s, ok, err := p.str(name)
	if err != nil {
		return "", err
	}
	if !ok || strings.TrimSpace(s) == "" {
		return "", fail(CodeMissingParam, "parameter %s is required", name)
	}
	return s, nil
}

// optInt reads an optional integer ("333" and 333 alike); def when absent
// or empty.
func (p params) optInt(name string, def int64) (int64, error) {
	s, ok, err := p.str(name)
	if err != nil {
		return 0, err
	}
	if !ok || strings.TrimSpace(s) == "" {
		return def, nil
	}
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil {
		return 0, fail(CodeBadValue, "parameter %s must be an integer, got %q", name, s)
	}
	return n, nil
}

// reqInt reads a required integer.
func (p params) reqInt(name string) (int64, error) {
	if _, err := p.required(name); err != nil {
		return 0, err
	}
	return p.optInt(name, 0)
}

// id reads the required positive object id in the named parameter.
func (p params) id(name string) (int64, error) {
	n, err := p.reqInt(name)
	if err != nil {
		return 0, err
	}
	if n <= 0 {
		return 0, fail(CodeBadValue, "parameter %s must be a positive id, got %d", name, n)
	}
	return n, nil
}

// list returns an array parameter: a JSON array, or a CGI string holding one.
func (p params) list(name string) ([]any, bool, error) {
	v, ok := p[name]
	if !ok || v == nil {
		return nil, false, nil
	}
	switch t := v.(type) {
	case []any:
		return t, true, nil
	case string:
		dec := json.NewDecoder(strings.NewReader(t))
		dec.UseNumber()
		var out []any
		if err := dec.Decode(&out); err != nil {
			return nil, true, fail(CodeBadValue, "parameter %s must be a JSON array", name)
		}
		return out, true, nil
	}
	return nil, true, fail(CodeBadValue, "parameter %s must be an array", name)
}
