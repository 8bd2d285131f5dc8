package ispmgr

import (
	"path"
	"regexp"
	"strconv"
	"strings"

	"github.com/panelsim/panelsim/internal/ordered"
)

// WebDomain is a site (func=webdomain).
type WebDomain struct {
	ID         int64  `json:"id"`
	Name       string `json:"name"`
	Owner      string `json:"owner"`
	IPAddr     string `json:"ipaddr,omitempty"`
	Aliases    string `json:"aliases,omitempty"`
	DocRoot    string `json:"docroot"`
	Email      string `json:"email,omitempty"`
	PHP        bool   `json:"php"`
	PHPMode    string `json:"php_mode,omitempty"`
	PHPVersion string `json:"php_version,omitempty"`
	Secure     bool   `json:"secure"`
	Active     bool   `json:"active"`
	// Options are the switches kept and shown but not acted on (see
	// siteOptions).
	Options map[string]string `json:"options,omitempty"`
}

// EmailDomain is a mail domain (func=emaildomain).
type EmailDomain struct {
	ID     int64  `json:"id"`
	Name   string `json:"name"`
	Owner  string `json:"owner"`
	IPAddr string `json:"ipaddr,omitempty"`
	Active bool   `json:"active"`
	// Options are the switches kept and shown but not acted on (see
	// mailDomainOptions).
	Options map[string]string `json:"options,omitempty"`
}

// mailDomainOptions are the mail domain switches clients send that the
// emulator keeps and shows but does not act on.
var mailDomainOptions = []string{"defaction", "dkim", "dmarc", "secure", "secure_alias", "ssl_name", "email"}

// Mailbox is a mailbox in a mail domain (func=email).
type Mailbox struct {
	ID       int64  `json:"id"`
	Name     string `json:"name"`
	Domain   string `json:"domain"`
	Owner    string `json:"owner"`
	Password string `json:"password"`
	MaxSize  int    `json:"maxsize,omitempty"`
	Note     string `json:"note,omitempty"`
	Active   bool   `json:"active"`
}

// Address is the mailbox's full address, its id in the panel.
func (m *Mailbox) Address() string { return m.Name + "@" + m.Domain }

// Database is a database (func=db).
type Database struct {
	ID     int64  `json:"id"`
	Name   string `json:"name"`
	Owner  string `json:"owner"`
	Type   string `json:"type"`
	Server string `json:"server,omitempty"`
	DBUser string `json:"dbuser"`
	Pass   string `json:"password"`
	Size   int    `json:"size,omitempty"`
	// Options are the switches kept and shown but not acted on (see
	// dbOptions).
	Options map[string]string `json:"options,omitempty"`
}

// dbOptions are the database switches clients send that the emulator
// keeps and shows but does not act on.
var dbOptions = []string{"charset", "remote_access"}

var (
	domainName  = regexp.MustCompile(`^([a-z0-9_]([a-z0-9\-_]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9\-]{0,61}[a-z0-9]$`)
	mailboxName = regexp.MustCompile(`^[a-z0-9!#$%&'*+/=?^_{|}~\-]+(\.[a-z0-9!#$%&'*+/=?^_{|}~\-]+)*$`)
	dbName      = regexp.MustCompile(`^[A-Za-z0-9_]{1,64}$`)
)

// normDomain lowercases a domain name and drops a trailing dot.
func normDomain(s string) string {
	return strings.TrimSuffix(strings.ToLower(strings.TrimSpace(s)), ".")
}

// ownedCount counts objects of an owner in any of the panel's maps.
func ownedCount[V any](m map[string]V, owner func(V) string, name string) int {
	n := 0
	for _, v := range m {
		if owner(v) == name {
			n++
		}
	}
	return n
}

// visibleTo says of an object whether the caller sees its owner's objects:
// the filter of the owned objects' lists.
func visibleTo[V any](c *call, owner func(V) string) func(V) bool {
	return func(v V) bool { return c.st.sees(c.user, owner(v)) }
}

// dropOwned deletes every object of m that name owns.
func dropOwned[V any](m map[string]V, owner func(V) string, name string) {
	for k, v := range m {
		if owner(v) == name {
			delete(m, k)
		}
	}
}

