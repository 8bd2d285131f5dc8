package ispmgr_test

import (
	"encoding/xml"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// xmlDoc is what the official billing module reads from out=xml answers
// (it uses XPath on SimpleXML: /doc/elem[...], //id, /doc/*, error@type).
type xmlDoc struct {
	Elems []struct {
		Name   string `xml:"name"`
		Level  string `xml:"level"`
		IPRole string `xml:"iprole"`
	} `xml:"elem"`
	ID    string    `xml:"id"`
	OK    *struct{} `xml:"ok"`
	Error *struct {
		Type string `xml:"type,attr"`
		Msg  string `xml:"msg"`
	} `xml:"error"`
	Any []struct {
		XMLName xml.Name
		Value   string `xml:",chardata"`
	} `xml:",any"`
}

// module calls like the official WHMCS module: form POST to /ispmgr with
// out=xml and authinfo.
func module(t *testing.T, e *env, fn string, params url.Values) xmlDoc {
	t.Helper()
	form := url.Values{"out": {"xml"}, "func": {fn}, "authinfo": {root}}
	for k, v := range params {
		form[k] = v
	}
	r := e.c.Form(http.MethodPost, "/ispmgr", form.Encode()).Expect(t, 200)
	simtestGoldenless(t, r.Header.Get("Content-Type"))
	var d xmlDoc
	if err := xml.Unmarshal(r.Body, &d); err != nil {
		t.Fatalf("%s: not XML: %v\n%s", fn, err, r.Body)
	}
	return d
}

func simtestGoldenless(t *testing.T, ct string) {
	t.Helper()
	if !strings.HasPrefix(ct, "text/xml") {
		t.Fatalf("Content-Type %q", ct)
	}
}

// TestOfficialModuleFlow walks the official ISPmanager billing module's
// CreateAccount, ChangePackage, ChangePassword, Suspend, Unsuspend and
// Terminate calls.
func TestOfficialModuleFlow(t *testing.T) {
	e := newEnv(t)
	users := module(t, e, "user", nil)
	for _, el := range users.Elems {
		if el.Name == "client1" && el.Level == "16" {
			t.Fatal("client1 exists before creation")
		}
	}
	found := false
	for _, el := range module(t, e, "preset", nil).Elems {
		found = found || el.Name == "base"
	}
	if !found {
		t.Fatal("preset base not listed")
	}
	create := url.Values{"sok": {"ok"}, "preset": {"base"}, "name": {"client1"}, "ftp_user_name": {"client1"},
		"passwd": {"S3cret!"}, "fullname": {"Ivanov Ivan"}, "webdomain_name": {"client1.example.com"},
		"emaildomain_name": {"client1.example.com"}, "ipsrc": {"auto"}, "iptype": {"ipv4"}, "limit_traff": {"10000"}}
	for _, f := range module(t, e, "preset.edit", url.Values{"elid": {"base"}}).Any {
		if strings.HasPrefix(f.XMLName.Local, "limit_") {
			create.Set(f.XMLName.Local, f.Value)
		}
	}
	if create.Get("limit_webdomains") != "5" {
		t.Fatalf("preset.edit limits not readable: %v", create)
	}
	if d := module(t, e, "user.add.finish", create); d.Error != nil || d.OK == nil {
		t.Fatalf("user.add.finish: %+v", d.Error)
	}
	// The module reads the dedicated address from ipaddr with su.
	main := ""
	for _, el := range module(t, e, "ipaddr", url.Values{"su": {"client1"}}).Elems {
		if el.IPRole == "assigned" {
			main = el.Name
		}
	}
	if main != "192.0.2.2" {
		t.Fatalf("dedicated address %q", main)
	}
	// Extra addresses: ipaddr.edit with an empty name and iptype, read //id.
	if d := module(t, e, "ipaddr.edit", url.Values{"sok": {"ok"}, "iprole": {"assigned"}, "iptype": {"ipv4"}, "name": {""}, "owner": {"client1"}}); d.Error == nil || d.Error.Type != "limit" {
		t.Fatalf("second address beyond limit_ipaddrs=1 should fail with limit: %+v", d)
	}
	if d := module(t, e, "user.edit", url.Values{"sok": {"ok"}, "preset": {"base"}, "elid": {"client1"}, "limit_ipaddrs": {"3"}}); d.OK == nil {
		t.Fatalf("change package: %+v", d.Error)
	}
	d := module(t, e, "ipaddr.edit", url.Values{"sok": {"ok"}, "iprole": {"assigned"}, "iptype": {"ipv4"}, "name": {""}, "owner": {"client1"}})
	if d.ID == "" || d.OK == nil {
		t.Fatalf("ipaddr.edit: %+v", d)
	}
	if d := module(t, e, "usrparam", url.Values{"su": {"client1"}, "passwd": {"N3w"}, "sok": {"ok"}}); d.Error != nil {
		t.Fatalf("change password: %+v", d.Error)
	}
	for _, fn := range []string{"user.suspend", "user.resume", "user.delete"} {
		if d := module(t, e, fn, url.Values{"elid": {"client1"}}); d.Error != nil || d.OK == nil {
			t.Fatalf("%s: %+v", fn, d.Error)
		}
	}
	// The dedicated addresses went back to IPmanager with the user.
	if ips := names(e.sjson("list.ip", "/ipmgr", "func", "ip", "authinfo", root), "ip"); len(ips) != 2 {
		t.Errorf("IPmanager keeps %v after the user is gone", ips)
	}
	// Errors read as error@type + ":" + error/msg.
	d = module(t, e, "user.delete", url.Values{"elid": {"client1"}})
	if d.Error == nil || d.Error.Type+":"+d.Error.Msg != "notfound:User 'client1' not found" {
		t.Fatalf("error after delete: %+v", d.Error)
	}
}

// TestMultipartPost: PHP's curl posts an array of fields as
// multipart/form-data.
func TestMultipartPost(t *testing.T) {
	e := newEnv(t)
	var b strings.Builder
	w := multipart.NewWriter(&b)
	for _, kv := range [][2]string{{"out", "xml"}, {"func", "user.suspend"}, {"authinfo", root}, {"elid", "vasya"}, {"sfrom", "x"}} {
		if err := w.WriteField(kv[0], kv[1]); err != nil {
			t.Fatal(err)
		}
	}
	w.Close()
	r := e.c.Do(http.MethodPost, "/ispmgr", []byte(b.String()), "Content-Type", w.FormDataContentType()).Expect(t, 200)
	if !strings.Contains(string(r.Body), "<ok/>") || strings.Contains(string(r.Body), "sfrom") {
		t.Fatalf("multipart call: %s", r.Body)
	}
	doc := e.sjson("list.user", "/ispmgr", "func", "user", "authinfo", root)
	for _, el := range elems(doc) {
		if str(el, "name") == "vasya" && str(el, "active") != "off" {
			t.Error("multipart user.suspend did not suspend")
		}
	}
}
