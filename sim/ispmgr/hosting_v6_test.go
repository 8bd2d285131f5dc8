package ispmgr_test

import (
	"slices"
	"testing"
)

// TestSiteIsWebdomain: ISPmanager 6's site.* and 5's webdomain.* are one
// object seen through two vocabularies; each shows the other's changes.
func TestSiteIsWebdomain(t *testing.T) {
	e := newEnv(t)
	expectOK(t, e.sjson("ok", "/ispmgr", "func", "site.edit", "sok", "ok", "site_name", "Shop.Example.com",
		"site_owner", "vasya", "site_ipaddrs", "192.0.2.10", "site_aliases", "www.shop.example.com",
		"site_php_enable", "on", "site_php_mode", "php_mode_fcgi_nginxfpm", "site_php_fpm_version", "8.2",
		"site_hsts", "on", "site_ssl_cert", "selfsigned", "site_secure", "on", "authinfo", root))
	var w map[string]any
	for _, el := range elems(e.sjson("list.webdomain", "/ispmgr", "func", "webdomain", "authinfo", root)) {
		if str(el, "name") == "shop.example.com" {
			w = el
		}
	}
	if w == nil || str(w, "php_mode") != "php_mode_fcgi_nginxfpm" || str(w, "php_version") != "8.2" || str(w, "secure") != "on" {
		t.Fatalf("the site is not the webdomain: %v", w)
	}
	// Changed as a webdomain, read back as a site.
	expectOK(t, e.sjson("ok", "/ispmgr", "func", "webdomain.edit", "sok", "ok", "elid", "shop.example.com", "php_version", "7.4",
		"redirect_http", "on", "authinfo", root))
	form := e.sjson("form.site.edit", "/ispmgr", "func", "site.edit", "elid", "shop.example.com", "authinfo", root)
	for k, want := range map[string]string{"site_name": "shop.example.com", "site_owner": "vasya", "site_php_fpm_version": "7.4",
		"site_hsts": "on", "site_redirect_http": "on", "site_ssl_cert": "selfsigned", "site_ipaddrs": "192.0.2.10"} {
		if str(form, k) != want {
			t.Errorf("site.edit %s = %q, want %q", k, str(form, k), want)
		}
	}
	if _, ok := form["name"]; ok {
		t.Error("the site form shows a 5-era field name")
	}
	e.xmlGolden("site.edit.xml", "/ispmgr", "func", "site.edit", "elid", "shop.example.com", "authinfo", root)
	// Errors name the 6-era parameter and object.
	expectError(t, e.sjson("error", "/ispmgr", "func", "site.edit", "sok", "ok", "site_name", "shop.example.com",
		"site_owner", "vasya", "authinfo", root), "exists", "site")
	expectError(t, e.sjson("error", "/ispmgr", "func", "site.edit", "sok", "ok", "site_owner", "vasya", "authinfo", root), "missed", "site_name")
	expectError(t, e.sjson("error", "/ispmgr", "func", "site.edit", "sok", "ok", "site_name", "x.example.com", "site_owner", "vasya",
		"site_ipaddrs", "203.0.113.9", "authinfo", root), "value", "site_ipaddrs")
	expectError(t, e.sjson("error", "/ispmgr", "func", "site.delete", "elid", "ghost.example.com", "authinfo", root), "notfound", "site")
	// Suspend and resume as a site, seen as a webdomain.
	expectOK(t, e.sjson("ok", "/ispmgr", "func", "site.suspend", "elid", "shop.example.com", "authinfo", root))
	if active := activeOf(e.sjson("list.webdomain", "/ispmgr", "func", "webdomain", "authinfo", root), "shop.example.com"); active != "off" {
		t.Errorf("suspended site is active=%s as a webdomain", active)
	}
	expectOK(t, e.sjson("ok", "/ispmgr", "func", "site.resume", "elid", "shop.example.com", "authinfo", root))
	if active := activeOf(e.sjson("list.site", "/ispmgr", "func", "site", "authinfo", root), "shop.example.com"); active != "on" {
		t.Errorf("resumed site is active=%s", active)
	}
	expectOK(t, e.sjson("ok", "/ispmgr", "func", "site.delete", "elid", "shop.example.com", "authinfo", root))
	if slices.Contains(names(e.sjson("list.webdomain", "/ispmgr", "func", "webdomain", "authinfo", root), "name"), "shop.example.com") {
		t.Error("a deleted site is still a webdomain")
	}
	e.xmlGolden("site.xml", "/ispmgr", "func", "site", "authinfo", vasya)
}

