package ispmgr

import (
	"net/url"
	"slices"
	"sort"
	"strings"
)

// Params are a request's parameters: the query string and, for POST, the
// form body, read the way the panel reads them.
type Params struct {
	order []string
	vals  map[string]string
}

// NewParams makes an empty parameter set.
func NewParams() *Params { return &Params{vals: map[string]string{}} }

// ignoredParams are the interface's own parameters the API drops.
var ignoredParams = map[string]bool{"sfrom": true, "clicked_button": true, "operafake": true, "progressid": true}

// ParseParams adds the pairs of a query string or form body. It is lenient
// the way mgr5 is: values clients send unencoded (':', '@', '/') are taken
// as they are, '+' is a space and a broken %-escape is kept literally. A
// later value replaces an earlier one. What the vendor document tells API
// users to leave out (sfrom, clicked_button, operafake, progressid,
// values equal to "*" and empty values) is dropped here (see Add).
func (p *Params) ParseParams(raw string) {
	if p.order == nil && raw != "" {
		p.order = make([]string, 0, strings.Count(raw, "&")+1)
	}
	for pair := range strings.SplitSeq(raw, "&") {
		if pair == "" {
			continue
		}
		k, v, _ := strings.Cut(pair, "=")
		p.Add(unescapeLenient(k), unescapeLenient(v))
	}
}

// Add sets a parameter as the client sent it, unless the panel reads it as
// not sent: an interface parameter, a "*" value or an empty value. The
// vendor document lists empty parameters among those an API call may leave
// out, so an empty value never clears a field: a billing module that posts
// every field of a form, most of them empty, changes only what it fills in.
func (p *Params) Add(k, v string) {
	if k == "" || v == "" || v == "*" || ignoredParams[k] {
		return
	}
	p.Set(k, v)
}

// unescapeLenient decodes a query component, falling back to the raw text
// (with '+' as space) when it is not valid percent-encoding.
func unescapeLenient(s string) string {
	if !strings.ContainsAny(s, "%+") {
		return s // nothing to decode: QueryUnescape would return s as it is
	}
	if u, err := url.QueryUnescape(s); err == nil {
		return u
	}
	return strings.ReplaceAll(s, "+", " ")
}

// Set sets a parameter.
func (p *Params) Set(k, v string) {
	if _, ok := p.vals[k]; !ok {
		p.order = append(p.order, k)
	}
	p.vals[k] = v
}

// Del removes a parameter.
func (p *Params) Del(k string) {
	if _, ok := p.vals[k]; !ok {
		return
	}
	delete(p.vals, k)
	p.order = slices.DeleteFunc(p.order, func(n string) bool { return n == k })
}

// Get returns a parameter's value ("" when absent).
func (p *Params) Get(k string) string { return p.vals[k] }

// Has says whether the parameter was sent (with a value: see Add).
func (p *Params) Has(k string) bool {
	_, ok := p.vals[k]
	return ok
}

// Names lists the parameter names in sorted order.
func (p *Params) Names() []string {
	names := append([]string(nil), p.order...)
	sort.Strings(names)
	return names
}

// Clone is an independent copy, for a call that runs with changed
// parameters while the original's stay as the client sent them.
func (p *Params) Clone() *Params {
	c := &Params{order: append([]string(nil), p.order...), vals: make(map[string]string, len(p.vals))}
	for k, v := range p.vals {
		c.vals[k] = v
	}
	return c
}

// Values are the parameters as url.Values, one value each.
func (p *Params) Values() url.Values {
	out := make(url.Values, len(p.vals))
	for k, v := range p.vals {
		out.Set(k, v)
	}
	return out
}

// Len is the number of parameters.
func (p *Params) Len() int { return len(p.order) }

// splitElids splits an elid list: mgr5 joins several ids with ", ".
func splitElids(elid string) []string {
	var out []string
	for _, s := range strings.Split(elid, ", ") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// isOn reads a checkbox value: mgr5 sends "on" and "off".
func isOn(v string) bool { return v == "on" || v == "yes" || v == "1" || v == "true" }

// onOff renders a boolean the way mgr5 lists do.
func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}