// visibleID resolves one elid of a group function (see forEachElid) to
// itself, the object's key in m, if the caller sees the object.
func visibleID[V any](c *call, m map[string]V, owner func(V) string, kind string) func(id string) (string, *mgrError) {
	return func(id string) (string, *mgrError) {
		if _, e := lookupVisible(c, m, owner, kind, id); e != nil {
			return "", e
		}
		return id, nil
	}
}

// lookupVisible finds one object by elid for a form or a change.
func lookupVisible[V any](c *call, m map[string]V, owner func(V) string, kind, elid string) (V, *mgrError) {
	v, ok := m[elid]
	if !ok || !c.st.sees(c.user, owner(v)) {
		var zero V
		return zero, notFound(kind, elid)
	}
	return v, nil
}

// ---- webdomain ----

func webOwner(w *WebDomain) string { return w.Owner }

var webCols = []column{{name: "id", numeric: true}, {name: "name"}, {name: "active"}, {name: "owner"},
	{name: "database"}, {name: "ipaddr"}, {name: "docroot"}, {name: "handler"}, {name: "php"}, {name: "php_mode"},
	{name: "php_version"}, {name: "aliases"}, {name: "secure"}}

func webdomainList(c *call) (result, *mgrError) {
	elem := func(w *WebDomain) *Node { return webElem(c, w) }
	return listResult{key: "name", cols: webCols, elems: listElems(c.st.WebDomains, visibleTo(c, webOwner), elem)}, nil
}

var notUsed = map[string]string{"en": "Not used", "ru": "Не используется"}

func webElem(c *call, w *WebDomain) *Node {
	e := newNode("elem")
	e.AddText("id", strconv.FormatInt(w.ID, 10))
	e.AddText("name", w.Name)
	e.AddText("active", onOff(w.Active))
	e.AddText("owner", w.Owner)
	e.Add("database").Set("orig", "db_not_assigned").SetText(notUsed[c.lang])
	e.AddText("ipaddr", w.IPAddr)
	e.AddText("docroot", w.DocRoot)
	e.AddText("handler", handlerLabel(w))
	e.AddText("php", onOff(w.PHP))
	e.AddText("php_mode", w.PHPMode)
	e.AddText("php_version", w.PHPVersion)
	e.AddText("aliases", w.Aliases)
	e.AddText("analyzer", "off")
	e.AddText("secure", onOff(w.Secure))
	e.AddFlag("ssl_issued_success", w.Secure)
	return e
}

// phpModeLabels are the handler column's names of the PHP modes.
var phpModeLabels = map[string]string{
	"php_mode_mod": "PHP module (Apache)", "php_mode_cgi": "PHP CGI", "php_mode_fcgi_apache": "PHP FastCGI (Apache)",
	"php_mode_fcgi_nginxfpm": "PHP FastCGI (Nginx+PHP-FPM)", "php_mode_lsapi": "PHP LSAPI",
}

// handlerLabel is the site's handler as the list shows it.
func handlerLabel(w *WebDomain) string {
	if !w.PHP {
		return "Static"
	}
	return phpModeLabels[w.PHPMode] + " " + w.PHPVersion
}

func webdomainEdit(c *call) (result, *mgrError) {
	return editFlow[*WebDomain]{
		lookup: func(c *call, elid string) (*WebDomain, *mgrError) {
			return lookupVisible(c, c.st.WebDomains, webOwner, "webdomain", elid)
		},
		blankForm: func() result {
			f := fieldsNode()
			f.Add("name")
			f.AddText("php", "on")
			f.AddText("php_mode", "php_mode_mod")
			return formResult{fields: f}
		},
		form: webForm,
		create: func(c *call) (result, *mgrError) {
			owner, name, e := c.ownerAndName()
			if e != nil {
				return nil, e
			}
			w, e := c.newWebDomain(owner, normDomain(name))
			if e != nil {
				return nil, e
			}
			c.storeWebDomain(w)
			return ok()
		},
		update: func(c *call, w *WebDomain) (result, *mgrError) {
			next := *w
			if e := c.webParams(&next, c.st.Users[w.Owner]); e != nil {
				return nil, e
			}
			*w = next
			return ok()
		},
	}.run(c, normDomain(c.p.Get("elid")))
}

