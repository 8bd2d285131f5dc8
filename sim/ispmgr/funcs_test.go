package ispmgr_test

import (
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/panelsim/panelsim/state"
)

func TestUserLifecycle(t *testing.T) {
	e := newEnv(t)
	expectOK(t, e.sjson("ok", "/ispmgr", "func", "user.edit", "sok", "ok", "name", "kolya", "passwd", "k", "confirm", "k",
		"preset", "mini", "fullname", "Kolya", "authinfo", root))
	form := e.sjson("form.user.edit", "/ispmgr", "func", "user.edit", "elid", "kolya", "authinfo", root)
	if str(form, "elid") != "kolya" || str(form, "preset") != "mini" || str(form, "limit_webdomains") != "1" {
		t.Fatalf("form after create: %v", form)
	}
	// Change: another preset, one explicit limit over it.
	expectOK(t, e.sjson("ok", "/ispmgr", "func", "user.edit", "sok", "ok", "elid", "kolya", "preset", "base", "limit_db", "9", "authinfo", root))
	form = e.sjson("form.user.edit", "/ispmgr", "func", "user.edit", "elid", "kolya", "authinfo", root)
	if str(form, "limit_webdomains") != "5" || str(form, "limit_db") != "9" {
		t.Fatalf("limits after change: %v", form)
	}
	// Suspend two at once with the ", " separator.
	expectOK(t, e.sjson("ok", "/ispmgr", "func", "user.suspend", "elid", "kolya, vasya", "authinfo", root))
	list := e.sjson("list.user", "/ispmgr", "func", "user", "authinfo", root)
	for _, el := range elems(list) {
		name := str(el, "name")
		if want := map[string]string{"kolya": "off", "vasya": "off"}[name]; want != "" && str(el, "active") != want {
			t.Errorf("%s active %s", name, str(el, "active"))
		}
	}
	expectOK(t, e.sjson("ok", "/ispmgr", "func", "user.resume", "elid", "kolya, vasya", "authinfo", root))
	// Delete removes the user's objects too; a missing elid changes nothing.
	expectError(t, e.sjson("error", "/ispmgr", "func", "user.delete", "elid", "vasya, ghost", "authinfo", root), "notfound", "user")
	expectOK(t, e.sjson("ok", "/ispmgr", "func", "user.delete", "elid", "vasya", "authinfo", root))
	if got := names(e.sjson("list.webdomain", "/ispmgr", "func", "webdomain", "authinfo", root), "owner"); strings.Contains(strings.Join(got, ","), "vasya") {
		t.Errorf("vasya's sites survived: %v", got)
	}
	expectError(t, e.sjson("error", "/ispmgr", "func", "webdomain", "authinfo", vasya), "auth", "badpassword")
}

func TestUserValidation(t *testing.T) {
	e := newEnv(t)
	for _, tc := range []struct {
		name        string
		params      []string
		typ, object string
	}{
		{"no name", []string{"passwd", "x"}, "missed", "name"},
		{"bad name", []string{"name", "Bad Name", "passwd", "x"}, "value", "name"},
		{"duplicate", []string{"name", "vasya", "passwd", "x"}, "exists", "user"},
		{"admin name taken", []string{"name", "root", "passwd", "x"}, "exists", "user"},
		{"no password", []string{"name", "nopass"}, "missed", "passwd"},
		{"confirm differs", []string{"name", "conf", "passwd", "x", "confirm", "y"}, "value", "confirm"},
		{"unknown preset", []string{"name", "np", "passwd", "x", "preset", "gold"}, "value", "preset"},
		// A limit that is not a number ("many") is the contract's to refuse
		// in strict mode (LimitValue); one past int's range is the panel's.
		{"bad limit", []string{"name", "bl", "passwd", "x", "limit_db", "99999999999999999999"}, "value", "limit_db"},
		// The contract's own refusal (strict mode) is the panel's error too:
		// HTTP 200 and the mgr5 envelope naming the parameter, as the
		// panel's answer for a bad limit.
		{"limit not a number", []string{"name", "bl", "passwd", "x", "limit_db", "many"}, "value", "limit_db"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := e.as(t)
			doc := e.sjson("error", "/ispmgr", append([]string{"func", "user.edit", "sok", "ok", "authinfo", root}, tc.params...)...)
			expectError(t, doc, tc.typ, tc.object)
		})
	}
	if n := len(elems(e.sjson("list.user", "/ispmgr", "func", "user", "authinfo", root))); n != 3 {
		t.Errorf("failed creates changed the user list: %d users", n)
	}
}

