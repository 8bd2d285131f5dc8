package ispmgr

import (
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/panelsim/panelsim/internal/ordered"
	"github.com/panelsim/panelsim/state"
)

// Request is one parsed API call, as the handler hands it to the model.
type Request struct {
	// Mgr is the product addressed: "ispmgr" or "ipmgr".
	Mgr string
	// Binary is the path the client called ("/ispmgr", "/manager/ipmgr").
	Binary string
	// Host is scheme://host[:port] as the client addressed the panel.
	Host string
	// IP is the client address sessions are bound to.
	IP string
	// Params are the query and form parameters.
	Params *Params
	// Cookie is the session id of the browser's session cookie, used when
	// the request has no auth= or authinfo=.
	Cookie string
}

// CookieName is the session cookie the panel sets on a successful
// func=auth ("ispmgrses5", "ipmgrses5").
func (r *Request) CookieName() string { return r.Mgr + "ses5" }

// Func is the requested function.
func (r *Request) Func() string { return r.Params.Get("func") }

// Format is the requested output format.
func (r *Request) Format() format { return parseFormat(r.Params.Get("out")) }

// call is one function call in progress, inside the world's lock.
type call struct {
	tx    *state.Tx
	st    *State
	req   *Request
	p     *Params
	fn    string
	lang  string
	f     format
	actor *User // who authenticated
	user  *User // whose rights the call runs with (su)
}

// result is what a func produced, written into the answer document.
type result interface {
	fill(c *call, doc *Node)
}

// funcSpec is one function: the lowest level that may call it and its body.
type funcSpec struct {
	level int
	run   func(c *call) (result, *mgrError)
}

// funcs lists every function per product.
func funcs(mgr string) map[string]funcSpec {
	if mgr == mgrIP {
		return ipFuncs
	}
	return ispFuncs
}

// Call runs one API call and returns the answer document. Every outcome,
// errors included, is a document: mgr5 answers HTTP 200 with <error>.
func Call(tx *state.Tx, req *Request) *Node {
	st := state.PanelState[State](tx, Name)
	c := &call{tx: tx, st: st, req: req, p: req.Params, fn: req.Func(), f: req.Format(), lang: st.Lang}
	if l := req.Params.Get("lang"); languages[l] {
		c.lang = l
	}
	if c.fn == "auth" {
		return c.auth()
	}
	if e := c.authenticate(); e != nil {
		e.Value = "remote_addr: [" + req.IP + "]"
		return c.bareError(e, false)
	}
	res, e := c.run()
	if e != nil {
		return c.errorDoc(e)
	}
	return c.document(res)
}

// run resolves su, finds the function and checks the caller's level.
func (c *call) run() (result, *mgrError) {
	if su := c.p.Get("su"); su != "" {
		u, e := c.st.canSu(c.actor, su)
		if e != nil {
			return nil, e
		}
		c.tx.CoverAuth(Name, authSu)
		c.user = u
	}
	if c.fn == "" {
		return nil, missed("func")
	}
	spec, ok := funcs(c.req.Mgr)[c.fn]
	if !ok {
		return nil, errorf(errMissed, "func", c.fn)
	}
	if c.user.Level < spec.level {
		return nil, accessDenied(c.fn)
	}
	return spec.run(c)
}

// authenticate accepts authinfo=user:password or auth=<sid>.
func (c *call) authenticate() *mgrError {
	var u *User
	var e *mgrError
	switch {
	case c.p.Has("authinfo") && !c.st.authinfoAllowed(c.req.IP):
		e = errorf(errAuth, objBadPassword, "")
	case c.p.Has("authinfo"):
		name, pass, _ := strings.Cut(c.p.Get("authinfo"), ":")
		u, e = c.st.login(name, pass)
	case c.p.Get("auth") != "":
		u, e = c.st.useSession(c.tx, c.p.Get("auth"), c.req.Mgr, c.req.IP)
	case c.req.Cookie != "":
		u, e = c.st.useSession(c.tx, c.req.Cookie, c.req.Mgr, c.req.IP)
	default:
		e = errorf(errAuth, objBadPassword, "")
	}
	if e != nil {
		return e
	}
	path := authSession
	if c.p.Has("authinfo") {
		path = authInfo
	}
	c.tx.CoverAuth(Name, path)
	c.actor, c.user = u, u
	return nil
}

