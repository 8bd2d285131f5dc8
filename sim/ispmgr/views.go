package ispmgr

import "strconv"

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
}

// of wraps an underlying function.
func (v view) of(fn func(*call) (result, *mgrError)) func(*call) (result, *mgrError) {
	return func(c *call) (result, *mgrError) {
		res, e := fn(v.translate(c))
		if e != nil {
			return nil, v.renameError(e)
		}
		if f, ok := res.(formResult); ok {
			for _, k := range f.fields.kids() {
				if to, ok := v.out[k.Tag]; ok {
					k.Tag = to
				}
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
// 4-era clients call it).
var sublistView = view{
	in:  map[string]string{"sdtype": "rtype", "addr": "value", "prio": "priority"},
	out: map[string]string{"rtype": "sdtype", "value": "addr", "priority": "prio", "domain.record": "domain.sublist"},
}

var sublistCols = []column{{name: "key"}, {name: "name"}, {name: "type"}, {name: "addr"}, {name: "prio", numeric: true}, {name: "ttl", numeric: true}}

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
		el.AddText("addr", r.Value)
		if r.Type == "MX" || r.Type == "SRV" {
			el.AddText("prio", strconv.Itoa(r.Priority))
		}
		el.AddText("ttl", itoa(r.TTL))
		elems = append(elems, el)
	}
	return listResult{key: "key", cols: sublistCols, elems: elems}, nil
}
