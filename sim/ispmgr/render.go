package ispmgr

import (
	"bytes"
	"html/template"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/beevik/etree"

	"github.com/panelsim/panelsim/internal/jsonw"
)

// Node is one element of the answer's <doc>: an etree element, with the
// chaining builders the funcs write documents with. Every format is
// rendered from this one tree, so XML and JSON cannot drift apart.
type Node etree.Element

// newNode makes an element.
func newNode(name string) *Node { return (*Node)(etree.NewElement(name)) }

// el is the node as etree sees it.
func (n *Node) el() *etree.Element { return (*etree.Element)(n) }

// Add appends a child element and returns it.
func (n *Node) Add(name string) *Node { return (*Node)(n.el().CreateElement(name)) }

// Append moves elements (built apart, or another node's children) to the
// end of n's children.
func (n *Node) Append(kids ...*Node) {
	for _, k := range kids {
		n.el().AddChild(k.el())
	}
}

// share appends nodes kept elsewhere (a cache of what does not change
// between answers) without taking them from their holder: a shared node
// is read-only, and documents are never changed once filled, only
// rendered.
func (n *Node) share(kids ...*Node) {
	for _, k := range kids {
		n.Child = append(n.Child, k.el())
	}
}

// grow makes room for n more children, saving the appends' regrowth on
// documents whose size is known.
func (n *Node) grow(kids int) { n.Child = slices.Grow(n.Child, kids) }

// AddText appends a child with text; an empty text adds nothing, as the
// panel leaves empty fields out.
func (n *Node) AddText(name, text string) *Node {
	if text == "" {
		return nil
	}
	return n.addLeaf(name, text)
}

// textLeaf is an element holding only text, with its text token and its
// one-token child list in one allocation: answers are mostly such leaves,
// and Add(name).SetText(text) allocates the three apart.
type textLeaf struct {
	el   etree.Element
	text etree.CharData
	kids [1]etree.Token
}

// addLeaf appends a child holding text, even empty text, as
// Add(name).SetText(text) does: through etree's own AddChild, so parents
// and indexes are etree's.
func (n *Node) addLeaf(name, text string) *Node {
	if strings.Contains(name, ":") {
		return n.Add(name).SetText(text) // a prefixed name: etree splits it
	}
	l := &textLeaf{el: etree.Element{Tag: name}, text: etree.CharData{Data: text}}
	l.el.Child = l.kids[:0]
	l.el.AddChild(&l.text)
	n.el().AddChild(&l.el)
	return (*Node)(&l.el)
}

// AddFlag appends an empty element (a set boolean) when on.
func (n *Node) AddFlag(name string, on bool) {
	if on {
		n.Add(name)
	}
}

// SetText sets the element's text. An empty text is kept as text (it
// renders <x></x> and {"$":""}, unlike an empty element), as the panel
// echoes a parameter sent empty.
func (n *Node) SetText(s string) *Node {
	e := n.el()
	if s == "" && !hasText(e) {
		e.InsertChildAt(0, etree.NewText(""))
		return n
	}
	e.SetText(s)
	return n
}

// Set sets an attribute; attributes keep the order they were first set in.
func (n *Node) Set(name, value string) *Node {
	n.el().CreateAttr(name, value)
	return n
}

// attr returns an attribute's value ("" when absent).
func (n *Node) attr(name string) string {
	for _, a := range n.Attr {
		if a.Key == name && a.Space == "" {
			return a.Value
		}
	}
	return ""
}

// child returns the first child element with the name, or nil.
func (n *Node) child(name string) *Node {
	for _, t := range n.Child {
		if k, ok := t.(*etree.Element); ok && k.Tag == name && k.Space == "" {
			return (*Node)(k)
		}
	}
	return nil
}

// kids are the child elements, in order.
func (n *Node) kids() []*Node {
	out := make([]*Node, 0, len(n.Child))
	for _, t := range n.Child {
		if k, ok := t.(*etree.Element); ok {
			out = append(out, (*Node)(k))
		}
	}
	return out
}