// auth is func=auth: password login (bound to the client address) or
// one-time key login (not bound).
func (c *call) auth() *Node {
	var s *Session
	var u *User
	var e *mgrError
	name := c.p.Get("username")
	path := authPassword
	if key := c.p.Get("key"); key != "" {
		s, u, e = c.st.useKey(c.tx, c.req.Mgr, name, key)
		path = authKey
	} else if u, e = c.st.login(name, c.p.Get("password")); e == nil {
		s = c.st.openSession(c.tx, u, c.req.Mgr, c.req.IP, true)
	}
	if e != nil {
		e.Value = "remote_addr: [" + c.req.IP + "]"
		return c.bareError(e, true)
	}
	c.tx.CoverAuth(Name, path)
	doc := newNode("doc")
	doc.Add("auth").Set("id", s.ID).Set("level", itoa(u.Level)).SetText(s.ID)
	return doc
}

// bareError is an error before anyone is known: no theme attributes, no
// tparams (the real bad-credentials answer). A failed func=auth also
// carries an empty <authfail/> for the clients that test for it.
func (c *call) bareError(e *mgrError, authfail bool) *Node {
	doc := newNode("doc")
	doc.Append(c.errorNode(e))
	if authfail {
		doc.Add("authfail")
	}
	return doc
}

// errorDoc is an error for an authenticated caller.
func (c *call) errorDoc(e *mgrError) *Node {
	doc := newNode("doc")
	c.rootAttrs(doc, false)
	doc.Append(c.errorNode(e))
	c.tparams(doc)
	return doc
}

// errorNode builds <error> the way the vendor document shows it: params,
// the call stack and the message template (XML), the message, and the
// template again as detail (JSON).
func (c *call) errorNode(e *mgrError) *Node {
	n := newNode("error").Set("type", e.Type).Set("object", e.Object).Set("lang", c.lang)
	p := n.Add("param").Set("name", "object").Set("type", "msg")
	if l := e.label(c.lang); l != "" {
		p.Set("msg", l)
	}
	p.SetText(e.Object)
	if e.Value != "" {
		n.Add("param").Set("name", "value").SetText(e.Value)
	}
	tmpl, msg := e.template(c.lang), e.message(c.lang)
	if e.Msg != "" {
		tmpl, msg = e.Msg, e.Msg
	}
	if c.actor != nil {
		n.Add("stack").Add("action").Set("level", itoa(c.actor.Level)).Set("user", c.actor.Name).SetText(c.fn)
	}
	n.addLeaf("group", tmpl)
	n.addLeaf("msg", msg)
	detail := tmpl
	if e.Detail != "" {
		detail = e.Detail
	}
	n.addLeaf("detail", detail)
	return n
}

// document wraps a result in the full answer.
func (c *call) document(res result) *Node {
	doc := newNode("doc")
	_, list := res.(listResult)
	doc.Attr = slices.Grow(doc.Attr, rootAttrCount)
	c.rootAttrs(doc, list)
	res.fill(c, doc)
	c.tparams(doc)
	return doc
}

// rootAttrCount is how many attributes rootAttrs sets at most.
const rootAttrCount = 15

