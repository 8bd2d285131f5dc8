package ispmgr

import (
	"bytes"
	"encoding/json"
	"html"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// part says which output formats carry a node: mgr5 renders one document
// per answer, and the formats differ only in which parts of it they show.
type part uint8

const (
	// partData is the answer itself: elems, form fields, ok, error.
	partData part = iota
	// partMeta is request context (tparams): every format but the data-only ones.
	partMeta
	// partUI is the interface description (metadata, paging, tips).
	partUI
	// partXMLOnly exists only in the XML renderings (error stack, group).
	partXMLOnly
	// partJSONOnly exists only in the JSON renderings (error detail).
	partJSONOnly
)

// Attr is one XML attribute, kept in order so output is deterministic.
type Attr struct {
	Name, Value string
}

// Node is one element of the internal document every format is rendered
// from, so XML and JSON cannot drift apart.
type Node struct {
	Name    string
	Attrs   []Attr
	Text    string
	HasText bool
	Kids    []*Node
	Part    part
}

// newNode makes an element.
func newNode(name string) *Node { return &Node{Name: name} }

// Add appends a child element and returns it.
func (n *Node) Add(name string) *Node {
	k := &Node{Name: name}
	n.Kids = append(n.Kids, k)
	return k
}

// AddText appends a child with text; an empty text adds nothing, as the
// panel leaves empty fields out.
func (n *Node) AddText(name, text string) *Node {
	if text == "" {
		return nil
	}
	k := n.Add(name)
	k.SetText(text)
	return k
}

// AddFlag appends an empty element (a set boolean) when on.
func (n *Node) AddFlag(name string, on bool) {
	if on {
		n.Add(name)
	}
}

// SetText sets the element's text.
func (n *Node) SetText(s string) *Node {
	n.Text, n.HasText = s, true
	return n
}

// Set adds an attribute.
func (n *Node) Set(name, value string) *Node {
	n.Attrs = append(n.Attrs, Attr{name, value})
	return n
}

// Attr returns an attribute's value.
func (n *Node) Attr(name string) string {
	for _, a := range n.Attrs {
		if a.Name == name {
			return a.Value
		}
	}
	return ""
}

// Child returns the first child with the name, or nil.
func (n *Node) Child(name string) *Node {
	for _, k := range n.Kids {
		if k.Name == name {
			return k
		}
	}
	return nil
}

// format is an out= value.
type format string

// The out= formats of mgr5; fmtHTML is the browser page (no out).
const (
	fmtXML      format = "xml"
	fmtDevel    format = "devel"
	fmtText     format = "text"
	fmtSJSON    format = "sjson"
	fmtJSON     format = "json"
	fmtJSONData format = "JSONdata"
	fmtXJSON    format = "xjson"
	fmtPrint    format = "print"
	fmtHTML     format = "html"
)

// parseFormat maps out= onto a format; an unknown or absent value is the
// browser's HTML page, as the panel treats any out it does not know.
func parseFormat(out string) format {
	switch f := format(out); f {
	case fmtXML, fmtDevel, fmtText, fmtSJSON, fmtJSON, fmtJSONData, fmtXJSON, fmtPrint:
		return f
	}
	return fmtHTML
}

// isJSON is true for the formats rendered as JSON.
func (f format) isJSON() bool {
	return f == fmtSJSON || f == fmtJSON || f == fmtJSONData || f == fmtXJSON
}

// ContentType is the header value for the format.
func (f format) ContentType() string {
	switch {
	case f.isJSON():
		return "application/json"
	case f == fmtXML || f == fmtDevel:
		return "text/xml; charset=UTF-8"
	case f == fmtText:
		return "text/plain; charset=UTF-8"
	}
	return "text/html; charset=UTF-8"
}

// shows says whether the format carries a part.
func (f format) shows(p part) bool {
	switch p {
	case partData:
		return true
	case partMeta:
		return f != fmtJSONData && f != fmtText
	case partUI:
		return f == fmtDevel || f == fmtSJSON || f == fmtJSON || f == fmtXJSON
	case partXMLOnly:
		return f == fmtXML || f == fmtDevel
	case partJSONOnly:
		return f.isJSON()
	}
	return false
}

// rootAttrs says whether the format shows the document's attributes.
func (f format) rootAttrs() bool { return f != fmtJSONData && f != fmtText }

// Render writes the document in the format.
func Render(doc *Node, f format) []byte {
	switch {
	case f == fmtXML || f == fmtDevel:
		return renderXML(doc, f)
	case f == fmtJSON:
		var b bytes.Buffer
		if err := json.Indent(&b, renderJSON(doc, f), "", "  "); err != nil {
			return renderJSON(doc, f)
		}
		b.WriteByte('\n')
		return b.Bytes()
	case f.isJSON():
		return renderJSON(doc, f)
	case f == fmtText:
		return renderText(doc)
	}
	return renderHTML(doc, f)
}

// ---- XML ----

func renderXML(doc *Node, f format) []byte {
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	writeXML(&b, doc, f, true)
	b.WriteByte('\n')
	return b.Bytes()
}

func writeXML(b *bytes.Buffer, n *Node, f format, root bool) {
	b.WriteByte('<')
	b.WriteString(n.Name)
	if !root || f.rootAttrs() {
		for _, a := range n.Attrs {
			b.WriteString(" " + a.Name + `="`)
			b.WriteString(escapeXML(a.Value, true))
			b.WriteByte('"')
		}
	}
	kids := visibleKids(n, f)
	if len(kids) == 0 && !n.HasText {
		b.WriteString("/>")
		return
	}
	b.WriteByte('>')
	b.WriteString(escapeXML(n.Text, false))
	for _, k := range kids {
		writeXML(b, k, f, false)
	}
	b.WriteString("</" + n.Name + ">")
}

func visibleKids(n *Node, f format) []*Node {
	out := make([]*Node, 0, len(n.Kids))
	for _, k := range n.Kids {
		if f.shows(k.Part) {
			out = append(out, k)
		}
	}
	return out
}

// escapeXML escapes text or an attribute value; invalid UTF-8 and control
// characters XML cannot carry become U+FFFD.
func escapeXML(s string, attr bool) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '<':
			b.WriteString("&lt;")
		case r == '>':
			b.WriteString("&gt;")
		case r == '&':
			b.WriteString("&amp;")
		case r == '"' && attr:
			b.WriteString("&quot;")
		case r == '\n' && attr:
			b.WriteString("&#10;")
		case r == '\t' || r == '\n' || r == '\r':
			b.WriteRune(r)
		case r < 0x20 || r == utf8.RuneError || r == 0xFFFE || r == 0xFFFF:
			b.WriteRune('\uFFFD')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// ---- JSON ----

// alwaysArray names the elements mgr5 renders as JSON arrays even when
// there is only one of them.
var alwaysArray = map[string]bool{"elem": true, "page": true, "col": true, "prop": true, "param": true, "filter": true}

func renderJSON(doc *Node, f format) []byte {
	var b bytes.Buffer
	b.WriteString(`{"doc":`)
	writeJSON(&b, doc, f, true)
	b.WriteByte('}')
	return b.Bytes()
}

// writeJSON applies mgr5's mapping: attribute x -> "$x", text -> "$",
// children grouped by name (arrays when repeated or always-array), empty
// elements -> {}. JSONdata writes text-only leaves as plain strings.
func writeJSON(b *bytes.Buffer, n *Node, f format, root bool) {
	kids := visibleKids(n, f)
	showAttrs := !root || f.rootAttrs()
	if f == fmtJSONData && len(kids) == 0 && (len(n.Attrs) == 0 || !showAttrs) && n.HasText {
		writeJSONString(b, n.Text)
		return
	}
	b.WriteByte('{')
	first := true
	sep := func() {
		if !first {
			b.WriteByte(',')
		}
		first = false
	}
	if showAttrs {
		for _, a := range n.Attrs {
			sep()
			writeJSONString(b, "$"+a.Name)
			b.WriteByte(':')
			writeJSONString(b, a.Value)
		}
	}
	groups := groupKids(kids)
	// mgr5's JSON writer keeps attributes in order but emits children by
	// name, as the real replies show (elem fields, doc children, error).
	sort.SliceStable(groups, func(i, j int) bool { return groups[i][0].Name < groups[j][0].Name })
	for _, g := range groups {
		sep()
		writeJSONString(b, g[0].Name)
		b.WriteByte(':')
		if len(g) == 1 && !alwaysArray[g[0].Name] {
			writeJSON(b, g[0], f, false)
			continue
		}
		b.WriteByte('[')
		for i, k := range g {
			if i > 0 {
				b.WriteByte(',')
			}
			writeJSON(b, k, f, false)
		}
		b.WriteByte(']')
	}
	if n.HasText {
		sep()
		b.WriteString(`"$":`)
		writeJSONString(b, n.Text)
	}
	b.WriteByte('}')
}

// groupKids groups children by name in the order names first appear.
func groupKids(kids []*Node) [][]*Node {
	var groups [][]*Node
	index := map[string]int{}
	for _, k := range kids {
		i, ok := index[k.Name]
		if !ok {
			i = len(groups)
			index[k.Name] = i
			groups = append(groups, nil)
		}
		groups[i] = append(groups[i], k)
	}
	return groups
}

func writeJSONString(b *bytes.Buffer, s string) {
	const hex = "0123456789abcdef"
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"':
			b.WriteString(`\"`)
		case r == '\\':
			b.WriteString(`\\`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r < 0x20:
			b.WriteString(`\u00`)
			b.WriteByte(hex[r>>4])
			b.WriteByte(hex[r&0xf])
		case r == utf8.RuneError:
			b.WriteString(`\ufffd`)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
}

// ---- text ----

// renderText is the mgrctl-style text: one line of key=value pairs per list
// element, one key=value line per form field, "OK" for an action and
// "ERROR type(object): message" for an error.
func renderText(doc *Node) []byte {
	var b strings.Builder
	for _, k := range visibleKids(doc, fmtText) {
		switch k.Name {
		case "elem":
			var pairs []string
			for _, f := range visibleKids(k, fmtText) {
				pairs = append(pairs, f.Name+"="+textValue(f))
			}
			b.WriteString(strings.Join(pairs, " ") + "\n")
		case "ok":
			b.WriteString("OK\n")
		case "error":
			b.WriteString("ERROR " + k.Attr("type") + "(" + k.Attr("object") + "): " + childText(k, "msg") + "\n")
		case "authfail":
		default:
			b.WriteString(k.Name + "=" + textValue(k) + "\n")
		}
	}
	return []byte(b.String())
}

// textValue is a field's value in text output: its text, or "on" for a set
// flag.
func textValue(n *Node) string {
	if n.HasText {
		return strings.ReplaceAll(n.Text, "\n", " ")
	}
	if len(n.Kids) == 0 && len(n.Attrs) == 0 {
		return "on"
	}
	var parts []string
	for _, a := range n.Attrs {
		parts = append(parts, a.Name+":"+a.Value)
	}
	return strings.Join(parts, ",")
}

func childText(n *Node, name string) string {
	if c := n.Child(name); c != nil {
		return c.Text
	}
	return ""
}

// ---- HTML ----

// renderHTML is the browser page (no out) or the printable page (out=print):
// a table for lists, a definition list for forms, a message otherwise.
func renderHTML(doc *Node, f format) []byte {
	var b strings.Builder
	title := "ISPsystem"
	if fn := doc.Attr("func"); fn != "" {
		title += " - " + fn
	}
	b.WriteString("<!DOCTYPE html>\n<html lang=\"" + html.EscapeString(orDefault(doc.Attr("lang"), "en")) + "\">\n<head><meta charset=\"utf-8\"><title>" + html.EscapeString(title) + "</title></head>\n")
	if f == fmtPrint {
		b.WriteString("<body class=\"print\">\n")
	} else {
		b.WriteString("<body>\n")
	}
	kids := visibleKids(doc, f)
	var elems []*Node
	for _, k := range kids {
		if k.Name == "elem" {
			elems = append(elems, k)
		}
	}
	if elems != nil || doc.Child("p_elems") != nil {
		writeHTMLTable(&b, elems)
	} else {
		writeHTMLBody(&b, kids)
	}
	b.WriteString("</body>\n</html>\n")
	return []byte(b.String())
}

func writeHTMLTable(b *strings.Builder, elems []*Node) {
	var cols []string
	seen := map[string]bool{}
	for _, e := range elems {
		for _, f := range e.Kids {
			if !seen[f.Name] {
				seen[f.Name] = true
				cols = append(cols, f.Name)
			}
		}
	}
	b.WriteString("<table class=\"list\">\n<tr>")
	for _, c := range cols {
		b.WriteString("<th>" + html.EscapeString(c) + "</th>")
	}
	b.WriteString("</tr>\n")
	for _, e := range elems {
		b.WriteString("<tr>")
		for _, c := range cols {
			v := ""
			if n := e.Child(c); n != nil {
				v = textValue(n)
			}
			b.WriteString("<td>" + html.EscapeString(v) + "</td>")
		}
		b.WriteString("</tr>\n")
	}
	b.WriteString("</table>\n")
}

func writeHTMLBody(b *strings.Builder, kids []*Node) {
	var fields []*Node
	for _, k := range kids {
		switch k.Name {
		case "ok":
			b.WriteString("<p class=\"ok\">OK</p>\n")
		case "error":
			b.WriteString("<div class=\"error\" data-type=\"" + html.EscapeString(k.Attr("type")) + "\" data-object=\"" +
				html.EscapeString(k.Attr("object")) + "\">" + html.EscapeString(childText(k, "msg")) + "</div>\n")
		case "tparams", "authfail":
		default:
			fields = append(fields, k)
		}
	}
	if len(fields) == 0 {
		return
	}
	b.WriteString("<dl class=\"form\">\n")
	for _, k := range fields {
		b.WriteString("<dt>" + html.EscapeString(k.Name) + "</dt><dd>" + html.EscapeString(textValue(k)) + "</dd>\n")
	}
	b.WriteString("</dl>\n")
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

// itoa is strconv.Itoa, short because documents are full of numbers.
func itoa(i int) string { return strconv.Itoa(i) }
