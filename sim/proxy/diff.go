package proxy

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strings"

	"github.com/panelsim/panelsim/internal/ordered"
	"github.com/panelsim/panelsim/sim/simhttp"
	"github.com/panelsim/panelsim/state"
)

// Difference is one place where panelsim's answer to a recorded request
// has another shape than the real panel's: Kind is status, content-type,
// body (one is JSON or XML, the other not), missing (a key or element the
// real panel sent and panelsim did not), extra (the other way round) or
// type. Values are not compared: state differs between the two, shapes
// must not.
type Difference struct {
	Kind     string `json:"kind"`
	Pointer  string `json:"pointer,omitempty"`
	Recorded string `json:"recorded"`
	Panelsim string `json:"panelsim"`
}

func (d Difference) String() string {
	where := d.Kind
	if d.Pointer != "" {
		where = d.Pointer + ": " + d.Kind
	}
	return fmt.Sprintf("%s (recorded %s, panelsim %s)", where, d.Recorded, d.Panelsim)
}

// Result is the comparison of one recorded exchange.
type Result struct {
	File        string       `json:"file"`
	Panel       string       `json:"panel"`
	Method      string       `json:"method"`
	Path        string       `json:"path"`
	Recorded    int          `json:"recorded_status"`
	Panelsim    int          `json:"panelsim_status"`
	Differences []Difference `json:"differences"`
	// Error is set when the request could not be replayed at all.
	Error string `json:"error,omitempty"`
}

// Same says whether panelsim answered with the recorded shape.
func (r Result) Same() bool { return len(r.Differences) == 0 && r.Error == "" }

// Replayer sends recorded requests to panelsim and compares the answers.
// Placeholders in a request are replaced by what they are bound to: first
// the given secrets (a password the recording masked), then the values
// panelsim answered where the recording has a placeholder (the token of a
// login answer, its session cookie), so a recorded session replays as a
// session.
type Replayer struct {
	base   string
	client *http.Client
	bound  map[string]string // placeholder -> value
	named  map[string]string // field or parameter name -> value
}

// NewReplayer replays against base (a URL) through rt. A secret's key is
// a placeholder ("masked-3") or the name of a field, parameter or header
// ("password", "loginPassword", "authinfo"): every placeholder found there
// is sent as the secret's value.
func NewReplayer(base string, rt http.RoundTripper, secrets map[string]string) *Replayer {
	r := &Replayer{base: strings.TrimSuffix(base, "/"), bound: map[string]string{}, named: map[string]string{}}
	r.client = &http.Client{Transport: rt, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for k, v := range secrets {
		if IsPlaceholder(k) {
			r.bound[k] = v
		} else {
			r.named[strings.ToLower(k)] = v
		}
	}
	return r
}

// bindNamed binds the placeholders a request carries in fields named by
// a secret.
func (r *Replayer) bindNamed(m Message) {
	if len(r.named) == 0 {
		return
	}
	fields := map[string]string{}
	leaves(m.Bytes(), fields)
	for _, raw := range []string{m.Query, string(m.Bytes())} {
		if q, err := url.ParseQuery(raw); err == nil {
			for k, vs := range q {
				fields["/"+k] = vs[0]
			}
		}
	}
	for k, vs := range m.Header {
		fields["/"+k] = vs[0]
	}
	for ptr, v := range fields {
		name := strings.ToLower(ptr[strings.LastIndex(ptr, "/")+1:])
		if val, ok := r.named[name]; ok && IsPlaceholder(v) {
			if _, done := r.bound[v]; !done {
				r.bound[v] = val
			}
		}
	}
}

// HandlerTransport serves requests with h in-process (the emulator, for
// `panelsim diff` without --target).
func HandlerTransport(h http.Handler) http.RoundTripper {
	return roundTripFunc(func(req *http.Request) (*http.Response, error) {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec.Result(), nil
	})
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// Diff replays every exchange in order and compares each answer.
func (r *Replayer) Diff(files []string, exchanges []Exchange) []Result {
	out := make([]Result, len(exchanges))
	for i, ex := range exchanges {
		out[i] = r.one(files[i], ex)
	}
	return out
}

func (r *Replayer) one(file string, ex Exchange) Result {
	res := Result{File: file, Panel: ex.Panel, Method: ex.Request.Method, Path: ex.Request.Path, Recorded: ex.Response.Status}
	req, err := r.request(ex)
	if err != nil {
		res.Error = err.Error()
		return res
	}
	resp, err := r.client.Do(req)
	if err != nil {
		res.Error = err.Error()
		return res
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	resp.Body.Close()
	if err != nil {
		res.Error = err.Error()
		return res
	}
	res.Panelsim = resp.StatusCode
	r.bind(ex.Response, resp.Header, body)
	res.Differences = compare(ex.Response, resp.StatusCode, resp.Header, body)
	return res
}

// request rebuilds a recorded request with placeholders filled in.
func (r *Replayer) request(ex Exchange) (*http.Request, error) {
	r.bindNamed(ex.Request)
	target := r.base + r.fill(ex.Request.Path)
	if q := r.fill(ex.Request.Query); q != "" {
		target += "?" + q
	}
	req, err := http.NewRequest(ex.Request.Method, target, bytes.NewReader([]byte(r.fill(string(ex.Request.Bytes())))))
	if err != nil {
		return nil, err
	}
	for k, vs := range ex.Request.Header {
		if strings.EqualFold(k, "Host") {
			continue
		}
		for _, v := range vs {
			req.Header.Add(k, r.fill(v))
		}
	}
	if ex.World != "" {
		req.Header.Set(simhttp.WorldHeader, ex.World)
	}
	return req, nil
}

// fill replaces bound placeholders, longest first (masked-12 before
// masked-1).
func (r *Replayer) fill(s string) string {
	if !strings.Contains(s, "masked-") {
		return s
	}
	keys := make([]string, 0, len(r.bound))
	for k := range r.bound {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		return len(keys[i]) > len(keys[j]) || (len(keys[i]) == len(keys[j]) && keys[i] < keys[j])
	})
	for _, k := range keys {
		s = strings.ReplaceAll(s, k, r.bound[k])
	}
	return s
}

// bind learns what panelsim answered where the recording has a
// placeholder: JSON strings, XML attributes and text, cookies.
func (r *Replayer) bind(rec Message, header http.Header, body []byte) {
	got := map[string]string{}
	for _, c := range (&http.Response{Header: header}).Cookies() {
		got["cookie:"+c.Name] = c.Value
	}
	recorded := map[string]string{}
	for _, c := range (&http.Response{Header: rec.Header}).Cookies() {
		recorded["cookie:"+c.Name] = c.Value
	}
	leaves(rec.Bytes(), recorded)
	leaves(body, got)
	for where, v := range recorded {
		if IsPlaceholder(v) {
			if g, ok := got[where]; ok {
				r.bound[v] = g
			}
		}
	}
}

// leaves collects the string values of a JSON or XML body by pointer.
func leaves(body []byte, into map[string]string) {
	if v, ok := decodeJSON(body); ok {
		jsonLeaves("", v, into)
		return
	}
	if t, ok := decodeXML(body); ok {
		for k, v := range t.values {
			into[k] = v
		}
	}
}

func jsonLeaves(ptr string, v any, into map[string]string) {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			jsonLeaves(ptr+"/"+state.PointerToken(k), e, into)
		}
	case []any:
		for i, e := range x {
			jsonLeaves(fmt.Sprintf("%s/%d", ptr, i), e, into)
		}
	case string:
		into[ptr] = x
	}
}

