package ispmgr

import (
	"cmp"
	"strconv"
	"strings"
)

// view is a family of functions answering under other names with other
// parameter names, over the same objects: ISPmanager 6's site.* over 5's
// webdomain.*, and the 4-era domain.sublist.* over domain.record.* that
// clients of 5 and 6 still send. in maps the view's parameter names onto
// the underlying function's; out maps the underlying form fields and
// error objects back to the view's names. One object, two vocabularies:
// each shows the other's changes because there is nothing to keep in step.
type view struct {
	in  map[string]string
	out map[string]string
	// join, when set, builds underlying parameters that no rename can:
	// several view fields that are one underlying field. It gets the
	// translated call (the view's own names still there when in does not
	// map them) and may answer an error in the view's names.
	join func(c *call) *mgrError
	// split, when set, is join's way back: it rewrites the renamed form
	// fields into the view's several fields.
	split func(fields *Node)
}

// of wraps an underlying function.
func (v view) of(fn func(*call) (result, *mgrError)) func(*call) (result, *mgrError) {
	return func(c *call) (result, *mgrError) {
		inner := v.translate(c)
		if v.join != nil {
			if e := v.join(inner); e != nil {
				return nil, e
			}
		}
		res, e := fn(inner)
		if e != nil {
			return nil, v.renameError(e)
		}
		if f, ok := res.(formResult); ok {
			for _, k := range f.fields.kids() {
				if to, ok := v.out[k.Tag]; ok {
					k.Tag = to
				}
			}
			if v.split != nil {
				v.split(f.fields)
			}
		}
		return res, nil
	}
}

// translate is the call with its parameters in the underlying names; a
// parameter sent under both names takes the view's value. The answer's
// tparams still echo what the client sent (they are the outer call's).
func (v view) translate(c *call) *call {
	p := NewParams()
	var mapped []string
	for _, k := range c.p.Names() {
		if _, ok := v.in[k]; ok {
			mapped = append(mapped, k)
			continue
		}
		p.Set(k, c.p.Get(k))
	}
	for _, k := range mapped {
		p.Set(v.in[k], c.p.Get(k))
	}
	inner := *c
	inner.p = p
	return &inner
}

func (v view) renameError(e *mgrError) *mgrError {
	if to, ok := v.out[e.Object]; ok {
		r := *e
		r.Object = to
		return &r
	}
	return e
}

// siteOptions are the site switches clients of ISPmanager 6 send that the
// emulator keeps and shows but does not act on (HSTS, redirects, caches,
// the certificate's name and port, ...); webdomain.edit takes them without
// the site_ prefix.
var siteOptions = []string{"hsts", "redirect_http", "ssl_cert", "ssl_port", "autosubdomain", "basedir", "srv_cache",
	"limit_ssl", "phpcomposer", "analyzer", "gzip_level", "expire_times", "ddosshield", "cgi", "ssi", "ipsrc"}

// siteView is ISPmanager 6's site.*: site_* parameters over webdomain's,
// the site's PHP version under the FPM field name clients read back.
var siteView = func() view {
	v := view{
		in: map[string]string{"site_name": "name", "site_owner": "owner", "site_aliases": "aliases",
			"site_ipaddrs": "ipaddrs", "site_home": "home", "site_email": "email", "site_php_enable": "php",
			"site_php_mode": "php_mode", "site_php_fpm_version": "php_version", "site_php_cgi_version": "php_version",
			"site_php_apache_version": "php_version", "site_secure": "secure", "site_active": "active"},
		out: map[string]string{"webdomain": "site"},
	}
	for _, o := range siteOptions {
		v.in["site_"+o] = o
	}
	for from, to := range v.in {
		if from != "site_php_cgi_version" && from != "site_php_apache_version" {
			v.out[to] = from
		}
	}
	return v
}()

// sublistView is ISPmanager 4's domain.sublist.*: sdtype, addr and prio
// for rtype, value and priority, the zone in plid (elid in the list, as
// 4-era clients call it). An SRV record's wght and port are the first two
// words of domain.record's value ("weight port target"), addr the last.
var sublistView = view{
	in:    map[string]string{"sdtype": "rtype", "addr": "value", "prio": "priority"},
	out:   map[string]string{"rtype": "sdtype", "value": "addr", "priority": "prio", "domain.record": "domain.sublist"},
	join:  joinSRV,
	split: splitSRV,
}

// joinSRV makes a submitted SRV record's value from wght, port and addr.
// On a change of an SRV record a part not sent keeps its value, as every
// field not sent does; a new one needs both numbers. wght and port of
// other types are ignored, as the 4-era form hides them there. A zone or
// record that is not there is left to domain.record.edit to answer, so
// the errors come in its order.
func joinSRV(c *call) *mgrError {
	wght, port, target := c.p.Get("wght"), c.p.Get("port"), c.p.Get("value")
	c.p.Del("wght")
	c.p.Del("port")
	if !c.sok() {
		return nil
	}
	old, found := c.recordNamed(c.p.Get("elid"))
	if !found || !strings.EqualFold(cmp.Or(c.p.Get("rtype"), old.Type), "SRV") {
		return nil
	}
	if old.Type == "SRV" {
		w, p, t := old.srvParts()
		wght, port, target = cmp.Or(wght, w), cmp.Or(port, p), cmp.Or(target, t)
	}
	for _, part := range []struct{ name, v string }{{"wght", wght}, {"port", port}} {
		if part.v == "" {
			return missed(part.name)
		}
		if !isUint16(part.v) {
			return badValue(part.name, part.v)
		}
	}
	if target != "" {
		c.p.Set("value", wght+" "+port+" "+target)
	}
	return nil
}

// splitSRV shows an SRV record's value in the form as wght, port and
// addr (the target).
func splitSRV(fields *Node) {
	addr := fields.child("addr")
	if typ := fields.child("sdtype"); typ == nil || !strings.EqualFold(typ.text(), "SRV") || addr == nil {
		return
	}
	w, p, t := Record{Type: "SRV", Value: addr.text()}.srvParts()
	addr.SetText(t)
	fields.AddText("wght", w)
	fields.AddText("port", p)
}

var sublistCols = []column{{name: "key"}, {name: "name"}, {name: "type"}, {name: "addr"}, {name: "prio", numeric: true},
	{name: "wght", numeric: true}, {name: "port", numeric: true}, {name: "ttl", numeric: true}}

// sublistList is func=domain.sublist: a zone's records with the 4-era
// field names (key is the record key domain.sublist.delete takes).
func sublistList(c *call) (result, *mgrError) {
	if !c.p.Has("plid") && c.p.Has("elid") {
		inner := *c
		inner.p = c.p.Clone()
		inner.p.Set("plid", c.p.Get("elid"))
		c = &inner
	}
	z, e := c.zoneOfCall()
	if e != nil {
		return nil, e
	}
	var elems []*Node
	for _, r := range z.Records {
		el := newNode("elem")
		el.AddText("key", r.Key())
		el.AddText("name", r.Name)
		el.AddText("type", r.Type)
		wght, port, addr := "", "", r.Value
		if r.Type == "SRV" {
			wght, port, addr = r.srvParts()
		}
		el.AddText("addr", addr)
		if r.Type == "MX" || r.Type == "SRV" {
			el.AddText("prio", strconv.Itoa(r.Priority))
		}
		el.AddText("wght", wght)
		el.AddText("port", port)
		el.AddText("ttl", itoa(r.TTL))
		elems = append(elems, el)
	}
	return listResult{key: "key", cols: sublistCols, elems: elems}, nil
}
