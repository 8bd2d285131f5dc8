package proxy

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"sync"

	"github.com/panelsim/panelsim/state"
)

// Masker replaces credentials, tokens, passwords and cookies with stable
// placeholders ("masked-1", "masked-2", ...): the same secret gets the same
// placeholder wherever it appears (a token in a login answer, then in a
// header and in a path), so a replay can bind each placeholder to the value
// the emulator hands out at the same place. Types stay: a masked string is
// a string.
type Masker struct {
	mu      sync.Mutex
	ids     map[string]string // secret -> placeholder
	recent  []string          // the newest maxKnown secrets, oldest first
	secrets []string          // recent, longest first (what Known replaces)
}

// NewMasker returns a masker that knows no secret yet.
func NewMasker() *Masker { return &Masker{ids: map[string]string{}} }

// maxSecrets bounds what a long-running proxy remembers; past it, new
// secrets are all masked as "masked" (still hidden, no longer numbered).
const maxSecrets = 1 << 16

// maxKnown bounds the secrets Known looks for in free text: the newest
// ones, since a token shows up in paths and headers soon after the answer
// that handed it out. Named fields are masked whatever their age.
const maxKnown = 1024

// minKnownLen is the shortest secret also replaced where it appears
// outside a named field (a path, a text body): shorter ones would hit
// ordinary text.
const minKnownLen = 6

// placeholderPattern matches a placeholder the masker writes.
var placeholderPattern = regexp.MustCompile(`^masked-[0-9]+$`)

// IsPlaceholder says whether s is a placeholder.
func IsPlaceholder(s string) bool { return placeholderPattern.MatchString(s) }

// secretWords are the parts of a field, parameter, header or cookie name
// that make its value a secret.
var secretWords = []string{"pass", "token", "secret", "sess", "auth", "cookie", "sign", "key", "credential"}

// secretName says whether a field named name holds a secret.
func secretName(name string) bool {
	n := strings.ToLower(name)
	for _, w := range secretWords {
		if strings.Contains(n, w) {
			return true
		}
	}
	return false
}