func TestAccessLevels(t *testing.T) {
	e := newEnv(t)
	for _, fn := range []string{"user", "user.edit", "preset", "ipaddr.edit", "session.newkey", "user.delete"} {
		expectError(t, e.sjson("error", "/ispmgr", "func", fn, "authinfo", vasya), "access", fn)
	}
	expectError(t, e.sjson("error", "/ispmgr", "func", "preset.edit", "sok", "ok", "name", "x", "authinfo", "reseller1:respass"), "access", "preset.edit")
	expectError(t, e.sjson("error", "/ipmgr", "func", "userspace", "authinfo", vasya), "access", "userspace")
	// A reseller sees and manages only its own users.
	if got := names(e.sjson("list.user", "/ispmgr", "func", "user", "authinfo", "reseller1:respass"), "name"); !reflect.DeepEqual(got, []string{"petya"}) {
		t.Errorf("reseller sees %v", got)
	}
	expectError(t, e.sjson("error", "/ispmgr", "func", "user.suspend", "elid", "vasya", "authinfo", "reseller1:respass"), "notfound", "user")
}

func TestUnknownFunction(t *testing.T) {
	e := newEnv(t)
	doc := e.sjson("error", "/ispmgr", "func", "no.such.func", "authinfo", root)
	expectError(t, doc, "missed", "func")
	if !strings.Contains(str(doc, "error", "msg"), "no.such.func") {
		t.Errorf("message does not name the function: %v", doc["error"])
	}
	// ISPmanager funcs are unknown to IPmanager and the other way round.
	expectError(t, e.sjson("error", "/ipmgr", "func", "webdomain", "authinfo", root), "missed", "func")
	expectError(t, e.sjson("error", "/ispmgr", "func", "ip", "authinfo", root), "missed", "func")
}

// TestListFilters: every list has its .filter function (the vendor's
// function conventions), at the list's own level; it answers ok and the
// list stays as it was.
func TestListFilters(t *testing.T) {
	e := newEnv(t)
	for _, tc := range []struct{ path, list, plid string }{
		{"/ispmgr", "user", ""}, {"/ispmgr", "preset", ""}, {"/ispmgr", "webdomain", ""}, {"/ispmgr", "emaildomain", ""},
		{"/ispmgr", "email", ""}, {"/ispmgr", "domain", ""}, {"/ispmgr", "domain.record", "vasya.example.com"},
		{"/ispmgr", "db", ""}, {"/ispmgr", "ipaddr", ""}, {"/ipmgr", "ip", ""}, {"/ipmgr", "ipnet", ""}, {"/ipmgr", "userspace", ""},
	} {
		list := func() []string {
			return names(e.sjson("list."+tc.list, tc.path, "func", tc.list, "plid", tc.plid, "authinfo", root), "name")
		}
		before := list()
		expectOK(t, e.sjson("ok", tc.path, "func", tc.list+".filter", "plid", tc.plid, "name", "zzz", "sok", "ok", "authinfo", root))
		if after := list(); !reflect.DeepEqual(before, after) {
			t.Errorf("%s.filter changed the list: %v -> %v", tc.list, before, after)
		}
	}
	expectOK(t, e.sjson("ok", "/ispmgr", "func", "webdomain.filter", "authinfo", vasya))
	expectError(t, e.sjson("error", "/ispmgr", "func", "user.filter", "authinfo", vasya), "access", "user.filter")
	expectError(t, e.sjson("error", "/ipmgr", "func", "userspace.filter", "authinfo", vasya), "access", "userspace.filter")
}

