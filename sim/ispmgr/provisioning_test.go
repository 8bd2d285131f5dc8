package ispmgr_test

import (
	"slices"
	"testing"
)

// vocabulary is how a billing module speaks to one panel generation: the
// calls that create an account with its site, mail domain, mailbox,
// database and FTP user. Everything after creation (suspend, resume,
// change package, change password, terminate) has one name in 5 and 6.
type vocabulary struct {
	name   string
	create [][]string
}

var vocabularies = []vocabulary{
	{"ISPmanager 5", [][]string{
		{"func", "user.add.finish", "sok", "ok", "name", "cust1", "passwd", "Pw1", "confirm", "Pw1", "preset", "base",
			"fullname", "Customer One", "webdomain_name", "cust1.example.com", "emaildomain_name", "cust1.example.com",
			"ftp_user_name", "cust1_ftp", "ipsrc", "auto", "iptype", "ipv4", "comment", "", "limit_db", ""},
		{"func", "email.edit", "sok", "ok", "name", "info", "domainname", "cust1.example.com", "passwd", "Mp1", "confirm", "Mp1", "su", "cust1"},
		{"func", "db.edit", "sok", "ok", "name", "cust1_wp", "owner", "cust1", "username", "cust1_wp", "password", "Dp1", "confirm", "Dp1", "type", "mysql"},
	}},
	{"ISPmanager 6", [][]string{
		{"func", "user.edit", "sok", "ok", "name", "cust1", "passwd", "Pw1", "confirm", "Pw1", "preset", "base", "fullname", "Customer One",
			"backup", "on", "php_enable", "on"},
		{"func", "ipaddr.edit", "sok", "ok", "iprole", "assigned", "iptype", "ipv4", "name", "", "owner", "cust1"},
		{"func", "site.edit", "sok", "ok", "site_name", "cust1.example.com", "site_owner", "cust1", "site_ipsrc", "auto",
			"site_php_enable", "on", "site_php_mode", "php_mode_mod", "site_hsts", "on", "site_redirect_http", "off", "site_aliases", ""},
		{"func", "emaildomain.edit", "sok", "ok", "name", "cust1.example.com", "owner", "cust1", "dkim", "on", "dmarc", "on", "defaction", "ignore"},
		{"func", "email.edit", "sok", "ok", "name", "info", "domainname", "cust1.example.com", "passwd", "Mp1", "confirm", "Mp1", "maxsize", "0", "su", "cust1"},
		{"func", "db.edit", "sok", "ok", "name", "cust1_wp", "owner", "cust1", "server", "MySQL", "username", "cust1_wp",
			"password", "Dp1", "confirm", "Dp1", "charset", "utf8mb4", "remote_access", "off"},
		{"func", "ftp.user.edit", "sok", "ok", "name", "cust1_ftp", "owner", "cust1", "passwd", "Fp1", "confirm", "Fp1", "home", "/"},
	}},
}