// rootAttrs are the <doc> attributes of an authenticated answer.
func (c *call) rootAttrs(doc *Node, list bool) {
	host := c.st.Host
	if host == "" {
		host = c.req.Host
	}
	logolink := host
	if i := strings.LastIndex(host, ":"); i > len("https:") {
		logolink = host[:i]
	}
	doc.Set("lang", c.lang).Set("func", c.fn).Set("binary", c.req.Binary).Set("host", host).
		Set("themename", "dragon").Set("features", features).Set("notify", "")
	if list {
		doc.Set("favorite", "no").Set("pin", "no")
	}
	doc.Set("theme", "/manimg/dragon/").Set("css", "main.css").Set("logo", "logo.png").
		Set("logolink", logolink).Set("favicon", "favicon.ico").Set("localdir", "local_bcb8d1e2f3a4/")
}

// features is the interface feature hash the panel reports (fixed here).
const features = "ed13a2f9c0b54d7e8f61a9b3c2d4e5f6"

// isXMLName says whether a parameter name can be an element of tparams:
// ^[A-Za-z_][A-Za-z0-9_.\-]*$, checked by hand (a regexp match per
// parameter showed in every answer's profile).
func isXMLName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		letter := c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c == '_'
		if !letter && (i == 0 || !(c >= '0' && c <= '9' || c == '.' || c == '-')) {
			return false
		}
	}
	return true
}

// tparams echoes the request parameters, except the credentials of authinfo.
func (c *call) tparams(doc *Node) {
	t := doc.Add("tparams")
	names := c.p.Names()
	t.grow(len(names))
	for _, k := range names {
		if k == "authinfo" || !isXMLName(k) {
			continue
		}
		t.addLeaf(k, c.p.Get(k))
	}
}

// ---- results ----

// okResult is an action's answer; id is the new object's id when the
// panel reports it.
type okResult struct{ id string }

func (r okResult) fill(c *call, doc *Node) {
	doc.Add("ok")
	doc.AddText("id", r.id)
	uiNode(doc, "saved_filters")
}

// formResult is an object's parameters; fields is a holder whose children
// are the fields.
type formResult struct {
	elid   string
	fields *Node
}

func (r formResult) fill(c *call, doc *Node) {
	doc.AddText("elid", r.elid)
	fields := r.fields.kids()
	doc.Append(fields...)
	md := uiNode(doc, "metadata").Set("name", c.fn).Set("type", "form").Set("mgr", c.req.Mgr)
	form := md.Add("form")
	for _, f := range fields {
		form.Add("field").Set("name", f.Tag)
	}
	uiNode(doc, "saved_filters")
}

// column is one list column: its name and how it sorts.
type column struct {
	name    string
	numeric bool
}

// listResult is a table; key names the column that identifies elements.
type listResult struct {
	key   string
	cols  []column
	elems []*Node
}

// listElems is a list's elements: elem of every object of m that show
// accepts (nil: all), in key order, which keeps ties in order when the
// answer is sorted by a column.
func listElems[V any](m map[string]V, show func(V) bool, elem func(V) *Node) []*Node {
	var elems []*Node
	for _, k := range ordered.Keys(m) {
		if v := m[k]; show == nil || show(v) {
			elems = append(elems, elem(v))
		}
	}
	return elems
}

// defaultPageSize is what the panel shows per page unless p_cnt says otherwise.
const defaultPageSize = 1000

func (r listResult) fill(c *call, doc *Node) {
	sortCol, order := r.sorting(c.p)
	r.sortElems(sortCol, order)
	total := len(r.elems)
	cnt, num := pageParams(c.p, total)
	elems := r.elems
	if c.f.pages() {
		lo := min((num-1)*cnt, total)
		elems = elems[lo:min(lo+cnt, total)]
	}
	pages := max(1, (total+cnt-1)/cnt)
	doc.grow(len(elems) + 12 + pages)
	doc.Append(elems...)
	ui := r.ui(c, sortCol, order)
	doc.share(ui.messages, ui.metadata)
	doc.addLeaf("p_cnt", itoa(cnt))
	doc.addLeaf("p_elems", itoa(total))
	doc.addLeaf("p_num", itoa(num))
	doc.addLeaf("p_order", order)
	doc.addLeaf("p_sort", sortCol)
	doc.share(ui.filters)
	for i := 1; i <= pages; i++ {
		doc.addLeaf("page", itoa(i))
	}
	doc.share(ui.savedFilters, ui.tips)
}