func TestLimits(t *testing.T) {
	e := newEnv(t)
	// petya's preset mini allows one site, and petya has one.
	doc := e.sjson("error", "/ispmgr", "func", "webdomain.edit", "sok", "ok", "name", "second.example.org", "authinfo", "petya:petyapass")
	expectError(t, doc, "limit", "limit_webdomains")
	if !strings.Contains(str(doc, "error", "msg"), "1") {
		t.Errorf("limit message lacks the limit: %v", doc["error"])
	}
	// vasya (base: 5 sites) can add four more, not a fifth.
	for i := 2; i <= 5; i++ {
		expectOK(t, e.sjson("ok", "/ispmgr", "func", "webdomain.edit", "sok", "ok", "name", fmt.Sprintf("site%d.example.com", i), "authinfo", vasya))
	}
	expectError(t, e.sjson("error", "/ispmgr", "func", "webdomain.edit", "sok", "ok", "name", "site6.example.com", "authinfo", vasya), "limit", "limit_webdomains")
	// Databases and DNS zones count too.
	expectOK(t, e.sjson("ok", "/ispmgr", "func", "domain.edit", "sok", "ok", "name", "petya.example.org", "authinfo", "petya:petyapass"))
	expectError(t, e.sjson("error", "/ispmgr", "func", "domain.edit", "sok", "ok", "name", "more.example.org", "authinfo", "petya:petyapass"), "limit", "limit_domains")
}

func TestDuplicates(t *testing.T) {
	e := newEnv(t)
	for _, tc := range []struct {
		fn, object string
		params     []string
	}{
		{"webdomain.edit", "webdomain", []string{"name", "VASYA.example.com", "owner", "vasya"}},
		{"emaildomain.edit", "emaildomain", []string{"name", "vasya.example.com", "owner", "vasya"}},
		{"email.edit", "email", []string{"name", "info", "domainname", "vasya.example.com", "passwd", "x"}},
		{"domain.edit", "domain", []string{"name", "vasya.example.com", "owner", "vasya"}},
		{"db.edit", "db", []string{"name", "vasya_wp", "owner", "vasya", "password", "x"}},
		{"ipaddr.edit", "ipaddr", []string{"name", "192.0.2.10"}},
		{"preset.edit", "preset", []string{"name", "base"}},
	} {
		doc := e.sjson("error", "/ispmgr", append([]string{"func", tc.fn, "sok", "ok", "authinfo", root}, tc.params...)...)
		expectError(t, doc, "exists", tc.object)
	}
}

func TestHostingObjects(t *testing.T) {
	e := newEnv(t)
	expectError(t, e.sjson("error", "/ispmgr", "func", "webdomain.edit", "sok", "ok", "name", "x.example.com", "authinfo", root), "missed", "owner")
	expectOK(t, e.sjson("ok", "/ispmgr", "func", "emaildomain.edit", "sok", "ok", "name", "mail.example.net", "authinfo", vasya))
	expectOK(t, e.sjson("ok", "/ispmgr", "func", "email.edit", "sok", "ok", "name", "boss@mail.example.net", "passwd", "pw", "maxsize", "100", "authinfo", vasya))
	got := names(e.sjson("list.email", "/ispmgr", "func", "email", "authinfo", vasya), "name")
	if !reflect.DeepEqual(got, []string{"boss@mail.example.net", "info@vasya.example.com"}) {
		t.Fatalf("mailboxes %v", got)
	}
	form := e.sjson("form.email.edit", "/ispmgr", "func", "email.edit", "elid", "boss@mail.example.net", "authinfo", vasya)
	if str(form, "maxsize") != "100" || str(form, "domainname") != "mail.example.net" {
		t.Errorf("mailbox form %v", form)
	}
	expectOK(t, e.sjson("ok", "/ispmgr", "func", "emaildomain.delete", "elid", "mail.example.net", "authinfo", vasya))
	if got := names(e.sjson("list.email", "/ispmgr", "func", "email", "authinfo", vasya), "name"); len(got) != 1 {
		t.Errorf("mailboxes of a deleted domain survived: %v", got)
	}
	// Other users' objects are invisible.
	expectError(t, e.sjson("error", "/ispmgr", "func", "webdomain.edit", "elid", "vasya.example.com", "authinfo", "petya:petyapass"), "notfound", "webdomain")
	expectError(t, e.sjson("error", "/ispmgr", "func", "db.delete", "elid", "vasya_wp", "authinfo", "petya:petyapass"), "notfound", "db")
	f := e.sjson("form.db.edit", "/ispmgr", "func", "db.edit", "elid", "vasya_wp", "authinfo", vasya)
	if str(f, "type") != "mysql" {
		t.Errorf("db form %v", f)
	}
	expectOK(t, e.sjson("ok", "/ispmgr", "func", "webdomain.edit", "sok", "ok", "elid", "vasya.example.com", "php_mode", "php_mode_cgi", "secure", "on", "authinfo", vasya))
	list := e.sjson("list.webdomain", "/ispmgr", "func", "webdomain", "authinfo", vasya)
	el := elems(list)[0]
	if _, ok := el["ssl_issued_success"]; !ok || str(el, "php_mode") != "php_mode_cgi" {
		t.Errorf("site after change %v", el)
	}
}