func webForm(w *WebDomain, _ string) result {
	f := fieldsNode()
	f.AddText("name", w.Name)
	f.AddText("owner", w.Owner)
	f.AddText("aliases", w.Aliases)
	f.AddText("ipaddrs", w.IPAddr)
	f.AddText("home", w.DocRoot)
	f.AddText("email", w.Email)
	f.AddText("php", onOff(w.PHP))
	f.AddText("php_mode", w.PHPMode)
	f.AddText("php_version", w.PHPVersion)
	f.AddText("secure", onOff(w.Secure))
	f.AddText("active", onOff(w.Active))
	addOptions(f, siteOptions, w.Options)
	return formResult{elid: w.Name, fields: f}
}

// newWebDomain checks a new site for owner and returns it unstored.
func (c *call) newWebDomain(owner *User, name string) (*WebDomain, *mgrError) {
	if !domainName.MatchString(name) {
		return nil, badValue("name", name)
	}
	if c.st.WebDomains[name] != nil {
		return nil, exists("webdomain", name)
	}
	if e := checkLimit(owner, "webdomains", ownedCount(c.st.WebDomains, webOwner, owner.Name)); e != nil {
		return nil, e
	}
	w := &WebDomain{Name: name, Owner: owner.Name, Aliases: "www." + name, PHP: true, PHPMode: "php_mode_mod",
		PHPVersion: "native", Active: true, Email: "webmaster@" + name,
		DocRoot: "/var/www/" + owner.Name + "/data/www/" + name, IPAddr: c.st.defaultIPAddr(owner.Name)}
	if e := c.webParams(w, owner); e != nil {
		return nil, e
	}
	return w, nil
}

// webParams applies the changeable site parameters.
func (c *call) webParams(w *WebDomain, owner *User) *mgrError {
	ip := c.p.Get("ipaddrs")
	if ip == "" {
		ip = c.p.Get("ipaddr")
	}
	if ip != "" {
		if !c.st.ipUsableBy(ip, owner.Name) {
			return badValue("ipaddrs", ip)
		}
		w.IPAddr = ip
	}
	c.setIfSent("aliases", &w.Aliases)
	if v := c.p.Get("php_mode"); v != "" {
		switch v {
		case "php_mode_mod", "php_mode_cgi", "php_mode_fcgi_apache", "php_mode_fcgi_nginxfpm", "php_mode_lsapi":
			w.PHPMode = v
		default:
			return badValue("php_mode", v)
		}
	}
	if v := c.p.Get("php_version"); v != "" {
		w.PHPVersion = v
	}
	if c.p.Has("php") {
		w.PHP = isOn(c.p.Get("php"))
	}
	if c.p.Has("secure") {
		w.Secure = isOn(c.p.Get("secure"))
	}
	if v := c.p.Get("email"); v != "" {
		w.Email = v
	}
	if c.p.Has("active") {
		w.Active = isOn(c.p.Get("active"))
	}
	if h := c.p.Get("home"); h != "" {
		w.DocRoot = docRoot(owner.Name, h)
	}
	opts, e := c.keptOptions(siteOptions, w.Options)
	if e != nil {
		return e
	}
	w.Options = opts
	return nil
}

// keptOptions applies the switches of names the call sends to a copy of
// opts (so a copy of an object being changed never shares the map): kept
// and shown, not acted on. A value is at most 256 bytes.
func (c *call) keptOptions(names []string, opts map[string]string) (map[string]string, *mgrError) {
	out := make(map[string]string, len(opts))
	for k, v := range opts {
		out[k] = v
	}
	for _, o := range names {
		if v := c.p.Get(o); v != "" {
			if len(v) > 256 {
				return nil, badValue(o, v[:256])
			}
			out[o] = v
		}
	}
	if len(out) == 0 {
		return nil, nil
	}
	return out, nil
}

// addOptions shows the kept switches in a form, in names' order.
func addOptions(f *Node, names []string, opts map[string]string) {
	for _, o := range names {
		f.AddText(o, opts[o])
	}
}

// docRoot is a site's directory: home as given when absolute, else inside
// the owner's home (/var/www/<owner>/data/).
func docRoot(owner, home string) string {
	if strings.HasPrefix(home, "/") {
		return path.Clean(home)
	}
	return path.Join("/var/www", owner, "data", home)
}

func (c *call) storeWebDomain(w *WebDomain) {
	w.ID = c.tx.NextID(Name + ".webdomain")
	c.st.WebDomains[w.Name] = w
}