// listUI is the part of a list's interface description that does not
// depend on its elements (messages, columns, filters, tips): built once
// per list, product and sort, and shared read-only by every answer, as
// building it was a third of a short list's answer.
type listUI struct{ messages, metadata, filters, savedFilters, tips *Node }

// listUIKey names a listUI. The columns are a package-level table per
// list, so their address names them and the cache stays bounded by the
// funcs, their columns and the two orders.
type listUIKey struct {
	mgr, fn, key, sortCol, order string
	cols                         *column
}

// listUIs caches every listUI built.
var listUIs = struct {
	sync.RWMutex
	m map[listUIKey]*listUI
}{m: map[listUIKey]*listUI{}}

// ui is the list's shared interface description, built on first use.
func (r listResult) ui(c *call, sortCol, order string) *listUI {
	k := listUIKey{mgr: c.req.Mgr, fn: c.fn, key: r.key, sortCol: sortCol, order: order}
	if len(r.cols) > 0 {
		k.cols = &r.cols[0]
	}
	listUIs.RLock()
	ui := listUIs.m[k]
	listUIs.RUnlock()
	if ui != nil {
		return ui
	}
	ui = r.buildUI(c, sortCol, order)
	listUIs.Lock()
	listUIs.m[k] = ui
	listUIs.Unlock()
	return ui
}

// buildUI builds a list's interface description in a holder of its own.
func (r listResult) buildUI(c *call, sortCol, order string) *listUI {
	h := newNode("ui")
	ui := &listUI{messages: uiNode(h, "messages").Set("name", c.fn).Set("checked", features)}
	ui.messages.Add("msg")
	ui.metadata = uiNode(h, "metadata").Set("name", c.fn).Set("type", "list").Set("key", r.key).Set("mgr", c.req.Mgr)
	cd := ui.metadata.Add("coldata")
	for _, col := range r.cols {
		n := cd.Add("col").Set("name", col.name).Set("type", "data").Set("sort", map[bool]string{true: "digit", false: "alpha"}[col.numeric])
		if col.name == sortCol {
			n.Set("sorted", map[string]string{"asc": "+1", "desc": "-1"}[order])
		}
	}
	ui.filters = uiNode(h, "p_possible_filters")
	for _, col := range r.cols {
		ui.filters.Add("filter").Set("name", col.name)
	}
	ui.savedFilters = uiNode(h, "saved_filters")
	ui.tips = uiNode(h, "tips")
	ui.tips.addLeaf("tip", "mbar_pin")
	return ui
}

// pages says whether the format pages lists (xml, text and JSONdata show
// everything, as the vendor documents).
func (f format) pages() bool { return f != fmtXML && f != fmtText && f != fmtJSONData }

// pageParams reads p_cnt (page size) and p_num (1-based page, clamped to
// the last page).
func pageParams(p *Params, total int) (cnt, num int) {
	cnt, num = defaultPageSize, 1
	if v, ok := positive(p.Get("p_cnt")); ok {
		cnt = v
	}
	if v, ok := positive(p.Get("p_num")); ok {
		num = v
	}
	pages := max(1, (total+cnt-1)/cnt)
	return cnt, min(num, pages)
}

// positive reads a positive number; a parameter not sent is none, read
// without building Atoi's error.
func positive(s string) (int, bool) {
	if s == "" {
		return 0, false
	}
	v, err := strconv.Atoi(s)
	return v, err == nil && v > 0
}