func activeOf(list map[string]any, name string) string {
	for _, el := range elems(list) {
		if str(el, "name") == name {
			return str(el, "active")
		}
	}
	return ""
}

func TestFTPUsers(t *testing.T) {
	e := newEnv(t)
	// petya's mini preset allows no FTP account beyond the limit set here.
	expectOK(t, e.sjson("ok", "/ispmgr", "func", "preset.edit", "sok", "ok", "elid", "mini", "limit_ftp_users", "1", "authinfo", root))
	expectOK(t, e.sjson("ok", "/ispmgr", "func", "user.edit", "sok", "ok", "elid", "petya", "preset", "mini", "authinfo", root))
	expectOK(t, e.sjson("ok", "/ispmgr", "func", "ftp.user.edit", "sok", "ok", "name", "petya_up", "owner", "petya",
		"passwd", "f1", "confirm", "f1", "home", "www/uploads", "authinfo", root))
	expectError(t, e.sjson("error", "/ispmgr", "func", "ftp.user.edit", "sok", "ok", "name", "petya_two", "owner", "petya",
		"passwd", "f2", "authinfo", root), "limit", "limit_ftp_users")
	expectError(t, e.sjson("error", "/ispmgr", "func", "ftp.user.edit", "sok", "ok", "name", "petya_up", "owner", "vasya",
		"passwd", "f2", "authinfo", root), "exists", "ftp.user")
	expectError(t, e.sjson("error", "/ispmgr", "func", "ftp.user.edit", "sok", "ok", "name", "bad", "owner", "vasya",
		"passwd", "f2", "home", "../../etc", "authinfo", root), "value", "home")
	expectError(t, e.sjson("error", "/ispmgr", "func", "ftp.user.edit", "sok", "ok", "name", "nopass", "owner", "vasya", "authinfo", root), "missed", "passwd")
	// A user makes its own and sees only its own.
	expectOK(t, e.sjson("ok", "/ispmgr", "func", "ftp.user.edit", "sok", "ok", "name", "vasya_ftp", "passwd", "v", "authinfo", vasya))
	if got := names(e.sjson("list.ftp.user", "/ispmgr", "func", "ftp.user", "authinfo", vasya), "name"); !slices.Equal(got, []string{"vasya_ftp"}) {
		t.Errorf("vasya sees FTP users %v", got)
	}
	form := e.sjson("form.ftp.user.edit", "/ispmgr", "func", "ftp.user.edit", "elid", "petya_up", "authinfo", root)
	if str(form, "home") != "/www/uploads" || str(form, "owner") != "petya" {
		t.Errorf("form %v", form)
	}
	expectOK(t, e.sjson("ok", "/ispmgr", "func", "ftp.user.suspend", "elid", "petya_up", "authinfo", root))
	if activeOf(e.sjson("list.ftp.user", "/ispmgr", "func", "ftp.user", "authinfo", root), "petya_up") != "off" {
		t.Error("suspended FTP user is active")
	}
	e.xmlGolden("ftp.user.xml", "/ispmgr", "func", "ftp.user", "authinfo", root)
	// Removed with the user.
	expectOK(t, e.sjson("ok", "/ispmgr", "func", "user.delete", "elid", "petya", "authinfo", root))
	if got := names(e.sjson("list.ftp.user", "/ispmgr", "func", "ftp.user", "authinfo", root), "name"); slices.Contains(got, "petya_up") {
		t.Errorf("petya's FTP user survived: %v", got)
	}
	expectOK(t, e.sjson("ok", "/ispmgr", "func", "ftp.user.delete", "elid", "vasya_ftp", "authinfo", vasya))
}