// webdomainSetActive is func=webdomain.suspend and webdomain.resume.
func webdomainSetActive(active bool) func(c *call) (result, *mgrError) {
	return func(c *call) (result, *mgrError) {
		return forEachElid(c, visibleID(c, c.st.WebDomains, webOwner, "webdomain"), func(id string) {
			c.st.WebDomains[id].Active = active
		})
	}
}

func webdomainDelete(c *call) (result, *mgrError) {
	return forEachElid(c, visibleID(c, c.st.WebDomains, webOwner, "webdomain"), func(id string) {
		delete(c.st.WebDomains, id)
	})
}

// ---- emaildomain ----

func mailDomOwner(d *EmailDomain) string { return d.Owner }

var emailDomainCols = []column{{name: "id", numeric: true}, {name: "name"}, {name: "owner"}, {name: "ipaddr"}, {name: "active"}}

func emaildomainList(c *call) (result, *mgrError) {
	elems := listElems(c.st.EmailDomains, visibleTo(c, mailDomOwner), emailDomainElem)
	return listResult{key: "name", cols: emailDomainCols, elems: elems}, nil
}

func emailDomainElem(d *EmailDomain) *Node {
	e := newNode("elem")
	e.AddText("id", strconv.FormatInt(d.ID, 10))
	e.AddText("name", d.Name)
	e.AddText("owner", d.Owner)
	e.AddText("ipaddr", d.IPAddr)
	e.AddText("active", onOff(d.Active))
	return e
}

func emaildomainEdit(c *call) (result, *mgrError) {
	return editFlow[*EmailDomain]{
		lookup: func(c *call, elid string) (*EmailDomain, *mgrError) {
			return lookupVisible(c, c.st.EmailDomains, mailDomOwner, "emaildomain", elid)
		},
		blankForm: nameOnlyForm,
		form: func(d *EmailDomain, _ string) result {
			f := fieldsNode()
			f.AddText("name", d.Name)
			f.AddText("owner", d.Owner)
			f.AddText("ipaddrs", d.IPAddr)
			f.AddText("active", onOff(d.Active))
			addOptions(f, mailDomainOptions, d.Options)
			return formResult{elid: d.Name, fields: f}
		},
		create: func(c *call) (result, *mgrError) {
			owner, name, e := c.ownerAndName()
			if e != nil {
				return nil, e
			}
			d, e := c.newEmailDomain(owner, normDomain(name))
			if e != nil {
				return nil, e
			}
			c.storeEmailDomain(d)
			return ok()
		},
		update: func(c *call, d *EmailDomain) (result, *mgrError) {
			if e := c.emailDomainParams(d); e != nil {
				return nil, e
			}
			return ok()
		},
	}.run(c, normDomain(c.p.Get("elid")))
}

// newEmailDomain checks a new mail domain for owner and returns it unstored.
func (c *call) newEmailDomain(owner *User, name string) (*EmailDomain, *mgrError) {
	if !domainName.MatchString(name) {
		return nil, badValue("name", name)
	}
	if c.st.EmailDomains[name] != nil {
		return nil, exists("emaildomain", name)
	}
	if e := checkLimit(owner, "emaildomains", ownedCount(c.st.EmailDomains, mailDomOwner, owner.Name)); e != nil {
		return nil, e
	}
	d := &EmailDomain{Name: name, Owner: owner.Name, Active: true, IPAddr: c.st.defaultIPAddr(owner.Name)}
	if e := c.emailDomainParams(d); e != nil {
		return nil, e
	}
	return d, nil
}

// emailDomainParams applies the changeable mail domain parameter: its
// address (ipaddrs), one its owner may use.
func (c *call) emailDomainParams(d *EmailDomain) *mgrError {
	if ip := c.p.Get("ipaddrs"); ip != "" {
		if !c.st.ipUsableBy(ip, d.Owner) {
			return badValue("ipaddrs", ip)
		}
		d.IPAddr = ip
	}
	opts, e := c.keptOptions(mailDomainOptions, d.Options)
	if e != nil {
		return e
	}
	d.Options = opts
	return nil
}

func (c *call) storeEmailDomain(d *EmailDomain) {
	d.ID = c.tx.NextID(Name + ".emaildomain")
	c.st.EmailDomains[d.Name] = d
}