// compare lists the shape differences between a recorded answer and
// panelsim's.
func compare(rec Message, status int, header http.Header, body []byte) []Difference {
	var out []Difference
	if rec.Status != status {
		out = append(out, Difference{Kind: "status", Recorded: fmt.Sprint(rec.Status), Panelsim: fmt.Sprint(status)})
	}
	rt, gt := mediaType(rec.Header.Get("Content-Type")), mediaType(header.Get("Content-Type"))
	if rt != gt {
		out = append(out, Difference{Kind: "content-type", Recorded: orNone(rt), Panelsim: orNone(gt)})
	}
	recBody := rec.Bytes()
	if rv, ok := decodeJSON(recBody); ok {
		gv, gok := decodeJSON(body)
		if !gok {
			return append(out, Difference{Kind: "body", Recorded: "JSON", Panelsim: describeBody(body)})
		}
		compareJSON("", rv, gv, &out)
		return out
	}
	if rx, ok := decodeXML(recBody); ok {
		gx, gok := decodeXML(body)
		if !gok {
			return append(out, Difference{Kind: "body", Recorded: "XML", Panelsim: describeBody(body)})
		}
		return append(out, compareXML(rx, gx)...)
	}
	return out
}

func mediaType(ct string) string {
	m, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return strings.TrimSpace(strings.ToLower(ct))
	}
	return m
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

func describeBody(b []byte) string {
	if len(bytes.TrimSpace(b)) == 0 {
		return "empty"
	}
	if len(b) > 40 {
		b = append(b[:40:40], "…"...)
	}
	return fmt.Sprintf("not the same format: %q", b)
}

func decodeJSON(b []byte) (any, bool) {
	if len(bytes.TrimSpace(b)) == 0 {
		return nil, false
	}
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var v any
	if d.Decode(&v) != nil || d.Decode(new(any)) != io.EOF {
		return nil, false
	}
	return v, true
}

// kind is a JSON value's type name.
func kind(v any) string {
	switch v.(type) {
	case map[string]any:
		return "object"
	case []any:
		return "array"
	case string:
		return "string"
	case json.Number:
		return "number"
	case bool:
		return "boolean"
	case nil:
		return "null"
	}
	return fmt.Sprintf("%T", v)
}