func TestDBServers(t *testing.T) {
	e := newEnv(t)
	if got := names(e.sjson("list.db.server", "/ispmgr", "func", "db.server", "authinfo", vasya), "name"); !slices.Equal(got, []string{"MySQL", "PostgreSQL"}) {
		t.Fatalf("servers %v", got)
	}
	expectError(t, e.sjson("error", "/ispmgr", "func", "db.server.edit", "sok", "ok", "name", "x", "authinfo", vasya), "access", "db.server.edit")
	expectOK(t, e.sjson("ok", "/ispmgr", "func", "db.server.edit", "sok", "ok", "name", "mysql-remote", "type", "mysql",
		"host", "10.0.0.5:3306", "username", "admin", "password", "pw", "remote_access", "on", "version", "8.4", "authinfo", root))
	expectError(t, e.sjson("error", "/ispmgr", "func", "db.server.edit", "sok", "ok", "name", "mysql-remote", "password", "pw", "authinfo", root), "exists", "db.server")
	expectError(t, e.sjson("error", "/ispmgr", "func", "db.server.edit", "sok", "ok", "name", "odd", "type", "oracle", "password", "pw", "authinfo", root), "value", "type")
	// A database on the named server takes its type.
	expectOK(t, e.sjson("ok", "/ispmgr", "func", "db.edit", "sok", "ok", "name", "vasya_shop", "owner", "vasya", "server", "mysql-remote",
		"username", "vasya_shop", "password", "dbp", "confirm", "dbp", "charset", "utf8mb4", "authinfo", root))
	form := e.sjson("form.db.edit", "/ispmgr", "func", "db.edit", "elid", "vasya_shop", "authinfo", root)
	if str(form, "server") != "mysql-remote" || str(form, "type") != "mysql" || str(form, "charset") != "utf8mb4" {
		t.Errorf("db form %v", form)
	}
	expectError(t, e.sjson("error", "/ispmgr", "func", "db.edit", "sok", "ok", "name", "x_db", "owner", "vasya", "server", "nope",
		"password", "p", "authinfo", root), "value", "server")
	expectError(t, e.sjson("error", "/ispmgr", "func", "db.server.delete", "elid", "mysql-remote", "authinfo", root), "used", "db.server")
	list := e.sjson("list.db.server", "/ispmgr", "func", "db.server", "authinfo", root)
	for _, el := range elems(list) {
		if str(el, "name") == "mysql-remote" && (str(el, "db_count") != "1" || str(el, "host") != "10.0.0.5:3306") {
			t.Errorf("server %v", el)
		}
	}
	e.xmlGolden("db.server.xml", "/ispmgr", "func", "db.server", "authinfo", root)
	expectOK(t, e.sjson("ok", "/ispmgr", "func", "db.delete", "elid", "vasya_shop", "authinfo", root))
	expectOK(t, e.sjson("ok", "/ispmgr", "func", "db.server.delete", "elid", "mysql-remote", "authinfo", root))
}