func emaildomainDelete(c *call) (result, *mgrError) {
	return forEachElid(c, visibleID(c, c.st.EmailDomains, mailDomOwner, "emaildomain"), c.st.deleteEmailDomain)
}

// deleteEmailDomain removes a mail domain with its mailboxes.
func (st *State) deleteEmailDomain(name string) {
	for k, m := range st.Mailboxes {
		if m.Domain == name {
			delete(st.Mailboxes, k)
		}
	}
	delete(st.EmailDomains, name)
}

// ---- email (mailboxes) ----

func mailboxOwner(m *Mailbox) string { return m.Owner }

var emailCols = []column{{name: "id", numeric: true}, {name: "name"}, {name: "owner"}, {name: "maxsize", numeric: true},
	{name: "used", numeric: true}, {name: "active"}, {name: "note"}}

func emailList(c *call) (result, *mgrError) {
	var elems []*Node
	for _, addr := range ordered.Keys(c.st.Mailboxes) {
		m := c.st.Mailboxes[addr]
		if !c.st.sees(c.user, m.Owner) {
			continue
		}
		e := newNode("elem")
		e.AddText("id", strconv.FormatInt(m.ID, 10))
		e.AddText("name", addr)
		e.AddText("owner", m.Owner)
		if m.MaxSize > 0 {
			e.AddText("maxsize", itoa(m.MaxSize))
		}
		e.AddText("used", "0")
		e.AddText("active", onOff(m.Active))
		e.AddText("note", m.Note)
		elems = append(elems, e)
	}
	return listResult{key: "name", cols: emailCols, elems: elems}, nil
}

func emailEdit(c *call) (result, *mgrError) {
	return editFlow[*Mailbox]{
		lookup: func(c *call, elid string) (*Mailbox, *mgrError) {
			return lookupVisible(c, c.st.Mailboxes, mailboxOwner, "email", elid)
		},
		blankForm: func() result {
			f := fieldsNode()
			f.Add("name")
			f.Add("domainname")
			return formResult{fields: f}
		},
		form: func(m *Mailbox, elid string) result {
			f := fieldsNode()
			f.AddText("name", m.Name)
			f.AddText("domainname", m.Domain)
			if m.MaxSize > 0 {
				f.AddText("maxsize", itoa(m.MaxSize))
			}
			f.AddText("note", m.Note)
			return formResult{elid: elid, fields: f}
		},
		create: func(c *call) (result, *mgrError) {
			m, e := c.newMailbox()
			if e != nil {
				return nil, e
			}
			m.ID = c.tx.NextID(Name + ".email")
			c.st.Mailboxes[m.Address()] = m
			return ok()
		},
		update: func(c *call, m *Mailbox) (result, *mgrError) {
			next := *m
			if e := c.mailboxParams(&next); e != nil {
				return nil, e
			}
			if pass := c.p.Get("passwd"); pass != "" {
				next.Password = pass
			}
			*m = next
			return ok()
		},
	}.run(c, strings.ToLower(c.p.Get("elid")))
}

// newMailbox checks a new mailbox: name (a local part, or a whole
// address), domainname (a mail domain the caller sees), passwd.
func (c *call) newMailbox() (*Mailbox, *mgrError) {
	name, e := c.require("name")
	if e != nil {
		return nil, e
	}
	name = strings.ToLower(name)
	domain := normDomain(c.p.Get("domainname"))
	if local, dom, found := strings.Cut(name, "@"); found {
		name, domain = local, normDomain(dom)
	}
	if domain == "" {
		return nil, missed("domainname")
	}
	if !mailboxName.MatchString(name) {
		return nil, badValue("name", name)
	}
	d, e := lookupVisible(c, c.st.EmailDomains, mailDomOwner, "emaildomain", domain)
	if e != nil {
		return nil, badValue("domainname", domain)
	}
	if c.st.Mailboxes[name+"@"+domain] != nil {
		return nil, exists("email", name+"@"+domain)
	}
	pass, e := c.require("passwd")
	if e != nil {
		return nil, e
	}
	if e := c.checkConfirm(pass); e != nil {
		return nil, e
	}
	owner := c.st.Users[d.Owner]
	if e := checkLimit(owner, "emails", ownedCount(c.st.Mailboxes, mailboxOwner, owner.Name)); e != nil {
		return nil, e
	}
	m := &Mailbox{Name: name, Domain: domain, Owner: d.Owner, Password: pass, Active: true}
	if e := c.mailboxParams(m); e != nil {
		return nil, e
	}
	return m, nil
}