func TestUserAddFinish(t *testing.T) {
	e := newEnv(t)
	// A taken web domain fails the whole wizard: no user is made.
	expectError(t, e.sjson("error", "/ispmgr", "func", "user.add.finish", "sok", "ok", "name", "wiz", "passwd", "pw", "preset", "base",
		"webdomain_name", "vasya.example.com", "emaildomain", "off", "authinfo", root), "exists", "webdomain")
	expectError(t, e.sjson("error", "/ispmgr", "func", "user.edit", "elid", "wiz", "authinfo", root), "notfound", "user")
	expectOK(t, e.sjson("ok", "/ispmgr", "func", "user.add.finish", "sok", "ok", "name", "wiz", "passwd", "pw", "preset", "base",
		"webdomain_name", "wiz.example.com", "emaildomain_name", "wiz.example.com", "ipsrc", "auto", "authinfo", root))
	if got := names(e.sjson("list.webdomain", "/ispmgr", "func", "webdomain", "authinfo", "wiz:pw"), "name"); !reflect.DeepEqual(got, []string{"wiz.example.com"}) {
		t.Errorf("wizard sites %v", got)
	}
	if got := names(e.sjson("list.emaildomain", "/ispmgr", "func", "emaildomain", "authinfo", "wiz:pw"), "name"); !reflect.DeepEqual(got, []string{"wiz.example.com"}) {
		t.Errorf("wizard mail domains %v", got)
	}
}