// compareJSON walks both values; arrays are compared item by item as far
// as both go (their lengths are state, not shape).
func compareJSON(ptr string, rec, got any, out *[]Difference) {
	if kind(rec) != kind(got) {
		*out = append(*out, Difference{Kind: "type", Pointer: pointerOrRoot(ptr), Recorded: kind(rec), Panelsim: kind(got)})
		return
	}
	switch r := rec.(type) {
	case map[string]any:
		g := got.(map[string]any)
		for _, k := range ordered.Keys(r) {
			p := ptr + "/" + state.PointerToken(k)
			if gv, ok := g[k]; ok {
				compareJSON(p, r[k], gv, out)
			} else {
				*out = append(*out, Difference{Kind: "missing", Pointer: p, Recorded: kind(r[k]), Panelsim: "absent"})
			}
		}
		for _, k := range ordered.Keys(g) {
			if _, ok := r[k]; !ok {
				*out = append(*out, Difference{Kind: "extra", Pointer: ptr + "/" + state.PointerToken(k), Recorded: "absent", Panelsim: kind(g[k])})
			}
		}
	case []any:
		g := got.([]any)
		for i := 0; i < len(r) && i < len(g); i++ {
			compareJSON(fmt.Sprintf("%s/%d", ptr, i), r[i], g[i], out)
		}
	}
}

func pointerOrRoot(p string) string {
	if p == "" {
		return "/"
	}
	return p
}

// xmlTree is an XML document's shape: the paths of its elements and
// attributes (/doc/elem, /doc/elem/@attr, without indices) and, for
// binding placeholders, the first value at each.
type xmlTree struct {
	paths  map[string]bool
	values map[string]string
}

func decodeXML(b []byte) (*xmlTree, bool) {
	trimmed := bytes.TrimSpace(b)
	if len(trimmed) == 0 || trimmed[0] != '<' {
		return nil, false
	}
	t := &xmlTree{paths: map[string]bool{}, values: map[string]string{}}
	var stack []string
	ok := walkXML(b, false, func(tok xml.Token) error {
		switch x := tok.(type) {
		case xml.StartElement:
			stack = append(stack, x.Name.Local)
			p := "/" + strings.Join(stack, "/")
			t.paths[p] = true
			for _, a := range x.Attr {
				ap := p + "/@" + a.Name.Local
				t.paths[ap] = true
				if _, ok := t.values[ap]; !ok {
					t.values[ap] = a.Value
				}
			}
		case xml.EndElement:
			if len(stack) > 0 {
				stack = stack[:len(stack)-1]
			}
		case xml.CharData:
			if s := strings.TrimSpace(string(x)); s != "" && len(stack) > 0 {
				p := "/" + strings.Join(stack, "/") + "/#text"
				if _, ok := t.values[p]; !ok {
					t.values[p] = s
				}
			}
		}
		return nil
	})
	return t, ok && len(t.paths) > 0
}

// walkXML hands visit each token of an XML document, read leniently
// (Strict off) because real panels' answers are not always well formed.
// raw reads tokens as written (RawToken: prefixes kept, end tags not
// matched), which a rewriter needs to reproduce the document. It reports
// whether the whole document was read and visit never failed.
func walkXML(body []byte, raw bool, visit func(xml.Token) error) bool {
	d := xml.NewDecoder(bytes.NewReader(body))
	d.Strict = false
	next := d.Token
	if raw {
		next = d.RawToken
	}
	for {
		tok, err := next()
		if err == io.EOF {
			return true
		}
		if err != nil || visit(tok) != nil {
			return false
		}
	}
}

func compareXML(rec, got *xmlTree) []Difference {
	var out []Difference
	for _, p := range sortedSet(rec.paths) {
		if !got.paths[p] {
			out = append(out, Difference{Kind: "missing", Pointer: p, Recorded: xmlKind(p), Panelsim: "absent"})
		}
	}
	for _, p := range sortedSet(got.paths) {
		if !rec.paths[p] {
			out = append(out, Difference{Kind: "extra", Pointer: p, Recorded: "absent", Panelsim: xmlKind(p)})
		}
	}
	return out
}

func xmlKind(p string) string {
	if strings.Contains(p, "/@") {
		return "attribute"
	}
	return "element"
}

func sortedSet(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// WriteReport prints results for a person: one line per exchange, one
// indented line per difference, and a summary; it returns how many
// exchanges differ.
func WriteReport(w io.Writer, results []Result) int {
	differ := 0
	for _, r := range results {
		head := fmt.Sprintf("%s  %s %s  %d", r.File, r.Method, r.Path, r.Recorded)
		switch {
		case r.Error != "":
			differ++
			fmt.Fprintf(w, "%s: not replayed: %s\n", head, r.Error)
		case r.Same():
			fmt.Fprintf(w, "%s: same shape\n", head)
		default:
			differ++
			fmt.Fprintf(w, "%s -> %d: %d difference(s)\n", head, r.Panelsim, len(r.Differences))
			for _, d := range r.Differences {
				fmt.Fprintf(w, "    %s\n", d)
			}
		}
	}
	fmt.Fprintf(w, "%d exchange(s), %d differ\n", len(results), differ)
	return differ
}