func (c *call) mailboxParams(m *Mailbox) *mgrError {
	if v := c.p.Get("maxsize"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return badValue("maxsize", v)
		}
		m.MaxSize = n
	}
	c.setIfSent("note", &m.Note)
	return nil
}

func emailDelete(c *call) (result, *mgrError) {
	return forEachElid(c, visibleID(c, c.st.Mailboxes, mailboxOwner, "email"), func(id string) {
		delete(c.st.Mailboxes, id)
	})
}

// ---- db ----

func dbOwner(d *Database) string { return d.Owner }

var dbCols = []column{{name: "id", numeric: true}, {name: "name"}, {name: "owner"}, {name: "type"},
	{name: "server"}, {name: "size", numeric: true}, {name: "users"}}

func dbList(c *call) (result, *mgrError) {
	return listResult{key: "name", cols: dbCols, elems: listElems(c.st.DBs, visibleTo(c, dbOwner), dbElem)}, nil
}

func dbElem(d *Database) *Node {
	e := newNode("elem")
	e.AddText("id", strconv.FormatInt(d.ID, 10))
	e.AddText("name", d.Name)
	e.AddText("owner", d.Owner)
	e.AddText("type", d.Type)
	e.AddText("server", d.Server)
	e.AddText("size", itoa(d.Size))
	e.AddText("users", d.DBUser)
	return e
}

func dbEdit(c *call) (result, *mgrError) {
	return editFlow[*Database]{
		lookup: func(c *call, elid string) (*Database, *mgrError) {
			return lookupVisible(c, c.st.DBs, dbOwner, "db", elid)
		},
		blankForm: func() result {
			f := fieldsNode()
			f.Add("name")
			f.AddText("type", "mysql")
			return formResult{fields: f}
		},
		form: func(d *Database, _ string) result {
			f := fieldsNode()
			f.AddText("name", d.Name)
			f.AddText("owner", d.Owner)
			f.AddText("type", d.Type)
			f.AddText("server", d.Server)
			f.AddText("username", d.DBUser)
			addOptions(f, dbOptions, d.Options)
			return formResult{elid: d.Name, fields: f}
		},
		create: func(c *call) (result, *mgrError) {
			d, e := c.newDatabase()
			if e != nil {
				return nil, e
			}
			d.ID = c.tx.NextID(Name + ".db")
			c.st.DBs[d.Name] = d
			return ok()
		},
		update: func(c *call, d *Database) (result, *mgrError) {
			opts, e := c.keptOptions(dbOptions, d.Options)
			if e != nil {
				return nil, e
			}
			if pass := c.p.Get("password"); pass != "" {
				d.Pass = pass
			}
			d.Options = opts
			return ok()
		},
	}.run(c, c.p.Get("elid"))
}

// newDatabase checks a new database: name, owner, type, username, password.
func (c *call) newDatabase() (*Database, *mgrError) {
	owner, name, e := c.ownerAndName()
	if e != nil {
		return nil, e
	}
	if !dbName.MatchString(name) {
		return nil, badValue("name", name)
	}
	if c.st.DBs[name] != nil {
		return nil, exists("db", name)
	}
	srv, e := c.serverFor()
	if e != nil {
		return nil, e
	}
	user := orDefault(c.p.Get("username"), name)
	if !dbName.MatchString(user) {
		return nil, badValue("username", user)
	}
	pass, e := c.require("password")
	if e != nil {
		return nil, e
	}
	if e := c.checkConfirm(pass); e != nil {
		return nil, e
	}
	if e := checkLimit(owner, "db", ownedCount(c.st.DBs, dbOwner, owner.Name)); e != nil {
		return nil, e
	}
	opts, e := c.keptOptions(dbOptions, nil)
	if e != nil {
		return nil, e
	}
	return &Database{Name: name, Owner: owner.Name, Type: srv.Type, Server: srv.Name, DBUser: user, Pass: pass, Options: opts}, nil
}

func dbDelete(c *call) (result, *mgrError) {
	return forEachElid(c, visibleID(c, c.st.DBs, dbOwner, "db"), func(id string) {
		delete(c.st.DBs, id)
	})
}