// TestLegacyNames: the 4-era domain.sublist names are domain.record seen
// with sdtype/addr/prio; other 4-era names are unknown functions.
func TestLegacyNames(t *testing.T) {
	e := newEnv(t)
	// The 4-era client's create call, as written (absolute name, elid empty).
	expectOK(t, e.sjson("ok", "/ispmgr", "func", "domain.sublist.edit", "elid", "", "plid", "vasya.example.com",
		"name", "shop.vasya.example.com.", "sdtype", "A", "addr", "192.0.2.10", "prio", "", "wght", "", "port", "", "sok", "ok", "authinfo", root))
	var rkey string
	for _, el := range elems(e.sjson("list.domain.record", "/ispmgr", "func", "domain.record", "plid", "vasya.example.com", "authinfo", root)) {
		if str(el, "name") == "shop.vasya.example.com." {
			rkey = str(el, "rkey")
		}
	}
	if rkey != "shop.vasya.example.com. A  192.0.2.10" {
		t.Fatalf("the sublist record is not a domain.record: %q", rkey)
	}
	// The 4-era list: the zone in elid, 4-era field names.
	list := e.sjson("list.domain.sublist", "/ispmgr", "func", "domain.sublist", "elid", "vasya.example.com", "authinfo", root)
	var found map[string]any
	for _, el := range elems(list) {
		if str(el, "key") == rkey {
			found = el
		}
	}
	if found == nil || str(found, "type") != "A" || str(found, "addr") != "192.0.2.10" {
		t.Fatalf("sublist %v", found)
	}
	form := e.sjson("form.domain.sublist.edit", "/ispmgr", "func", "domain.sublist.edit", "plid", "vasya.example.com", "elid", rkey, "authinfo", root)
	if str(form, "sdtype") != "a" || str(form, "addr") != "192.0.2.10" {
		t.Errorf("sublist form %v", form)
	}
	expectError(t, e.sjson("error", "/ispmgr", "func", "domain.sublist.edit", "sok", "ok", "plid", "vasya.example.com",
		"name", "x", "sdtype", "BOGUS", "addr", "1", "authinfo", root), "value", "sdtype")
	expectError(t, e.sjson("error", "/ispmgr", "func", "domain.sublist.delete", "plid", "vasya.example.com", "elid", "nope A  1.2.3.4", "authinfo", root), "notfound", "domain.sublist")
	// The 4-era client's delete call: '+' for the spaces of the key.
	r := e.c.Get("/ispmgr?authinfo=root:secret&out=sjson&func=domain.sublist.delete&elid=shop.vasya.example.com.+A++192.0.2.10&plid=vasya.example.com&sok=ok").Expect(t, 200)
	expectOK(t, e.checkSchema("ok", r.Body))
	e.xmlGolden("domain.sublist.xml", "/ispmgr", "func", "domain.sublist", "elid", "vasya.example.com", "authinfo", root)
	// Other 4-era names: the real "missed func" error.
	for _, fn := range []string{"wwwdomain", "wwwdomain.edit", "emaildomain.sublist", "ftp", "dbuser"} {
		expectError(t, e.sjson("error", "/ispmgr", "func", fn, "authinfo", root), "missed", "func")
	}
	e.xmlGolden("missed-func.xml", "/ispmgr", "func", "wwwdomain", "authinfo", root)
}