// text is the element's text.
func (n *Node) text() string { return n.el().Text() }

// hasText says whether the element carries text, even empty text.
func hasText(e *etree.Element) bool {
	if len(e.Child) == 0 {
		return false
	}
	_, ok := e.Child[0].(*etree.CharData)
	return ok
}

// part says which output formats carry an element: mgr5 renders one
// document per answer, and the formats differ only in which parts of it
// they show.
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

// parts names the children of <doc> and of its <error> that are not data:
// the request echo, the interface description, and the error's XML-only
// and JSON-only halves. Every other element is data, in every format.
var parts = map[string]map[string]part{
	"doc": {
		"tparams": partMeta, "metadata": partUI, "messages": partUI, "saved_filters": partUI, "tips": partUI,
		"p_cnt": partUI, "p_elems": partUI, "p_num": partUI, "p_order": partUI, "p_sort": partUI,
		"p_possible_filters": partUI, "page": partUI,
	},
	"error": {"stack": partXMLOnly, "group": partXMLOnly, "detail": partJSONOnly},
}

// partsOf is parts[tag] without hashing every element's name: only <doc>
// and <error> hide children.
func partsOf(tag string) map[string]part {
	switch tag {
	case "doc", "error":
		return parts[tag]
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

// ContentType is the header value for the format: exactly text/xml for
// the XML formats (the prolog names UTF-8; at least one public client
// compares the header to "text/xml") and application/json for JSON.
func (f format) ContentType() string {
	switch {
	case f.isJSON():
		return "application/json"
	case f == fmtXML || f == fmtDevel:
		return "text/xml"
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

// visibleKids are the child elements of e the format shows.
func visibleKids(e *etree.Element, f format) []*etree.Element {
	return appendVisibleKids(make([]*etree.Element, 0, len(e.Child)), e, f)
}

// appendVisibleKids appends the child elements of e the format shows.
func appendVisibleKids(out []*etree.Element, e *etree.Element, f format) []*etree.Element {
	hidden := partsOf(e.Tag)
	for _, t := range e.Child {
		if k, ok := t.(*etree.Element); ok && f.shows(hidden[k.Tag]) {
			out = append(out, k)
		}
	}
	return out
}

// Render writes the document in the format.
func Render(doc *Node, f format) []byte {
	switch {
	case f == fmtXML || f == fmtDevel:
		return renderXML(doc.el(), f)
	case f.isJSON():
		return renderJSON(doc.el(), f)
	case f == fmtText:
		return renderText(doc.el())
	}
	return renderHTML(doc.el(), f)
}

// ---- XML ----

// xmlProlog is the first line of every XML answer.
const xmlProlog = `<?xml version="1.0" encoding="UTF-8"?>` + "\n"

// renderXML writes the prolog and the document's XML view, a line each.
// It writes the bytes etree would with CanonicalText and CanonicalAttrVal
// (libxml2's escaping: text escapes only &, < and >; attribute values also
// " and the whitespace a parser would otherwise normalise away), straight
// from the tree: building an etree document to serialise was most of the
// XML answer's cost. render_equiv_test.go proves the bytes the same.
func renderXML(doc *etree.Element, f format) []byte {
	// Most XML answers (a short list, a form, ok, an error) fit in 1 KiB;
	// zeroing a larger first buffer cost more than writing the answer.
	b := make([]byte, 0, 1024)
	b = append(b, xmlProlog...)
	b = appendXMLElement(b, doc, f, true)
	return append(b, '\n')
}

// appendXMLElement writes e as the format shows it. Only <doc> and
// <error> hide children (the parts table), and only where they are the
// document or one of its hiding ancestors' children, as filter says: the
// document itself is never changed, so one tree renders in every format.
func appendXMLElement(b []byte, e *etree.Element, f format, filter bool) []byte {
	hidden := partsOf(e.Tag)
	if !filter {
		hidden = nil // every child shows
	}
	b = append(b, '<')
	b = appendXMLName(b, e.Space, e.Tag)
	for _, a := range e.Attr {
		b = append(b, ' ')
		b = appendXMLName(b, a.Space, a.Key)
		b = append(b, '=', '"')
		b = appendXMLEscaped(b, a.Value, true)
		b = append(b, '"')
	}
	if !hasShownChild(e, hidden, f) {
		return append(b, '/', '>')
	}
	b = append(b, '>')
	for _, t := range e.Child {
		switch k := t.(type) {
		case *etree.Element:
			if f.shows(hidden[k.Tag]) {
				b = appendXMLElement(b, k, f, filter && partsOf(k.Tag) != nil)
			}
		case *etree.CharData:
			if k.IsCData() {
				b = appendEtreeToken(b, k)
				continue
			}
			b = appendXMLEscaped(b, k.Data, false)
		default:
			b = appendEtreeToken(b, k)
		}
	}
	b = append(b, '<', '/')
	b = appendXMLName(b, e.Space, e.Tag)
	return append(b, '>')
}

// hasShownChild says whether e has a token the format shows: an element
// whose every child is hidden is written empty (<x/>).
func hasShownChild(e *etree.Element, hidden map[string]part, f format) bool {
	for _, t := range e.Child {
		if k, ok := t.(*etree.Element); !ok || f.shows(hidden[k.Tag]) {
			return true
		}
	}
	return false
}

// appendXMLName writes a tag or attribute name with its namespace prefix.
func appendXMLName(b []byte, space, name string) []byte {
	if space != "" {
		b = append(append(b, space...), ':')
	}
	return append(b, name...)
}

// appendEtreeToken writes a token the builders never make (CDATA, a
// comment) as etree does, so the writer is whole for any tree.
func appendEtreeToken(b []byte, t etree.Token) []byte {
	var w bytes.Buffer
	t.WriteTo(&w, &etree.WriteSettings{CanonicalText: true, CanonicalAttrVal: true})
	return append(b, w.Bytes()...)
}

// appendXMLEscaped writes text (attr false) or an attribute value (attr
// true) escaped exactly as etree's canonical modes do: &, < always, > in
// text, " in attributes, tab, newline in attributes and carriage return
// as character references, and anything XML cannot carry (control
// characters, invalid UTF-8) as U+FFFD. Plain printable ASCII, nearly
// every value, is copied as it is.
func appendXMLEscaped(b []byte, s string, attr bool) []byte {
	if plainXML(s) {
		return append(b, s...)
	}
	last := 0
	for i := 0; i < len(s); {
		r, width := utf8.DecodeRuneInString(s[i:])
		i += width
		var esc string
		switch {
		case r == '&':
			esc = "&amp;"
		case r == '<':
			esc = "&lt;"
		case r == '>' && !attr:
			esc = "&gt;"
		case r == '"' && attr:
			esc = "&quot;"
		case r == '\t' && attr:
			esc = "&#x9;"
		case r == '\n' && attr:
			esc = "&#xA;"
		case r == '\r':
			esc = "&#xD;"
		case !xmlChar(r) || (r == utf8.RuneError && width == 1):
			esc = "\uFFFD"
		default:
			continue
		}
		b = append(b, s[last:i-width]...)
		b = append(b, esc...)
		last = i
	}
	return append(b, s[last:]...)
}

// plainXML says whether s is printable ASCII without &, <, > or ": the
// same bytes in text and in attribute values.
func plainXML(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= utf8.RuneSelf || c == '&' || c == '<' || c == '>' || c == '"' {
			return false
		}
	}
	return true
}

// xmlChar says whether XML 1.0 can carry the character (its Char production).
func xmlChar(r rune) bool {
	return r == 0x09 || r == 0x0A || r == 0x0D ||
		r >= 0x20 && r <= 0xD7FF || r >= 0xE000 && r <= 0xFFFD || r >= 0x10000 && r <= 0x10FFFF
}

// ---- JSON ----

// alwaysArray names the elements mgr5 renders as JSON arrays even when
// there is only one of them.
var alwaysArray = map[string]bool{"elem": true, "page": true, "col": true, "prop": true, "param": true, "filter": true}

// isAlwaysArray is alwaysArray[tag] without hashing.
func isAlwaysArray(tag string) bool {
	switch tag {
	case "elem", "page", "col", "prop", "param", "filter":
		return true
	}
	return false
}

// renderJSON writes the document's JSON view. out=json is indented by two
// spaces and ends with a newline, byte for byte what json.Indent makes of
// the compact form (render_equiv_test.go proves it): writing it indented
// at once saves re-reading every answer.
func renderJSON(doc *etree.Element, f format) []byte {
	w := &jsonWriter{f: f, indent: f == fmtJSON, kids: make([]*etree.Element, 0, 64)}
	w.b.Grow(4096)
	w.open('{')
	w.key("doc")
	w.element(doc, true)
	w.close('}')
	if w.indent {
		w.b.WriteByte('\n')
	}
	return w.b.Bytes()
}

// jsonWriter applies mgr5's mapping of a document onto JSON; strings go
// through encoding/json. Indented, it lays out as json.Indent does: a
// newline and the depth's indent before each member, none inside an
// empty object or array, ": " after keys.
type jsonWriter struct {
	b      bytes.Buffer
	f      format
	indent bool
	// kids holds the visible children of the elements being written.
	kids []*etree.Element
	// depth is how many objects and arrays are open.
	depth int
	// opened says an object or array was just opened: its first member
	// starts a new line, and closing it at once leaves it "{}" or "[]".
	opened bool
}

// open starts an object or array.
func (w *jsonWriter) open(c byte) {
	w.lead()
	w.b.WriteByte(c)
	w.depth++
	w.opened = true
}

// close ends an object or array, on its own line unless it is empty.
func (w *jsonWriter) close(c byte) {
	w.depth--
	if w.opened {
		w.opened = false
	} else {
		w.newline()
	}
	w.b.WriteByte(c)
}

// comma separates members.
func (w *jsonWriter) comma() {
	w.b.WriteByte(',')
	w.newline()
}

// lead puts the first member of an object or array on a new line.
func (w *jsonWriter) lead() {
	if w.opened {
		w.opened = false
		w.newline()
	}
}

// newline starts an indented line (nothing when compact).
func (w *jsonWriter) newline() {
	if !w.indent {
		return
	}
	if n := 1 + 2*w.depth; n <= len(indentLine) {
		w.b.WriteString(indentLine[:n])
		return
	}
	w.b.WriteByte('\n')
	for range w.depth {
		w.b.WriteString("  ")
	}
}

// indentLine is a newline and the indent of the deepest common depths.
var indentLine = "\n" + strings.Repeat("  ", 32)

// element writes one element: attribute x -> "$x", text -> "$", children
// grouped by name (arrays when repeated or always-array), empty elements
// -> {}. JSONdata writes text-only leaves as plain strings.
func (w *jsonWriter) element(e *etree.Element, root bool) {
	// The children are gathered on a stack shared by the whole answer
	// (their region is the writer's until the element is written).
	mark := len(w.kids)
	w.kids = appendVisibleKids(w.kids, e, w.f)
	kids := w.kids[mark:]
	defer func() { w.kids = w.kids[:mark] }()
	showAttrs := !root || w.f.rootAttrs()
	text := hasText(e)
	if w.f == fmtJSONData && len(kids) == 0 && (len(e.Attr) == 0 || !showAttrs) && text {
		w.str(e.Text())
		return
	}
	w.open('{')
	first := true
	if showAttrs {
		for _, a := range e.Attr {
			if !first {
				w.comma()
			}
			first = false
			w.attrKey(a.Key)
			w.str(a.Value)
		}
	}
	// mgr5's JSON writer keeps attributes in order but emits children by
	// name, as the real replies show (elem fields, doc children, error):
	// sorted stably, children of one name are a run, in document order.
	slices.SortStableFunc(kids, func(a, b *etree.Element) int { return strings.Compare(a.Tag, b.Tag) })
	for i := 0; i < len(kids); {
		j := i + 1
		for j < len(kids) && kids[j].Tag == kids[i].Tag {
			j++
		}
		if !first {
			w.comma()
		}
		first = false
		w.group(kids[i:j])
		i = j
	}
	if text {
		if !first {
			w.comma()
		}
		w.key("$")
		w.str(e.Text())
	}
	w.close('}')
}

// group writes the children of one name: an array when repeated or
// always an array, else the one child.
func (w *jsonWriter) group(g []*etree.Element) {
	w.key(g[0].Tag)
	if len(g) == 1 && !isAlwaysArray(g[0].Tag) {
		w.element(g[0], false)
		return
	}
	w.open('[')
	for i, k := range g {
		if i > 0 {
			w.comma()
		}
		w.element(k, false)
	}
	w.close(']')
}

func (w *jsonWriter) key(k string) {
	w.str(k)
	w.b.WriteByte(':')
	if w.indent {
		w.b.WriteByte(' ')
	}
}

// attrKey writes the key of attribute k, "$k", without building it: `"$`,
// then k written as a string in place, less its opening quote.
func (w *jsonWriter) attrKey(k string) {
	w.lead()
	w.b.Grow(len(k) + 4)
	w.b.WriteString(`"$`)
	key := jsonw.AppendString(w.b.AvailableBuffer(), k, false)
	w.b.Write(key[1:])
	w.b.WriteByte(':')
	if w.indent {
		w.b.WriteByte(' ')
	}
}

// str writes a JSON string as encoding/json would with HTML characters
// left as they are, as the panel sends them.
func (w *jsonWriter) str(s string) {
	w.lead()
	w.b.Grow(len(s) + 2) // a plain string's room: it is written in place
	w.b.Write(jsonw.AppendString(w.b.AvailableBuffer(), s, false))
}

// ---- text ----

// renderText is the mgrctl-style text: one line of key=value pairs per list
// element, one key=value line per form field, "OK" for an action and
// "ERROR type(object): message" for an error.
func renderText(doc *etree.Element) []byte {
	var b strings.Builder
	for _, k := range visibleKids(doc, fmtText) {
		switch k.Tag {
		case "elem":
			for i, f := range visibleKids(k, fmtText) {
				if i > 0 {
					b.WriteByte(' ')
				}
				b.WriteString(f.Tag + "=" + textValue(f))
			}
			b.WriteByte('\n')
		case "ok":
			b.WriteString("OK\n")
		case "error":
			n := (*Node)(k)
			b.WriteString("ERROR " + n.attr("type") + "(" + n.attr("object") + "): " + childText(n, "msg") + "\n")
		case "authfail":
		default:
			b.WriteString(k.Tag + "=" + textValue(k) + "\n")
		}
	}
	return []byte(b.String())
}

// textValue is a field's value in text output: its text, or "on" for a set
// flag.
func textValue(e *etree.Element) string {
	if hasText(e) {
		return strings.ReplaceAll(e.Text(), "\n", " ")
	}
	if len(e.Child) == 0 && len(e.Attr) == 0 {
		return "on"
	}
	var parts []string
	for _, a := range e.Attr {
		parts = append(parts, a.Key+":"+a.Value)
	}
	return strings.Join(parts, ",")
}

func childText(n *Node, name string) string {
	if c := n.child(name); c != nil {
		return c.text()
	}
	return ""
}

// ---- HTML ----

// htmlPage is the browser page (no out) and the printable one (out=print):
// a table for lists, a definition list for forms, a message otherwise.
var htmlPage = template.Must(template.New("page").Parse(`<!DOCTYPE html>
<html lang="{{.Lang}}">
<head><meta charset="utf-8"><title>{{.Title}}</title></head>
<body{{if .Print}} class="print"{{end}}>
{{if .List}}<table class="list">
<tr>{{range .Cols}}<th>{{.}}</th>{{end}}</tr>
{{range .Rows}}<tr>{{range .}}<td>{{.}}</td>{{end}}</tr>
{{end}}</table>
{{else}}{{range .Messages}}{{if .OK}}<p class="ok">OK</p>
{{else}}<div class="error" data-type="{{.Type}}" data-object="{{.Object}}">{{.Text}}</div>
{{end}}{{end}}{{with .Fields}}<dl class="form">
{{range .}}<dt>{{.Name}}</dt><dd>{{.Value}}</dd>
{{end}}</dl>
{{end}}{{end}}</body>
</html>
`))

// htmlView is what the page shows of a document.
type htmlView struct {
	Lang, Title string
	Print, List bool
	Cols        []string
	Rows        [][]string
	Messages    []htmlMessage
	Fields      []htmlField
}

// htmlMessage is an action's OK or an error.
type htmlMessage struct {
	OK                 bool
	Type, Object, Text string
}

// htmlField is one form field.
type htmlField struct{ Name, Value string }

func renderHTML(doc *etree.Element, f format) []byte {
	d := (*Node)(doc)
	v := htmlView{Lang: orDefault(d.attr("lang"), "en"), Title: "ISPsystem", Print: f == fmtPrint}
	if fn := d.attr("func"); fn != "" {
		v.Title += " - " + fn
	}
	kids := visibleKids(doc, f)
	var elems []*etree.Element
	for _, k := range kids {
		if k.Tag == "elem" {
			elems = append(elems, k)
		}
	}
	if v.List = elems != nil || d.child("p_elems") != nil; v.List {
		v.Cols, v.Rows = htmlTable(elems)
	} else {
		v.Messages, v.Fields = htmlBody(kids)
	}
	var b bytes.Buffer
	if err := htmlPage.Execute(&b, v); err != nil {
		panic("ispmgr: the HTML page template failed: " + err.Error())
	}
	return b.Bytes()
}

// htmlTable is a list's columns (every field name, in order of first
// appearance) and rows.
func htmlTable(elems []*etree.Element) ([]string, [][]string) {
	var cols []string
	seen := map[string]bool{}
	for _, e := range elems {
		for _, f := range e.ChildElements() {
			if !seen[f.Tag] {
				seen[f.Tag] = true
				cols = append(cols, f.Tag)
			}
		}
	}
	rows := make([][]string, 0, len(elems))
	for _, e := range elems {
		row := make([]string, len(cols))
		for i, c := range cols {
			if n := (*Node)(e).child(c); n != nil {
				row[i] = textValue(n.el())
			}
		}
		rows = append(rows, row)
	}
	return cols, rows
}

// htmlBody is a form's fields and an answer's OK or error.
func htmlBody(kids []*etree.Element) ([]htmlMessage, []htmlField) {
	var msgs []htmlMessage
	var fields []htmlField
	for _, k := range kids {
		n := (*Node)(k)
		switch k.Tag {
		case "ok":
			msgs = append(msgs, htmlMessage{OK: true})
		case "error":
			msgs = append(msgs, htmlMessage{Type: n.attr("type"), Object: n.attr("object"), Text: childText(n, "msg")})
		case "tparams", "authfail":
		default:
			fields = append(fields, htmlField{k.Tag, textValue(k)})
		}
	}
	return msgs, fields
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

// itoa is strconv.Itoa, short because documents are full of numbers.
func itoa(i int) string { return strconv.Itoa(i) }