// TestDNSRecordsLikeTheACMEClients follows the cert-manager webhook and the
// certbot plugin: form POST to add a TXT record, list, delete by rkey.
func TestDNSRecordsLikeTheACMEClients(t *testing.T) {
	e := newEnv(t)
	r := e.c.Form(http.MethodPost, "/manager/ispmgr", q("authinfo", vasya, "out", "json", "func", "domain.record.edit", "plid", "vasya.example.com.",
		"rtype", "txt", "name", "_acme-challenge.vasya.example.com.", "value", "tok+en/==", "sok", "ok")).Expect(t, 200)
	expectOK(t, e.checkSchema("ok", r.Body))
	doc := e.sjson("list.domain.record", "/ispmgr", "func", "domain.record", "plid", "vasya.example.com", "authinfo", vasya)
	key := "_acme-challenge.vasya.example.com. TXT  tok+en/=="
	found := false
	for _, el := range elems(doc) {
		if str(el, "rkey") == key {
			found = true
		}
	}
	if !found {
		t.Fatalf("no record %q in %v", key, names(doc, "rkey"))
	}
	expectError(t, e.sjson("error", "/ispmgr", "func", "domain.record.edit", "plid", "vasya.example.com", "rtype", "txt",
		"name", "_acme-challenge", "value", "tok+en/==", "sok", "ok", "authinfo", vasya), "exists", "domain.record")
	for _, tc := range []struct {
		params      []string
		typ, object string
	}{
		{[]string{"rtype", "a", "name", "x", "value", "not-an-ip"}, "value", "value"},
		{[]string{"rtype", "bogus", "name", "x", "value", "1"}, "value", "rtype"},
		{[]string{"rtype", "a", "name", "x.other.org.", "value", "192.0.2.1"}, "value", "name"},
		{[]string{"name", "x", "value", "1"}, "missed", "rtype"},
	} {
		expectError(t, e.sjson("error", "/ispmgr", append([]string{"func", "domain.record.edit", "plid", "vasya.example.com", "sok", "ok", "authinfo", vasya}, tc.params...)...), tc.typ, tc.object)
	}
	expectOK(t, e.sjson("ok", "/ispmgr", "func", "domain.record.edit", "plid", "vasya.example.com", "rtype", "mx", "name", "@", "value", "mx2", "priority", "20", "sok", "ok", "authinfo", vasya))
	// cert-manager sends the resolved zone with its trailing dot, and elname.
	expectOK(t, e.sjson("ok", "/ispmgr", "func", "domain.record.delete", "plid", "vasya.example.com.", "elid", key+", vasya.example.com. MX  20 mx2.vasya.example.com.", "elname", key, "authinfo", vasya))
	doc = e.sjson("list.domain.record", "/ispmgr", "func", "domain.record", "plid", "vasya.example.com", "authinfo", vasya)
	for _, k := range names(doc, "rkey") {
		if strings.Contains(k, "acme") || strings.Contains(k, "mx2") {
			t.Errorf("record %q survived delete", k)
		}
	}
	expectError(t, e.sjson("error", "/ispmgr", "func", "domain.record", "authinfo", vasya), "missed", "plid")
	expectError(t, e.sjson("error", "/ispmgr", "func", "domain.record", "plid", "vasya.example.com", "authinfo", "petya:petyapass"), "notfound", "domain")
}

func TestIPaddr(t *testing.T) {
	e := newEnv(t)
	doc := e.sjson("ok", "/ispmgr", "func", "ipaddr.edit", "sok", "ok", "name", "192.0.2.20", "iprole", "assigned", "owner", "vasya", "authinfo", root)
	if str(doc, "id") == "" {
		t.Fatalf("new address without id: %v", doc)
	}
	// base allows one assigned address.
	expectError(t, e.sjson("error", "/ispmgr", "func", "ipaddr.edit", "sok", "ok", "name", "192.0.2.21", "iprole", "assigned", "owner", "vasya", "authinfo", root), "limit", "limit_ipaddrs")
	got := names(e.sjson("list.ipaddr", "/ispmgr", "func", "ipaddr", "su", "vasya", "authinfo", root), "name")
	if !reflect.DeepEqual(got, []string{"192.0.2.10", "192.0.2.11", "192.0.2.20"}) {
		t.Errorf("vasya's addresses %v", got)
	}
	got = names(e.sjson("list.ipaddr", "/ispmgr", "func", "ipaddr", "authinfo", "petya:petyapass"), "name")
	if !reflect.DeepEqual(got, []string{"192.0.2.10", "192.0.2.11"}) {
		t.Errorf("petya sees %v", got)
	}
	// New sites of vasya go on its assigned address.
	expectOK(t, e.sjson("ok", "/ispmgr", "func", "webdomain.edit", "sok", "ok", "name", "own-ip.example.com", "authinfo", vasya))
	f := e.sjson("form.webdomain.edit", "/ispmgr", "func", "webdomain.edit", "elid", "own-ip.example.com", "authinfo", vasya)
	if str(f, "ipaddrs") != "192.0.2.20" {
		t.Errorf("site address %s", str(f, "ipaddrs"))
	}
	expectError(t, e.sjson("error", "/ispmgr", "func", "webdomain.edit", "sok", "ok", "elid", "vasya.example.com", "ipaddrs", "192.0.2.20", "authinfo", "petya:petyapass"), "notfound", "webdomain")
}

