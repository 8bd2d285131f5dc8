package ispmgr

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/beevik/etree"

	"github.com/panelsim/panelsim/state"
)

// The hand-written encoders of render.go must give the bytes of the
// library paths they replaced, for any tree: these tests keep the old
// paths as references and compare on random trees whose names and
// values include what escaping cares about (markup and JSON specials,
// control characters, invalid UTF-8, U+2028, empty values).

// etreeXML is the XML path render.go used before writing XML itself:
// an etree document holding a filtered view of the tree.
func etreeXML(doc *etree.Element, f format) []byte {
	d := etree.NewDocument()
	d.WriteSettings = etree.WriteSettings{CanonicalText: true, CanonicalAttrVal: true}
	d.CreateProcInst("xml", `version="1.0" encoding="UTF-8"`)
	d.CreateText("\n")
	d.AddChild(etreeXMLView(doc, f))
	d.CreateText("\n")
	var b bytes.Buffer
	_, _ = d.WriteTo(&b)
	return b.Bytes()
}

// etreeXMLView is e as the format shows it (the old xmlView).
func etreeXMLView(e *etree.Element, f format) *etree.Element {
	v := &etree.Element{Space: e.Space, Tag: e.Tag, Attr: e.Attr}
	for _, t := range e.Child {
		k, ok := t.(*etree.Element)
		switch {
		case !ok:
			v.Child = append(v.Child, t)
		case !f.shows(parts[e.Tag][k.Tag]):
		case parts[k.Tag] != nil:
			v.Child = append(v.Child, etreeXMLView(k, f))
		default:
			v.Child = append(v.Child, k)
		}
	}
	return v
}

// treeNames are the element and attribute names random trees use: the
// names the parts table hides, list names, and odd ones.
var treeNames = []string{"doc", "error", "elem", "tparams", "metadata", "messages", "page", "p_cnt", "stack",
	"group", "detail", "msg", "param", "col", "name", "id", "a.b", "ns:tag", "x", "saved_filters", "tips"}

// treeValues are values with every character class the encoders treat apart.
var treeValues = []string{"", "plain", `&<>"'`, "\t\n\r", "\x00\x01\x1f\x7f", "\xff\xfe", "caf\u00e9", "\uFFFD",
	"\U0001F600", "\xed\xa0\x80", "\u2028\u2029", `\"/`, "]]>", "a b", "<doc/>", "\u0085\u00a0"}

// bytesReader hands out the bytes of a fuzz input, then zeros.
type bytesReader struct {
	data []byte
	i    int
}

func (r *bytesReader) next() byte {
	if r.i >= len(r.data) {
		return 0
	}
	r.i++
	return r.data[r.i-1]
}

func (r *bytesReader) done() bool { return r.i >= len(r.data) }

// value is a listed value or raw input bytes (any bytes at all).
func (r *bytesReader) value() string {
	n := int(r.next())
	if n < 128 {
		return treeValues[n%len(treeValues)]
	}
	n %= 12
	var b []byte
	for i := 0; i < n && !r.done(); i++ {
		b = append(b, r.next())
	}
	return string(b)
}

func (r *bytesReader) name() string { return treeNames[int(r.next())%len(treeNames)] }

// treeFrom builds a document from input bytes read as builder calls,
// through the same Node builders the funcs use.
func treeFrom(data []byte) *Node {
	r := &bytesReader{data: data}
	root := newNode("doc")
	if r.next()%4 == 0 {
		root = newNode(r.name())
	}
	stack := []*Node{root}
	for steps := 0; !r.done() && steps < 400; steps++ {
		top := stack[len(stack)-1]
		switch r.next() % 8 {
		case 0, 1:
			if len(stack) < 8 {
				stack = append(stack, top.Add(r.name()))
			}
		case 2:
			if len(stack) > 1 {
				stack = stack[:len(stack)-1]
			}
		case 3:
			top.Set(r.name(), r.value())
		case 4:
			top.SetText(r.value())
		case 5:
			top.AddText(r.name(), r.value())
		case 6:
			top.AddFlag(r.name(), true)
		case 7:
			top.addLeaf(r.name(), r.value())
		}
	}
	return root
}