// sorting reads p_sort (a column; unknown ones fall back to the key) and
// p_order (asc or desc). The interface's p_col ("+name", "-name") is read
// too when p_sort is absent.
func (r listResult) sorting(p *Params) (string, string) {
	want, order := p.Get("p_sort"), "asc"
	if p.Get("p_order") == "desc" {
		order = "desc"
	}
	if want == "" && p.Get("p_col") != "" {
		want = strings.TrimLeft(p.Get("p_col"), "+- ")
		if strings.HasPrefix(p.Get("p_col"), "-") {
			order = "desc"
		}
	}
	col := r.key
	for _, cl := range r.cols {
		if cl.name == want {
			col = cl.name
		}
	}
	return col, order
}

func (r listResult) sortElems(col, order string) {
	numeric := false
	for _, cl := range r.cols {
		if cl.name == col {
			numeric = cl.numeric
		}
	}
	less := func(a, b string) bool {
		if numeric {
			x, errx := strconv.ParseFloat(a, 64)
			y, erry := strconv.ParseFloat(b, 64)
			if errx == nil && erry == nil {
				return x < y
			}
		}
		return a < b
	}
	sort.SliceStable(r.elems, func(i, j int) bool {
		a, b := elemText(r.elems[i], col), elemText(r.elems[j], col)
		if order == "desc" {
			return less(b, a)
		}
		return less(a, b)
	})
}

func elemText(e *Node, col string) string {
	if n := e.child(col); n != nil {
		return n.text()
	}
	return ""
}

// uiNode adds an interface-description child (not in plain xml; render.go's
// parts table says which formats show it).
func uiNode(doc *Node, name string) *Node { return doc.Add(name) }

// ---- helpers the funcs share ----

// sok says whether the call submits a form (create or change).
func (c *call) sok() bool { return c.p.Get("sok") != "" }

// require returns a parameter or the missed error naming it.
func (c *call) require(name string) (string, *mgrError) {
	v := strings.TrimSpace(c.p.Get(name))
	if v == "" {
		return "", missed(name)
	}
	return v, nil
}

// setIfSent copies a parameter the call sends into its field; not sent
// (or sent empty, which the panel reads as not sent), it leaves the field
// alone.
func (c *call) setIfSent(name string, field *string) {
	if c.p.Has(name) {
		*field = c.p.Get(name)
	}
}

// checkConfirm fails when a new password pass ("" for none) comes with a
// confirm= that differs; a client may leave confirm out.
func (c *call) checkConfirm(pass string) *mgrError {
	if pass != "" && c.p.Has("confirm") && c.p.Get("confirm") != pass {
		return badValue("confirm", "")
	}
	return nil
}

// ownerFor decides who owns an object being created: a user owns what it
// creates; an administrator or reseller must name the owner, a user it may
// see.
func (c *call) ownerFor() (*User, *mgrError) {
	if c.user.Level < levelReseller {
		return c.user, nil
	}
	name := c.p.Get("owner")
	if name == "" {
		return nil, missed("owner")
	}
	o := c.st.Users[name]
	if o == nil || !c.st.sees(c.user, name) || o.Level >= levelAdmin {
		return nil, badValue("owner", name)
	}
	return o, nil
}

// ownerAndName reads what creating an owned object starts with: its owner
// (see ownerFor), then its name, which is required.
func (c *call) ownerAndName() (*User, string, *mgrError) {
	owner, e := c.ownerFor()
	if e != nil {
		return nil, "", e
	}
	name, e := c.require("name")
	if e != nil {
		return nil, "", e
	}
	return owner, name, nil
}

// checkLimit fails when owner already has as many objects of a kind as
// its limit allows (a missing limit is unlimited).
func checkLimit(owner *User, limit string, count int) *mgrError {
	if max, ok := owner.Limits[limit]; ok && count >= max {
		return overLimit(limit, max)
	}
	return nil
}

// fieldsNode is a holder for form fields.
func fieldsNode() *Node { return newNode("fields") }

// listFilter is every <list>.filter: a list filter is an interface
// matter (the API's xml output is "without pagination and filter"), so
// the call is accepted and changes nothing.
func listFilter(*call) (result, *mgrError) { return ok() }

// ok is the plain action answer.
func ok() (result, *mgrError) { return okResult{}, nil }