func TestIPmanagerAllocation(t *testing.T) {
	e := newEnv(t)
	// vasya sees only the networks of its address space.
	if got := names(e.sjson("list.ip", "/ipmgr", "func", "ip", "authinfo", vasya), "ip"); !reflect.DeepEqual(got, []string{"192.0.2.10"}) {
		t.Errorf("vasya's ips %v", got)
	}
	if got := names(e.sjson("list.ip", "/ipmgr", "func", "ip", "authinfo", root), "ip"); len(got) != 2 {
		t.Errorf("admin ips %v", got)
	}
	for _, tc := range []struct {
		params      []string
		typ, object string
	}{
		{[]string{"ip", "192.0.2.10"}, "exists", "ip"},
		{[]string{"ip", "203.0.113.5"}, "value", "ip"},
		{[]string{"ip", "192.0.2.255"}, "value", "ip"},
		{[]string{"ip", "192.0.2.0"}, "value", "ip"},
		{[]string{"ip", "300.1.1.1"}, "value", "ip"},
		{[]string{"ip", "198.51.100.9", "ipnet", "192.0.2.0/24"}, "value", "ip"},
		{[]string{"ip", "192.0.2.30", "family", "ipv6"}, "value", "family"},
		{[]string{"domain", "x"}, "missed", "ip"},
		{[]string{"ip", "198.51.100.9"}, "value", "ip"}, // not in vasya's space
	} {
		auth := root
		if tc.params[len(tc.params)-1] == "198.51.100.9" && len(tc.params) == 2 {
			auth = vasya
		}
		doc := e.sjson("error", "/ipmgr", append([]string{"func", "ip.edit", "sok", "ok", "authinfo", auth}, tc.params...)...)
		expectError(t, doc, tc.typ, tc.object)
	}
	ok := e.sjson("ok", "/ipmgr", "func", "ip.edit", "sok", "ok", "ip", "192.0.2.30", "domain", "new.example.com", "iptype", "public", "authinfo", vasya)
	if str(ok, "id") == "" {
		t.Error("ip.edit without id")
	}
	// Without ip, the next free host address of ipnet (gateway skipped).
	expectOK(t, e.sjson("ok", "/ipmgr", "func", "ip.edit", "sok", "ok", "ipnet", "198.51.100.0/24", "authinfo", root))
	form := e.sjson("form.ip.edit", "/ipmgr", "func", "ip.edit", "elid", "198.51.100.2", "authinfo", root)
	if str(form, "ipnet") != "198.51.100.0/24" || str(form, "family") != "ipv4" {
		t.Errorf("auto-allocated ip form %v", form)
	}
	expectOK(t, e.sjson("ok", "/ipmgr", "func", "ip.edit", "sok", "ok", "elid", "192.0.2.30", "note", "changed", "authinfo", vasya))
	expectError(t, e.sjson("error", "/ipmgr", "func", "ipnet.delete", "elid", "192.0.2.0/24", "authinfo", root), "used", "ipnet")
	expectOK(t, e.sjson("ok", "/ipmgr", "func", "ip.delete", "elid", "192.0.2.30", "authinfo", vasya))
	expectError(t, e.sjson("error", "/ipmgr", "func", "ip.delete", "elid", "198.51.100.7", "authinfo", vasya), "notfound", "ip")
}