// randomInputs are deterministic random builder inputs for the property tests.
func randomInputs(n int) [][]byte {
	rng := rand.New(rand.NewPCG(14, 5))
	out := make([][]byte, n)
	for i := range out {
		b := make([]byte, rng.IntN(300))
		for j := range b {
			b[j] = byte(rng.UintN(256))
		}
		out[i] = b
	}
	return out
}

// xmlFormats are the formats rendered as XML.
var xmlFormats = []format{fmtXML, fmtDevel}

func checkXMLSame(t *testing.T, data []byte) {
	t.Helper()
	doc := treeFrom(data)
	for _, f := range xmlFormats {
		if got, want := Render(doc, f), etreeXML(doc.el(), f); !bytes.Equal(got, want) {
			t.Fatalf("out=%s of input %q:\n got %q\nwant %q", f, data, got, want)
		}
	}
}

// TestRenderXMLMatchesEtree: the XML writer gives etree's bytes.
func TestRenderXMLMatchesEtree(t *testing.T) {
	for _, data := range randomInputs(3000) {
		checkXMLSame(t, data)
	}
}

// FuzzRenderXMLMatchesEtree searches for a tree whose XML differs.
func FuzzRenderXMLMatchesEtree(f *testing.F) {
	for _, data := range randomInputs(20) {
		f.Add(data)
	}
	f.Fuzz(checkXMLSame)
}

// oldJSON is the JSON path render.go used before writing indented JSON
// itself: the compact writer below, then json.Indent for out=json.
func oldJSON(doc *etree.Element, f format) []byte {
	if f != fmtJSON {
		return etreeEraJSON(doc, f)
	}
	var b bytes.Buffer
	if err := json.Indent(&b, etreeEraJSON(doc, f), "", "  "); err != nil {
		return etreeEraJSON(doc, f)
	}
	b.WriteByte('\n')
	return b.Bytes()
}

// etreeEraJSON is the compact JSON writer as it was.
func etreeEraJSON(doc *etree.Element, f format) []byte {
	w := &oldJSONWriter{f: f}
	w.b.Grow(4096)
	w.b.WriteString(`{"doc":`)
	w.element(doc, true)
	w.b.WriteByte('}')
	return w.b.Bytes()
}

// oldJSONWriter applies mgr5's mapping of a document onto JSON; strings go
// through encoding/json.
type oldJSONWriter struct {
	b   bytes.Buffer
	f   format
	enc *json.Encoder
}