// TestLegacySublistSRV: domain.sublist.edit keeps an SRV record's wght and
// port (domain.record's value is "weight port target", priority apart),
// domain.sublist and the form show them back, a change keeps the parts it
// does not send, and wght/port on other types are ignored.
func TestLegacySublistSRV(t *testing.T) {
	e := newEnv(t)
	const zone = "vasya.example.com"
	const rkey = "_sip._tcp.vasya.example.com. SRV  10 5 5060 sip.vasya.example.com."
	records := func() map[string]map[string]any {
		t.Helper()
		out := map[string]map[string]any{}
		for _, el := range elems(e.sjson("list.domain.record", "/ispmgr", "func", "domain.record", "plid", zone, "authinfo", root)) {
			out[str(el, "rkey")] = el
		}
		return out
	}
	sublist := func(key string) map[string]any {
		t.Helper()
		for _, el := range elems(e.sjson("list.domain.sublist", "/ispmgr", "func", "domain.sublist", "elid", zone, "authinfo", root)) {
			if str(el, "key") == key {
				return el
			}
		}
		t.Fatalf("%q not in domain.sublist", key)
		return nil
	}
	before := len(records())
	// Refused creations change nothing and name the 4-era field.
	for _, tc := range []struct{ wght, port, typ, object string }{
		{"5", "", "missed", "port"}, {"", "5060", "missed", "wght"},
		{"heavy", "5060", "value", "wght"}, {"5", "70000", "value", "port"}, {"5", "-1", "value", "port"},
	} {
		expectError(t, e.sjson("error", "/ispmgr", "func", "domain.sublist.edit", "sok", "ok", "elid", "", "plid", zone,
			"name", "_sip._tcp", "sdtype", "SRV", "addr", "sip", "prio", "10", "wght", tc.wght, "port", tc.port, "authinfo", root), tc.typ, tc.object)
	}
	expectError(t, e.sjson("error", "/ispmgr", "func", "domain.sublist.edit", "sok", "ok", "plid", zone,
		"name", "_sip._tcp", "sdtype", "SRV", "addr", "bad/host", "wght", "5", "port", "5060", "authinfo", root), "value", "addr")
	if n := len(records()); n != before {
		t.Fatalf("refused SRV creations left %d records, want %d", n, before)
	}
	expectOK(t, e.sjson("ok", "/ispmgr", "func", "domain.sublist.edit", "sok", "ok", "elid", "", "plid", zone,
		"name", "_sip._tcp", "sdtype", "SRV", "addr", "sip", "prio", "10", "wght", "5", "port", "5060", "authinfo", root))
	rec := records()[rkey]
	if rec == nil || str(rec, "value") != "10 5 5060 sip.vasya.example.com." {
		t.Fatalf("the SRV record is not domain.record's %q: %v", rkey, records())
	}
	form := e.sjson("form.domain.record.edit", "/ispmgr", "func", "domain.record.edit", "plid", zone, "elid", rkey, "authinfo", root)
	if str(form, "value") != "5 5060 sip.vasya.example.com." || str(form, "priority") != "10" {
		t.Errorf("domain.record.edit form %v", form)
	}
	el := sublist(rkey)
	if str(el, "addr") != "sip.vasya.example.com." || str(el, "prio") != "10" || str(el, "wght") != "5" || str(el, "port") != "5060" {
		t.Errorf("sublist elem %v", el)
	}
	form = e.sjson("form.domain.sublist.edit", "/ispmgr", "func", "domain.sublist.edit", "plid", zone, "elid", rkey, "authinfo", root)
	if str(form, "sdtype") != "srv" || str(form, "addr") != "sip.vasya.example.com." || str(form, "prio") != "10" ||
		str(form, "wght") != "5" || str(form, "port") != "5060" {
		t.Errorf("sublist form %v", form)
	}
	e.xmlGolden("domain.sublist.edit.srv.xml", "/ispmgr", "func", "domain.sublist.edit", "plid", zone, "elid", rkey, "authinfo", root)
	// A change sends only the port, every other field empty as billing
	// modules post them: weight, target and priority stay.
	expectOK(t, e.sjson("ok", "/ispmgr", "func", "domain.sublist.edit", "sok", "ok", "plid", zone, "elid", rkey,
		"name", "", "sdtype", "", "addr", "", "prio", "", "wght", "", "port", "5061", "authinfo", root))
	const moved = "_sip._tcp.vasya.example.com. SRV  10 5 5061 sip.vasya.example.com."
	if got := records(); got[rkey] != nil || got[moved] == nil {
		t.Fatalf("after the port change: %v", got)
	}
	expectError(t, e.sjson("error", "/ispmgr", "func", "domain.sublist.edit", "sok", "ok", "plid", zone, "elid", moved,
		"wght", "x", "authinfo", root), "value", "wght")
	if records()[moved] == nil {
		t.Fatal("a refused change altered the record")
	}
	// wght and port of an A record are ignored, empty or not.
	expectOK(t, e.sjson("ok", "/ispmgr", "func", "domain.sublist.edit", "sok", "ok", "plid", zone,
		"name", "srvless", "sdtype", "A", "addr", "192.0.2.11", "wght", "5", "port", "80", "authinfo", root))
	if el := sublist("srvless.vasya.example.com. A  192.0.2.11"); str(el, "wght") != "" || str(el, "port") != "" {
		t.Errorf("an A record shows SRV parts: %v", el)
	}
	e.xmlGolden("domain.sublist.srv.xml", "/ispmgr", "func", "domain.sublist", "elid", zone, "authinfo", root)
	// domain.record.edit checks an SRV value's shape and makes its target absolute.
	expectError(t, e.sjson("error", "/ispmgr", "func", "domain.record.edit", "sok", "ok", "plid", zone,
		"name", "_xmpp._tcp", "rtype", "srv", "value", "xmpp.vasya.example.com", "authinfo", root), "value", "value")
	expectOK(t, e.sjson("ok", "/ispmgr", "func", "domain.record.edit", "sok", "ok", "plid", zone,
		"name", "_xmpp._tcp", "rtype", "srv", "priority", "20", "value", "0 5222 xmpp", "authinfo", root))
	if el := sublist("_xmpp._tcp.vasya.example.com. SRV  20 0 5222 xmpp.vasya.example.com."); str(el, "wght") != "0" || str(el, "port") != "5222" {
		t.Errorf("a domain.record SRV in the sublist: %v", el)
	}
}