func TestIPmanagerNetworksAndSpaces(t *testing.T) {
	e := newEnv(t)
	expectOK(t, e.sjson("ok", "/ipmgr", "func", "userspace.edit", "sok", "ok", "name", "lab", "users", "vasya, petya", "authinfo", root))
	expectOK(t, e.sjson("ok", "/ipmgr", "func", "ipnet.edit", "sok", "ok", "name", "2001:db8::/64", "gateway", "2001:db8::1", "userspace", "lab", "authinfo", root))
	for _, tc := range []struct {
		params      []string
		typ, object string
	}{
		{[]string{"name", "192.0.2.128/25"}, "value", "name"},
		{[]string{"name", "10.0.0.1/8"}, "value", "name"},
		{[]string{"name", "2001:db8::/64"}, "exists", "ipnet"},
		{[]string{"name", "10.0.0.0/8", "gateway", "11.0.0.1"}, "value", "gateway"},
		{[]string{"name", "10.0.0.0/8", "userspace", "nope"}, "value", "userspace"},
	} {
		expectError(t, e.sjson("error", "/ipmgr", append([]string{"func", "ipnet.edit", "sok", "ok", "authinfo", root}, tc.params...)...), tc.typ, tc.object)
	}
	nets := names(e.sjson("list.ipnet", "/ipmgr", "func", "ipnet", "authinfo", "petya:petyapass"), "name")
	if !reflect.DeepEqual(nets, []string{"2001:db8::/64"}) {
		t.Errorf("petya's networks %v", nets)
	}
	expectOK(t, e.sjson("ok", "/ipmgr", "func", "ip.edit", "sok", "ok", "ip", "2001:db8::10", "authinfo", "petya:petyapass"))
	expectError(t, e.sjson("error", "/ipmgr", "func", "userspace.delete", "elid", "lab", "authinfo", root), "used", "userspace")
	expectError(t, e.sjson("error", "/ipmgr", "func", "ipnet.edit", "sok", "ok", "name", "10.0.0.0/8", "authinfo", vasya), "access", "ipnet.edit")
	spaces := e.sjson("list.userspace", "/ipmgr", "func", "userspace", "authinfo", root)
	if got := names(spaces, "users"); !reflect.DeepEqual(got, []string{"vasya, petya", "vasya"}) {
		t.Errorf("space users %v", got)
	}
}

func TestInjectedNativeError(t *testing.T) {
	e := newEnv(t)
	err := e.srv.SetFaults(state.FaultRule{Name: "busy", Panel: "ispmgr", Match: state.FaultMatch{Func: "webdomain"},
		Action: state.FaultAction{Error: &state.NativeErrorSpec{Code: "lock", Value: "webdomain", Msg: "Object is locked"}}})
	if err != nil {
		t.Fatal(err)
	}
	doc := e.sjson("error", "/ispmgr", "func", "webdomain", "authinfo", vasya)
	expectError(t, doc, "lock", "webdomain")
	if str(doc, "error", "msg") != "Object is locked" {
		t.Errorf("msg %v", doc["error"])
	}
	xml := string(e.get("/ispmgr", "func", "webdomain", "out", "xml", "authinfo", vasya).Body)
	if !strings.Contains(xml, `<error type="lock" object="webdomain" lang="en">`) || !strings.Contains(xml, "<msg>Object is locked</msg>") {
		t.Errorf("xml %s", xml)
	}
	// Other funcs are untouched; the journal names the func.
	e.sjson("list.db", "/ispmgr", "func", "db", "authinfo", vasya)
	if got := e.srv.Requests(state.JournalFilter{Op: "webdomain"}); len(got) != 2 || got[0].Fault != "busy" {
		t.Errorf("journal %+v", got)
	}
}

func TestUnservedPathsAndMethods(t *testing.T) {
	e := newEnv(t)
	e.c.SkipValidation = true // not in the contract on purpose
	r := e.c.Get("/ispmgr/extra?out=xml")
	if r.Status != http.StatusNotFound || !strings.Contains(string(r.Body), `<error type="notfound" object="path"`) {
		t.Errorf("unknown path: %d %s", r.Status, r.Body)
	}
	r = e.c.Do(http.MethodPut, "/ispmgr?out=sjson&func=user", nil)
	if r.Status != http.StatusMethodNotAllowed || !strings.Contains(string(r.Body), `"$type":"value"`) {
		t.Errorf("PUT: %d %s", r.Status, r.Body)
	}
}