// element writes one element: attribute x -> "$x", text -> "$", children
// grouped by name (arrays when repeated or always-array), empty elements
// -> {}. JSONdata writes text-only leaves as plain strings.
func (w *oldJSONWriter) element(e *etree.Element, root bool) {
	kids := visibleKids(e, w.f)
	showAttrs := !root || w.f.rootAttrs()
	text := hasText(e)
	if w.f == fmtJSONData && len(kids) == 0 && (len(e.Attr) == 0 || !showAttrs) && text {
		w.str(e.Text())
		return
	}
	w.b.WriteByte('{')
	first := true
	sep := func() {
		if !first {
			w.b.WriteByte(',')
		}
		first = false
	}
	if showAttrs {
		for _, a := range e.Attr {
			sep()
			w.key("$" + a.Key)
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
		sep()
		w.group(kids[i:j])
		i = j
	}
	if text {
		sep()
		w.b.WriteString(`"$":`)
		w.str(e.Text())
	}
	w.b.WriteByte('}')
}

// group writes the children of one name: an array when repeated or
// always an array, else the one child.
func (w *oldJSONWriter) group(g []*etree.Element) {
	w.key(g[0].Tag)
	if len(g) == 1 && !alwaysArray[g[0].Tag] {
		w.element(g[0], false)
		return
	}
	w.b.WriteByte('[')
	for i, k := range g {
		if i > 0 {
			w.b.WriteByte(',')
		}
		w.element(k, false)
	}
	w.b.WriteByte(']')
}

func (w *oldJSONWriter) key(k string) {
	w.str(k)
	w.b.WriteByte(':')
}

// str writes a JSON string. Plain printable ASCII, nearly every value the
// panel shows, is written as it is; anything that needs escaping is
// encoded by encoding/json (HTML characters left as they are, as the
// panel sends them).
func (w *oldJSONWriter) str(s string) {
	if plainJSON(s) {
		w.b.WriteByte('"')
		w.b.WriteString(s)
		w.b.WriteByte('"')
		return
	}
	if w.enc == nil {
		w.enc = json.NewEncoder(&w.b)
		w.enc.SetEscapeHTML(false)
	}
	_ = w.enc.Encode(s) // a string always encodes
	w.b.Truncate(w.b.Len() - 1)
}

// jsonFormats are the formats rendered as JSON.
var jsonFormats = []format{fmtJSON, fmtSJSON, fmtJSONData, fmtXJSON}

func checkJSONSame(t *testing.T, data []byte) {
	t.Helper()
	doc := treeFrom(data)
	for _, f := range jsonFormats {
		if got, want := Render(doc, f), oldJSON(doc.el(), f); !bytes.Equal(got, want) {
			t.Fatalf("out=%s of input %q:\n got %q\nwant %q", f, data, got, want)
		}
	}
}

// TestRenderJSONMatchesIndent: the JSON writer gives the old writer's
// bytes, and out=json json.Indent's.
func TestRenderJSONMatchesIndent(t *testing.T) {
	for _, data := range randomInputs(3000) {
		checkJSONSame(t, data)
	}
}

// FuzzRenderJSONMatchesIndent searches for a tree whose JSON differs.
func FuzzRenderJSONMatchesIndent(f *testing.F) {
	for _, data := range randomInputs(20) {
		f.Add(data)
	}
	f.Fuzz(checkJSONSame)
}

// callList answers query as root in w.
func callList(t *testing.T, w *state.World, query string) *Node {
	t.Helper()
	var doc *Node
	_ = w.Do(func(tx *state.Tx) error {
		p := NewParams()
		p.ParseParams(query + "&authinfo=root:secret")
		doc = Call(tx, &Request{Mgr: mgrISP, Binary: "/ispmgr", Host: "https://panel.example.com:1500", IP: "127.0.0.1", Params: p})
		return nil
	})
	return doc
}

// TestListUIIsSharedAndUnchanged: answers of one list and sort share its
// interface description, answers of another sort do not, and rendering
// (in every format, from answers in two worlds at once) changes nothing.
func TestListUIIsSharedAndUnchanged(t *testing.T) {
	const yaml = "version: 1\nseed: 7\nispmgr:\n  presets: [{name: p}]\n  users: [{name: root, password: secret, level: admin}]\n  generated_users: 3\n"
	w1, err := newWorld(t, yaml)
	if err != nil {
		t.Fatal(err)
	}
	w2, err := newWorld(t, yaml)
	if err != nil {
		t.Fatal(err)
	}
	a, b := callList(t, w1, "func=user&out=json"), callList(t, w2, "func=user&out=json")
	if a.child("metadata") == nil || a.child("metadata") != b.child("metadata") {
		t.Fatal("two answers of one list do not share its metadata")
	}
	desc := callList(t, w1, "func=user&out=json&p_sort=name&p_order=desc")
	if desc.child("metadata") == a.child("metadata") {
		t.Fatal("another sort shares the first sort's metadata")
	}
	want := map[format][]byte{}
	for _, f := range append(append([]format{fmtText, fmtHTML, fmtPrint}, xmlFormats...), jsonFormats...) {
		want[f] = Render(a, f)
	}
	done := make(chan bool)
	go func() {
		for f := range want {
			Render(b, f)
		}
		done <- true
	}()
	for f, bytes1 := range want {
		if got := Render(a, f); !bytes.Equal(got, bytes1) {
			t.Errorf("out=%s changed between two renderings", f)
		}
	}
	<-done
	if !bytes.Equal(Render(a, fmtJSON), Render(b, fmtJSON)) {
		t.Error("two equal worlds answer the list differently")
	}
}

// TestAddLeafIsAnEtreeLeaf: a leaf built in one allocation is what
// Add(name).SetText(text) builds, parents and indexes included.
func TestAddLeafIsAnEtreeLeaf(t *testing.T) {
	for _, text := range []string{"", "v"} {
		a, b := newNode("doc"), newNode("doc")
		a.Add("x")
		b.Add("x")
		la, lb := a.addLeaf("f", text), b.Add("f").SetText(text)
		if !bytes.Equal(Render(a, fmtXML), Render(b, fmtXML)) || !bytes.Equal(Render(a, fmtJSON), Render(b, fmtJSON)) {
			t.Fatalf("text %q: the leaf renders differently", text)
		}
		cd, ok := la.Child[0].(*etree.CharData)
		if la.el().Parent() != a.el() || la.el().Index() != lb.el().Index() || !ok || cd.Parent() != la.el() || cd.Index() != 0 || len(la.Child) != 1 {
			t.Fatalf("text %q: the leaf is not linked as etree links it", text)
		}
		la.SetText("changed")
		if la.text() != "changed" || len(la.Child) != 1 {
			t.Fatalf("text %q: SetText on the leaf gives %q", text, la.text())
		}
	}
}

// TestSwitchesMatchTheirTables: partsOf and isAlwaysArray say what the
// parts and alwaysArray tables say.
func TestSwitchesMatchTheirTables(t *testing.T) {
	for _, tag := range append(treeNames, "prop", "filter", "") {
		if got, want := partsOf(tag) != nil, parts[tag] != nil; got != want {
			t.Errorf("partsOf(%q) hides children: %v, the table: %v", tag, got, want)
		}
		if isAlwaysArray(tag) != alwaysArray[tag] {
			t.Errorf("isAlwaysArray(%q) = %v, the table: %v", tag, isAlwaysArray(tag), alwaysArray[tag])
		}
	}
	for tag := range parts {
		if partsOf(tag) == nil {
			t.Errorf("partsOf(%q) misses the table's entry", tag)
		}
	}
	for tag := range alwaysArray {
		if !isAlwaysArray(tag) {
			t.Errorf("isAlwaysArray(%q) misses the table's entry", tag)
		}
	}
}

// xmlNamePattern is what isXMLName checks by hand.
var xmlNamePattern = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_.\-]*$`)

func checkXMLName(t *testing.T, s string) {
	if isXMLName(s) != xmlNamePattern.MatchString(s) {
		t.Fatalf("isXMLName(%q) = %v, the pattern says %v", s, isXMLName(s), !isXMLName(s))
	}
}

// TestIsXMLNameMatchesThePattern on every short name over the bytes that
// matter and on random bytes.
func TestIsXMLNameMatchesThePattern(t *testing.T) {
	alphabet := "aZ_09.-:é \x00\xff\n"
	for _, a := range alphabet {
		for _, b := range alphabet {
			checkXMLName(t, string(a))
			checkXMLName(t, string(a)+string(b))
		}
	}
	for _, data := range randomInputs(2000) {
		checkXMLName(t, string(data[:min(len(data), 8)]))
	}
	checkXMLName(t, "")
}

// FuzzIsXMLName searches for a name the check and the pattern disagree on.
func FuzzIsXMLName(f *testing.F) {
	for _, s := range []string{"func", "_x.y-1", "1a", "a b", "", "é"} {
		f.Add(s)
	}
	f.Fuzz(checkXMLName)
}

// plainJSON says whether s is printable ASCII without a quote or a
// backslash: the same bytes inside JSON quotes.
func plainJSON(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= utf8.RuneSelf || c == '"' || c == '\\' {
			return false
		}
	}
	return true
}