// placeholder is the stable stand-in for a secret.
func (m *Masker) placeholder(secret string) string {
	if secret == "" || IsPlaceholder(secret) {
		return secret
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if p, ok := m.ids[secret]; ok {
		return p
	}
	if len(m.ids) >= maxSecrets {
		return "masked"
	}
	p := fmt.Sprintf("masked-%d", len(m.ids)+1)
	m.ids[secret] = p
	if len(secret) >= minKnownLen {
		m.recent = append(m.recent, secret)
		if len(m.recent) > maxKnown {
			m.recent = m.recent[1:]
		}
		m.secrets = append(m.secrets[:0], m.recent...)
		sort.SliceStable(m.secrets, func(i, j int) bool { return len(m.secrets[i]) > len(m.secrets[j]) })
	}
	return p
}

// Known replaces every secret already seen in s by its placeholder (a
// token in a URL path, in a text answer).
func (m *Masker) Known(s string) string {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, sec := range m.secrets {
		if strings.Contains(s, sec) {
			s = strings.ReplaceAll(s, sec, m.ids[sec])
		}
	}
	return s
}

// Header returns a masked copy of h: secret-named headers whole, every
// cookie's value (names and attributes stay).
func (m *Masker) Header(h http.Header) http.Header {
	out := make(http.Header, len(h))
	for k, vs := range h {
		cp := make([]string, len(vs))
		for i, v := range vs {
			switch {
			case strings.EqualFold(k, "Cookie"):
				cp[i] = m.cookies(v)
			case strings.EqualFold(k, "Set-Cookie"):
				cp[i] = m.setCookie(v)
			case secretName(k):
				cp[i] = m.headerValue(v)
			default:
				cp[i] = m.Known(v)
			}
		}
		out[k] = cp
	}
	return out
}

// headerValue keeps an auth scheme ("Bearer", "Basic") and masks the rest.
func (m *Masker) headerValue(v string) string {
	if scheme, rest, ok := strings.Cut(v, " "); ok && !strings.ContainsAny(scheme, "=:") {
		return scheme + " " + m.placeholder(rest)
	}
	return m.placeholder(v)
}

// cookies masks a Cookie header: "a=1; b=2".
func (m *Masker) cookies(v string) string {
	parts := strings.Split(v, ";")
	for i, p := range parts {
		name, val, ok := strings.Cut(strings.TrimSpace(p), "=")
		if ok {
			parts[i] = name + "=" + m.placeholder(val)
		}
	}
	return strings.Join(parts, "; ")
}

// setCookie masks the value of a Set-Cookie header, keeping its attributes.
func (m *Masker) setCookie(v string) string {
	first, attrs, _ := strings.Cut(v, ";")
	name, val, ok := strings.Cut(first, "=")
	if !ok || val == "" {
		return v
	}
	out := name + "=" + m.placeholder(val)
	if attrs != "" {
		out += ";" + attrs
	}
	return out
}

// Query masks the values of secret-named parameters, and known secrets in
// the others. The order of parameters is kept.
func (m *Masker) Query(raw string) string {
	if raw == "" {
		return raw
	}
	parts := strings.Split(raw, "&")
	for i, p := range parts {
		k, v, ok := strings.Cut(p, "=")
		name, err := url.QueryUnescape(k)
		if err != nil {
			name = k
		}
		val, err := url.QueryUnescape(v)
		if err != nil {
			val = v
		}
		switch {
		case !ok:
		case secretName(name):
			parts[i] = k + "=" + url.QueryEscape(m.placeholder(val))
		default:
			if masked := m.Known(val); masked != val {
				parts[i] = k + "=" + url.QueryEscape(masked)
			}
		}
	}
	return strings.Join(parts, "&")
}

// Body masks a body by its content type or its first byte (curl -d sends
// JSON as a form; mgr5 answers XML and HTML): JSON fields, form fields and
// XML or HTML elements and attributes with secret names; known secrets
// anywhere else.
func (m *Masker) Body(contentType string, body []byte) []byte {
	if len(body) == 0 {
		return body
	}
	media, _, _ := mime.ParseMediaType(contentType)
	trimmed := bytes.TrimSpace(body)
	switch {
	case strings.Contains(media, "json") || (len(trimmed) > 0 && (trimmed[0] == '{' || trimmed[0] == '[')):
		if out, ok := m.json(body); ok {
			return out
		}
	case media == "application/x-www-form-urlencoded":
		return []byte(m.Query(string(body)))
	case len(trimmed) > 0 && trimmed[0] == '<':
		if out, ok := m.xml(body); ok {
			return out
		}
	}
	return []byte(m.Known(string(body)))
}

func (m *Masker) json(body []byte) ([]byte, bool) {
	d := json.NewDecoder(bytes.NewReader(body))
	d.UseNumber()
	var v any
	if d.Decode(&v) != nil || d.Decode(new(any)) != io.EOF {
		return nil, false
	}
	out, err := json.Marshal(m.value(v, false))
	return out, err == nil
}

// value masks a decoded JSON value; under a secret-named key every string
// is a secret (mgr5's "auth": {"$id": ...}).
func (m *Masker) value(v any, secret bool) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			x[k] = m.value(e, secret || secretName(k))
		}
	case []any:
		for i, e := range x {
			x[i] = m.value(e, secret)
		}
	case string:
		if secret {
			return m.placeholder(x)
		}
		return m.Known(x)
	}
	return v
}

// xml masks an XML document token by token: attributes with secret names,
// and all text and attributes inside an element with a secret name.
func (m *Masker) xml(body []byte) ([]byte, bool) {
	var buf bytes.Buffer
	e := xml.NewEncoder(&buf)
	var secretDepth []bool
	inSecret := func() bool { return len(secretDepth) > 0 && secretDepth[len(secretDepth)-1] }
	ok := walkXML(body, true, func(tok xml.Token) error {
		switch t := tok.(type) {
		case xml.StartElement:
			secret := inSecret() || secretName(t.Name.Local)
			secretDepth = append(secretDepth, secret)
			t = t.Copy()
			for i, a := range t.Attr {
				if secret || secretName(a.Name.Local) {
					t.Attr[i].Value = m.placeholder(a.Value)
				} else {
					t.Attr[i].Value = m.Known(a.Value)
				}
			}
			tok = t
		case xml.EndElement:
			if len(secretDepth) > 0 {
				secretDepth = secretDepth[:len(secretDepth)-1]
			}
		case xml.CharData:
			text := string(t)
			if inSecret() && strings.TrimSpace(text) != "" {
				tok = xml.CharData(m.placeholder(text))
			} else {
				tok = xml.CharData(m.Known(text))
			}
		}
		return e.EncodeToken(tok)
	})
	if !ok || e.Flush() != nil {
		return nil, false
	}
	return buf.Bytes(), true
}

// Entry masks a journal entry of a proxied panel: its headers, query, path
// and body. It is the journal's Redact hook.
func (m *Masker) Entry(e *state.Entry) {
	h := http.Header{}
	for k, v := range e.Headers {
		h.Set(k, v)
	}
	masked := m.Header(h)
	for k := range e.Headers {
		e.Headers[k] = masked.Get(k)
	}
	e.Query = m.Query(e.Query)
	e.Path = m.Known(e.Path)
	e.Body = string(m.Body(e.Headers["Content-Type"], []byte(e.Body)))
}
