package proxy

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/panelsim/panelsim/sim/simhttp"
	"github.com/panelsim/panelsim/state"
)

// Exchange is one recorded request and the real panel's answer, with
// credentials masked: a golden file of --record, replayed by Diff.
type Exchange struct {
	Panel      string            `json:"panel"`
	World      string            `json:"world"`
	Op         string            `json:"op,omitempty"`
	Request    Message           `json:"request"`
	Response   Message           `json:"response"`
	Violations []state.Violation `json:"violations,omitempty"`
}

// Message is a recorded request (method, path, query) or answer (status),
// with its headers and body. A JSON body is kept as JSON, text as Body and
// anything that is not UTF-8 as Base64.
type Message struct {
	Method string          `json:"method,omitempty"`
	Path   string          `json:"path,omitempty"`
	Query  string          `json:"query,omitempty"`
	Status int             `json:"status,omitempty"`
	Header http.Header     `json:"header,omitempty"`
	JSON   json.RawMessage `json:"json,omitempty"`
	Body   string          `json:"body,omitempty"`
	Base64 []byte          `json:"base64,omitempty"`
}

// Bytes is the message body as sent.
func (m *Message) Bytes() []byte {
	switch {
	case m.JSON != nil:
		return m.JSON
	case m.Base64 != nil:
		return m.Base64
	}
	return []byte(m.Body)
}

// setBody stores a (masked) body in the field that keeps it readable.
func (m *Message) setBody(b []byte) {
	switch {
	case len(b) == 0:
	case json.Valid(b):
		m.JSON = append(json.RawMessage(nil), b...)
	case utf8.Valid(b):
		m.Body = string(b)
	default:
		m.Base64 = b
	}
}

// unrecorded headers say nothing about the exchange's shape (or are
// panelsim's own).
var unrecorded = map[string]bool{
	"Content-Length": true, "Accept-Encoding": true, "Connection": true, "Date": true,
	"Keep-Alive": true, "Transfer-Encoding": true, http.CanonicalHeaderKey(simhttp.WorldHeader): true,
}

func recordedHeader(h http.Header, m *Masker) http.Header {
	out := http.Header{}
	for k, v := range h {
		if !unrecorded[http.CanonicalHeaderKey(k)] {
			out[k] = v
		}
	}
	if len(out) == 0 {
		return nil
	}
	return m.Header(out)
}

// Recorder writes exchanges to a directory, one file each, numbered in the
// order their answers arrived.
type Recorder struct {
	dir    string
	masker *Masker
	mu     sync.Mutex
	seq    int
}

var recordedName = regexp.MustCompile(`^([0-9]+)-.*\.json$`)

// NewRecorder makes dir if needed; numbering goes on after the files
// already there, so a second session adds to the first.
func NewRecorder(dir string, m *Masker) (*Recorder, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("record: %w", err)
	}
	r := &Recorder{dir: dir, masker: m}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("record: %w", err)
	}
	for _, e := range entries {
		if m := recordedName.FindStringSubmatch(e.Name()); m != nil {
			if n, err := strconv.Atoi(m[1]); err == nil && n > r.seq {
				r.seq = n
			}
		}
	}
	return r, nil
}

// Write masks and writes one exchange.
func (r *Recorder) Write(ex *exchange) error {
	c := ex.c
	req := c.Request()
	// The answer first, its headers before its body: a session cookie it
	// sets is then known where the body (an HTML page) or the request's
	// path and headers carry the same value.
	answer := Message{Status: ex.status, Header: recordedHeader(ex.header, r.masker)}
	answer.setBody(r.masker.Body(ex.header.Get("Content-Type"), ex.body))
	rec := Exchange{
		Panel: simhttp.Panel(c), World: simhttp.WorldName(c), Op: simhttp.Op(c),
		Request: Message{
			Method: req.Method, Path: r.masker.Known(req.URL.Path), Query: r.masker.Query(req.URL.RawQuery),
			Header: recordedHeader(req.Header, r.masker),
		},
		Response:   answer,
		Violations: simhttp.Violations(c),
	}
	rec.Request.setBody(r.masker.Body(req.Header.Get("Content-Type"), ex.reqBody))
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // XML and HTML bodies stay readable
	enc.SetIndent("", "  ")
	if err := enc.Encode(rec); err != nil {
		return err
	}
	r.mu.Lock()
	r.seq++
	name := fmt.Sprintf("%04d-%s-%s.json", r.seq, rec.Panel, slug(req.Method+" "+rec.Op))
	r.mu.Unlock()
	return os.WriteFile(filepath.Join(r.dir, name), buf.Bytes(), 0o644)
}

var nonWord = regexp.MustCompile(`[^a-z0-9]+`)

// slug makes an operation name fit in a file name.
func slug(s string) string {
	s = strings.Trim(nonWord.ReplaceAllString(strings.ToLower(s), "-"), "-")
	if len(s) > 60 {
		s = strings.TrimRight(s[:60], "-")
	}
	return s
}

// ReadExchanges reads a recording directory in file order.
func ReadExchanges(dir string) ([]string, []Exchange, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, nil, err
	}
	var names []string
	var out []Exchange
	for _, e := range entries {
		if e.IsDir() || !recordedName.MatchString(e.Name()) {
			continue
		}
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			return nil, nil, err
		}
		var ex Exchange
		if err := json.Unmarshal(data, &ex); err != nil {
			return nil, nil, fmt.Errorf("%s: %w", e.Name(), err)
		}
		if ex.Request.Method == "" || ex.Request.Path == "" {
			return nil, nil, fmt.Errorf("%s: not a recorded exchange (no request method or path)", e.Name())
		}
		names = append(names, e.Name())
		out = append(out, ex)
	}
	idx := make([]int, len(names))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return number(names[idx[a]]) < number(names[idx[b]]) })
	sortedNames, sortedEx := make([]string, len(idx)), make([]Exchange, len(idx))
	for i, j := range idx {
		sortedNames[i], sortedEx[i] = names[j], out[j]
	}
	return sortedNames, sortedEx, nil
}

// number is a recorded file's sequence number.
func number(name string) int {
	n, _ := strconv.Atoi(recordedName.FindStringSubmatch(name)[1])
	return n
}