// TestProvisioningFlows plays a hosting billing module's whole account
// lifecycle in each vocabulary and checks the panel's state after every
// step, as the module (and its operator) would see it.
func TestProvisioningFlows(t *testing.T) {
	for _, v := range vocabularies {
		t.Run(v.name, func(t *testing.T) {
			e := newEnv(t)
			for _, call := range v.create {
				expectOK(t, e.sjson("ok", "/ispmgr", append(call, "authinfo", root)...))
			}
			owned := e.ownedBy("cust1")
			for kind, want := range map[string]string{"site": "cust1.example.com", "emaildomain": "cust1.example.com",
				"email": "info@cust1.example.com", "db": "cust1_wp", "ftp.user": "cust1_ftp"} {
				if !slices.Contains(owned[kind], want) {
					t.Errorf("after create: %s has %v, want %s", kind, owned[kind], want)
				}
			}
			ip := e.field("list.ipaddr", "ipaddr", "owner", "cust1", "name")
			if ip == "" || ip == "192.0.2.10" || e.field("list.site", "site", "name", "cust1.example.com", "ipaddr") != ip {
				t.Errorf("after create: the site is not on the account's dedicated address %q", ip)
			}
			if v.name == "ISPmanager 6" {
				form := e.sjson("form.emaildomain.edit", "/ispmgr", "func", "emaildomain.edit", "elid", "cust1.example.com", "authinfo", root)
				if str(form, "dkim") != "on" || str(form, "defaction") != "ignore" {
					t.Errorf("after create: the mail domain's switches were dropped: %v", form)
				}
			}
			e.loginWorks(t, "cust1:Pw1", true)

			// Suspend: the account cannot log in, its objects stay.
			expectOK(t, e.sjson("ok", "/ispmgr", "func", "user.suspend", "elid", "cust1", "authinfo", root))
			if got := e.field("list.user", "user", "name", "cust1", "active"); got != "off" {
				t.Errorf("after suspend: active=%s", got)
			}
			e.loginWorks(t, "cust1:Pw1", false)
			if len(e.ownedBy("cust1")["site"]) != 1 {
				t.Error("after suspend: the site is gone")
			}
			// Unsuspend, twice (billing modules resume unconditionally).
			for range 2 {
				expectOK(t, e.sjson("ok", "/ispmgr", "func", "user.resume", "elid", "cust1", "authinfo", root))
			}
			if got := e.field("list.user", "user", "name", "cust1", "active"); got != "on" {
				t.Errorf("after resume: active=%s", got)
			}
			e.loginWorks(t, "cust1:Pw1", true)

			// Change package: the new preset's limits replace the old.
			expectOK(t, e.sjson("ok", "/ispmgr", "func", "user.edit", "sok", "ok", "elid", "cust1", "preset", "mini", "authinfo", root))
			form := e.sjson("form.user.edit", "/ispmgr", "func", "user.edit", "elid", "cust1", "authinfo", root)
			if str(form, "preset") != "mini" || str(form, "limit_webdomains") != "1" || str(form, "limit_db") != "1" {
				t.Errorf("after change package: %v", form)
			}
			expectError(t, e.sjson("error", "/ispmgr", "func", "db.edit", "sok", "ok", "name", "cust1_two", "owner", "cust1",
				"password", "x", "authinfo", root), "limit", "limit_db")

			// Change password, as the official module does (usrparam with su).
			expectOK(t, e.sjson("ok", "/ispmgr", "func", "usrparam", "sok", "ok", "su", "cust1", "passwd", "Pw2", "confirm", "Pw2", "authinfo", root))
			e.loginWorks(t, "cust1:Pw1", false)
			e.loginWorks(t, "cust1:Pw2", true)

			// Terminate: the account and everything it owns are gone, its
			// dedicated address is free again.
			expectOK(t, e.sjson("ok", "/ispmgr", "func", "user.delete", "elid", "cust1", "authinfo", root))
			for kind, got := range e.ownedBy("cust1") {
				if len(got) > 0 {
					t.Errorf("after terminate: %s still has %v", kind, got)
				}
			}
			if slices.Contains(names(e.sjson("list.user", "/ispmgr", "func", "user", "authinfo", root), "name"), "cust1") {
				t.Error("after terminate: the user is listed")
			}
			if slices.Contains(names(e.sjson("list.ip", "/ipmgr", "func", "ip", "authinfo", root), "ip"), ip) {
				t.Errorf("after terminate: %s is still allocated in IPmanager", ip)
			}
			e.loginWorks(t, "cust1:Pw2", false)
		})
	}
}

// ownedBy lists, per object kind, the names of what owner owns.
func (e *env) ownedBy(owner string) map[string][]string {
	e.t.Helper()
	out := map[string][]string{}
	for _, kind := range []string{"site", "webdomain", "emaildomain", "email", "db", "ftp.user", "domain"} {
		for _, el := range elems(e.sjson("list."+kind, "/ispmgr", "func", kind, "authinfo", root)) {
			if str(el, "owner") == owner {
				out[kind] = append(out[kind], str(el, "name"))
			}
		}
	}
	return out
}

// field is one field of the element of a list whose key field has a value.
func (e *env) field(schema, fn, keyField, key, field string) string {
	e.t.Helper()
	for _, el := range elems(e.sjson(schema, "/ispmgr", "func", fn, "authinfo", root)) {
		if str(el, keyField) == key {
			return str(el, field)
		}
	}
	return ""
}

// loginWorks checks whether the credentials open a session.
func (e *env) loginWorks(t *testing.T, authinfo string, want bool) {
	t.Helper()
	schema := map[bool]string{true: "whoami", false: "error"}[want]
	if got := errType(e.sjson(schema, "/ispmgr", "func", "whoami", "authinfo", authinfo)) == ""; got != want {
		t.Errorf("login %s works=%v, want %v", authinfo, got, want)
	}
}