func TestPostFormBodyAndIgnoredParams(t *testing.T) {
	e := newEnv(t)
	// Query and body merge (body wins); interface params and "*" are dropped.
	r := e.c.Form(http.MethodPost, "/ispmgr?out=sjson&func=user", q("func", "db.edit", "sok", "ok", "name", "formdb", "owner", "vasya",
		"password", "pw", "type", "*", "sfrom", "ajax", "clicked_button", "ok", "authinfo", root)).Expect(t, 200)
	doc := e.checkSchema("ok", r.Body)
	tp := doc["tparams"].(map[string]any)
	for _, k := range []string{"sfrom", "clicked_button", "type", "authinfo"} {
		if _, ok := tp[k]; ok {
			t.Errorf("tparams echo %s", k)
		}
	}
	if str(tp, "func") != "db.edit" {
		t.Errorf("body func did not win: %v", tp)
	}
}

// TestDedicatedAddressFromIPmanager: ipaddr.edit with only iptype (the
// official module's way) takes the next free address of the IPmanager
// networks and allocates it there too.
func TestDedicatedAddressFromIPmanager(t *testing.T) {
	e := newEnv(t)
	doc := e.sjson("ok", "/ispmgr", "func", "ipaddr.edit", "sok", "ok", "iprole", "assigned", "iptype", "public", "owner", "vasya", "authinfo", root)
	if str(doc, "id") == "" {
		t.Fatalf("no id: %v", doc)
	}
	// 192.0.2.1 is the gateway, .10 and .11 are taken.
	got := names(e.sjson("list.ipaddr", "/ispmgr", "func", "ipaddr", "authinfo", vasya), "name")
	if !reflect.DeepEqual(got, []string{"192.0.2.10", "192.0.2.11", "192.0.2.2"}) {
		t.Errorf("vasya's addresses %v", got)
	}
	ips := names(e.sjson("list.ip", "/ipmgr", "func", "ip", "authinfo", root), "ip")
	if !reflect.DeepEqual(ips, []string{"192.0.2.10", "192.0.2.2", "198.51.100.7"}) {
		t.Errorf("IPmanager addresses %v", ips)
	}
}

func TestAdminCreatesUserForReseller(t *testing.T) {
	e := newEnv(t)
	expectOK(t, e.sjson("ok", "/ispmgr", "func", "user.edit", "sok", "ok", "name", "sub", "passwd", "x", "owner", "reseller1", "authinfo", root))
	expectError(t, e.sjson("error", "/ispmgr", "func", "user.edit", "sok", "ok", "name", "sub2", "passwd", "x", "owner", "vasya", "authinfo", root), "value", "owner")
	got := names(e.sjson("list.user", "/ispmgr", "func", "user", "authinfo", "reseller1:respass"), "name")
	if !reflect.DeepEqual(got, []string{"petya", "sub"}) {
		t.Errorf("reseller's users %v", got)
	}
	// A reseller creates users of its own.
	expectOK(t, e.sjson("ok", "/ispmgr", "func", "user.add", "sok", "ok", "name", "sub3", "passwd", "x", "authinfo", "reseller1:respass"))
	e.sjson("list.webdomain", "/ispmgr", "func", "webdomain", "su", "sub3", "authinfo", "reseller1:respass")
}

// TestTextPlainFormBody: a browser's fetch() posts a string body as
// text/plain;charset=UTF-8; the panel reads it as a form, and the contract
// (strict in these tests) accepts it.
func TestTextPlainFormBody(t *testing.T) {
	e := newEnv(t)
	body := q("func", "db.edit", "sok", "ok", "name", "fetchdb", "owner", "vasya", "password", "pw", "authinfo", root, "out", "sjson")
	r := e.c.Do(http.MethodPost, "/ispmgr", []byte(body), "Content-Type", "text/plain;charset=UTF-8").Expect(t, 200)
	expectOK(t, e.checkSchema("ok", r.Body))
	if !slices.Contains(names(e.sjson("list.db", "/ispmgr", "func", "db", "authinfo", root), "name"), "fetchdb") {
		t.Fatal("text/plain form body not applied")
	}
}