// TestIPmanagerUsers: the seed's mgrctl -m ipmgr -i user functions and
// admin.edit with its exists error.
func TestIPmanagerUsers(t *testing.T) {
	e := newEnv(t)
	expectOK(t, e.sjson("ok", "/ipmgr", "func", "user.edit", "sok", "ok", "name", "ipuser", "passwd", "p", "confirm", "p", "authinfo", root))
	if !slices.Contains(names(e.sjson("list.user", "/ipmgr", "func", "user", "authinfo", root), "name"), "ipuser") {
		t.Fatal("no IPmanager user")
	}
	expectOK(t, e.sjson("ok", "/ipmgr", "func", "user.edit", "sok", "ok", "elid", "ipuser", "fullname", "IP User", "authinfo", root))
	if str(e.sjson("form.user.edit", "/ipmgr", "func", "user.edit", "elid", "ipuser", "authinfo", root), "fullname") != "IP User" {
		t.Error("user.edit did not change the user")
	}
	expectError(t, e.sjson("error", "/ipmgr", "func", "user", "authinfo", vasya), "access", "user")
	expectOK(t, e.sjson("ok", "/ipmgr", "func", "user.delete", "elid", "ipuser", "authinfo", root))
	// admin.edit: the seed's error example, object user, value the name.
	expectOK(t, e.sjson("ok", "/ipmgr", "func", "admin.edit", "sok", "ok", "name", "ben", "passwd", "b", "confirm", "b", "authinfo", root))
	doc := e.sjson("error", "/ipmgr", "func", "admin.edit", "sok", "ok", "name", "ben", "passwd", "b", "authinfo", root)
	expectError(t, doc, "exists", "user")
	e.xmlGolden("admin.edit.exists.xml", "/ipmgr", "func", "admin.edit", "sok", "ok", "name", "ben", "passwd", "b", "authinfo", root)
	if u, _ := e.sjson("whoami", "/ipmgr", "func", "whoami", "authinfo", "ben:b")["user"].(map[string]any); u["$level"] != "30" {
		t.Errorf("ben is %v", u)
	}
	if !slices.Contains(names(e.sjson("list.admin", "/ipmgr", "func", "admin", "authinfo", root), "name"), "ben") {
		t.Error("ben is not listed")
	}
	if str(e.sjson("form.admin.edit", "/ipmgr", "func", "admin.edit", "elid", "ben", "authinfo", root), "name") != "ben" {
		t.Error("admin form")
	}
	expectError(t, e.sjson("error", "/ipmgr", "func", "admin.delete", "elid", "root", "authinfo", root), "access", "admin")
	expectOK(t, e.sjson("ok", "/ipmgr", "func", "admin.delete", "elid", "ben", "authinfo", root))
}
