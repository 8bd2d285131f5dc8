package ispmgr_test

import (
	"slices"
	"testing"

	"github.com/panelsim/panelsim/internal/simtest"
)

// xmlGolden calls with out=xml and pins the body in testdata/golden/name.
func (e *env) xmlGolden(name, path string, kv ...string) {
	e.t.Helper()
	r := e.get(path, append(kv, "out", "xml")...)
	if ct := r.Header.Get("Content-Type"); ct != "text/xml" {
		e.t.Errorf("Content-Type %q, want exactly text/xml", ct)
	}
	simtest.Golden(e.t, name, r.Body)
}

func TestWhoami(t *testing.T) {
	e := newEnv(t)
	for _, tc := range []struct{ path, auth, su, name, level string }{
		{"/ispmgr", root, "", "root", "30"},
		{"/ispmgr", vasya, "", "vasya", "16"},
		{"/ispmgr", root, "vasya", "vasya", "16"},
		{"/ipmgr", root, "", "root", "30"},
	} {
		kv := []string{"func", "whoami", "authinfo", tc.auth}
		if tc.su != "" {
			kv = append(kv, "su", tc.su)
		}
		doc := e.sjson("whoami", tc.path, kv...)
		u, _ := doc["user"].(map[string]any)
		if u["$name"] != tc.name || u["$level"] != tc.level {
			t.Errorf("%s %s su=%s: user %v", tc.path, tc.auth, tc.su, u)
		}
	}
	expectError(t, e.sjson("error", "/ispmgr", "func", "whoami", "authinfo", "root:wrong"), "auth", "badpassword")
	e.xmlGolden("whoami.xml", "/ispmgr", "func", "whoami", "authinfo", vasya)
}

// TestUserAddCreatesWizardObjects: user.add is the account wizard's form,
// so it makes the site, mail domain and FTP account its fields name, with
// the user's address and counted against the preset's limits.
func TestUserAddCreatesWizardObjects(t *testing.T) {
	for _, fn := range []string{"user.add", "user.add.finish"} {
		t.Run(fn, func(t *testing.T) {
			e := newEnv(t)
			expectOK(t, e.sjson("ok", "/ispmgr", "func", fn, "sok", "ok", "name", "client1", "passwd", "p1", "confirm", "p1",
				"preset", "mini", "webdomain_name", "client1.example.com", "emaildomain_name", "client1.example.com",
				"ftp_user_name", "client1_ftp", "authinfo", root))
			web := e.sjson("list.site", "/ispmgr", "func", "site", "authinfo", root)
			if !slices.Contains(names(web, "name"), "client1.example.com") {
				t.Fatalf("no site: %v", names(web, "name"))
			}
			mail := e.sjson("list.emaildomain", "/ispmgr", "func", "emaildomain", "authinfo", root)
			for _, el := range elems(mail) {
				if str(el, "name") == "client1.example.com" && (str(el, "owner") != "client1" || str(el, "ipaddr") != "192.0.2.10") {
					t.Errorf("mail domain %v", el)
				}
			}
			ftp := e.sjson("list.ftp.user", "/ispmgr", "func", "ftp.user", "authinfo", root)
			if !slices.Contains(names(ftp, "name"), "client1_ftp") {
				t.Errorf("no FTP user: %v", names(ftp, "name"))
			}
			// The mini preset allows one site: the wizard's counts.
			expectError(t, e.sjson("error", "/ispmgr", "func", "webdomain.edit", "sok", "ok", "name", "second.example.com",
				"owner", "client1", "authinfo", root), "limit", "limit_webdomains")
		})
	}
	// One failing part (a taken site) makes nothing at all.
	e := newEnv(t)
	expectError(t, e.sjson("error", "/ispmgr", "func", "user.add", "sok", "ok", "name", "client2", "passwd", "p",
		"webdomain_name", "vasya.example.com", "authinfo", root), "exists", "webdomain")
	if slices.Contains(names(e.sjson("list.user", "/ispmgr", "func", "user", "authinfo", root), "name"), "client2") {
		t.Error("the user was made although its site was refused")
	}
}

// TestEmptyValuesAreNotSent: a billing module posting every form field,
// most of them empty, changes only what it fills in.
func TestEmptyValuesAreNotSent(t *testing.T) {
	e := newEnv(t)
	expectOK(t, e.sjson("ok", "/ispmgr", "func", "user.edit", "sok", "ok", "elid", "vasya", "fullname", "", "email", "",
		"comment", "", "preset", "", "limit_db", "", "passwd", "", "confirm", "", "authinfo", root))
	form := e.sjson("form.user.edit", "/ispmgr", "func", "user.edit", "elid", "vasya", "authinfo", root)
	if str(form, "fullname") != "Vasya Pupkin" || str(form, "email") != "vasya@example.com" || str(form, "limit_db") != "5" {
		t.Errorf("empty fields wiped data: %v", form)
	}
	if errType(e.sjson("whoami", "/ispmgr", "func", "whoami", "authinfo", vasya)) != "" {
		t.Error("an empty passwd changed the password")
	}
}

// TestContentTypes: exactly text/xml for XML, application/json for JSON.
func TestContentTypes(t *testing.T) {
	e := newEnv(t)
	for out, want := range map[string]string{"xml": "text/xml", "devel": "text/xml", "sjson": "application/json",
		"json": "application/json", "JSONdata": "application/json", "xjson": "application/json"} {
		for _, auth := range []string{root, "root:wrong"} {
			r := e.get("/ispmgr", "func", "whoami", "out", out, "authinfo", auth)
			if got := r.Header.Get("Content-Type"); got != want {
				t.Errorf("out=%s: Content-Type %q, want %q", out, got, want)
			}
		}
	}
	if got := e.c.Get("/ispmgr/nope?out=xml").Expect(t, 404).Header.Get("Content-Type"); got != "text/xml" {
		t.Errorf("native 404 Content-Type %q", got)
	}
}
