package ispmgr_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/panelsim/panelsim/internal/ordered"
	"github.com/panelsim/panelsim/sim/ispmgr"
	"github.com/panelsim/panelsim/state"
)

// A probe is one call of the tenant matrix: a function with the
// parameters that name vasya's object, and the error a caller who may
// not see that object gets. An empty typ is a list: it answers, without
// any of vasya's objects.
type probe struct {
	kv        []string
	typ, obj  string
	withoutSu bool
}

// vasyaRecord is a record of vasya's zone from the zone template.
const vasyaRecord = "www A  192.0.2.10"

// tenantMatrix lists, for every object function of both products (keyed
// "mgr func"), the calls that reach another tenant's object through
// elid, plid or a parent named in the form. A foreign object is not
// found: the panel looks objects up among those the caller sees, so it
// answers exactly as for an object that does not exist (doc.go, "Tenant
// isolation").
var tenantMatrix = map[string][]probe{
	"ispmgr webdomain": {{kv: nil}},
	"ispmgr webdomain.edit": {form("webdomain", "vasya.example.com"), change("webdomain", "vasya.example.com", "aliases", "evil.vasya.example.com"),
		// petya's own site on vasya's dedicated address.
		{kv: []string{"elid", "petya.example.org", "sok", "ok", "ipaddrs", "192.0.2.20"}, typ: "value", obj: "ipaddrs"}},
	"ispmgr webdomain.delete":      {group("webdomain", "vasya.example.com"), group("webdomain", "petya.example.org, vasya.example.com")},
	"ispmgr webdomain.suspend":     {group("webdomain", "vasya.example.com")},
	"ispmgr webdomain.resume":      {group("webdomain", "vasya.example.com")},
	"ispmgr site":                  {{kv: nil}},
	"ispmgr site.edit":             {form("site", "vasya.example.com"), change("site", "vasya.example.com", "site_aliases", "evil.vasya.example.com")},
	"ispmgr site.delete":           {group("site", "vasya.example.com")},
	"ispmgr site.suspend":          {group("site", "vasya.example.com")},
	"ispmgr site.resume":           {group("site", "vasya.example.com")},
	"ispmgr emaildomain":           {{kv: nil}},
	"ispmgr emaildomain.edit":      {form("emaildomain", "vasya.example.com"), change("emaildomain", "vasya.example.com", "dkim", "on")},
	"ispmgr emaildomain.delete":    {group("emaildomain", "vasya.example.com")},
	"ispmgr email":                 {{kv: nil}},
	"ispmgr email.edit":            {form("email", "info@vasya.example.com"), change("email", "info@vasya.example.com", "passwd", "stolen"), {kv: []string{"sok", "ok", "name", "evil", "domainname", "vasya.example.com", "passwd", "x1y2z3"}, typ: "value", obj: "domainname"}},
	"ispmgr email.delete":          {group("email", "info@vasya.example.com")},
	"ispmgr domain":                {{kv: nil}},
	"ispmgr domain.edit":           {form("domain", "vasya.example.com"), change("domain", "vasya.example.com", "ip", "192.0.2.11")},
	"ispmgr domain.delete":         {group("domain", "vasya.example.com")},
	"ispmgr domain.record":         {{kv: []string{"plid", "vasya.example.com"}, typ: "notfound", obj: "domain"}},
	"ispmgr domain.record.edit":    {inZone("elid", vasyaRecord), inZone("elid", vasyaRecord, "sok", "ok", "value", "203.0.113.66"), inZone("sok", "ok", "name", "evil", "rtype", "a", "ip", "203.0.113.66")},
	"ispmgr domain.record.delete":  {inZone("elid", vasyaRecord)},
	"ispmgr domain.sublist":        {{kv: []string{"elid", "vasya.example.com"}, typ: "notfound", obj: "domain"}, {kv: []string{"plid", "vasya.example.com"}, typ: "notfound", obj: "domain"}},
	"ispmgr domain.sublist.edit":   {inZone("elid", vasyaRecord), inZone("sok", "ok", "name", "evil", "sdtype", "A", "addr", "203.0.113.66")},
	"ispmgr domain.sublist.delete": {inZone("elid", vasyaRecord)},
	"ispmgr db":                    {{kv: nil}},
	"ispmgr db.edit":               {form("db", "vasya_wp"), change("db", "vasya_wp", "password", "stolen1")},
	"ispmgr db.delete":             {group("db", "vasya_wp")},
	"ispmgr ftp.user":              {{kv: nil}},
	"ispmgr ftp.user.edit":         {form("ftp.user", "vasyaftp"), change("ftp.user", "vasyaftp", "passwd", "stolen1")},
	"ispmgr ftp.user.delete":       {group("ftp.user", "vasyaftp")},
	"ispmgr ftp.user.suspend":      {group("ftp.user", "vasyaftp")},
	"ispmgr ftp.user.resume":       {group("ftp.user", "vasyaftp")},
	"ispmgr user":                  {{kv: nil}},
	"ispmgr user.edit":             {form("user", "vasya"), change("user", "vasya", "passwd", "stolen1")},
	"ispmgr user.delete":           {group("user", "vasya")},
	"ispmgr user.suspend":          {group("user", "vasya")},
	"ispmgr user.resume":           {group("user", "vasya")},
	"ispmgr ipaddr":                {{kv: nil}},
	"ispmgr ipaddr.edit":           {form("ipaddr", "192.0.2.20"), change("ipaddr", "192.0.2.20", "note", "mine")},
	"ispmgr ipaddr.delete":         {group("ipaddr", "192.0.2.20")},
	// su: a user may act only as itself, a reseller as its own users.
	"ispmgr su": {
		{kv: []string{"func", "webdomain", "su", "vasya"}, typ: "access", obj: "su", withoutSu: true},
		{kv: []string{"func", "webdomain.delete", "elid", "vasya.example.com", "su", "vasya"}, typ: "access", obj: "su", withoutSu: true},
	},
	"ipmgr ip": {{kv: nil}},
	"ipmgr ip.edit": {form("ip", "192.0.2.10"), change("ip", "192.0.2.10", "domain", "evil.example.com"),
		// A new address in vasya's network, named or drawn from it.
		{kv: []string{"sok", "ok", "ipnet", "192.0.2.0/24"}, typ: "value", obj: "ipnet"},
		{kv: []string{"sok", "ok", "ip", "192.0.2.10"}, typ: "value", obj: "ip"},
		{kv: []string{"sok", "ok", "ip", "192.0.2.50"}, typ: "value", obj: "ip"}},
	"ipmgr ip.delete":   {group("ip", "192.0.2.10")},
	"ipmgr ipnet":       {{kv: nil}},
	"ipmgr ipnet.edit":  {form("ipnet", "192.0.2.0/24"), change("ipnet", "192.0.2.0/24", "note", "mine")},
	"ipmgr user":        {{kv: nil}},
	"ipmgr user.edit":   {form("user", "vasya"), change("user", "vasya", "passwd", "stolen1")},
	"ipmgr user.delete": {group("user", "vasya")},
}

// tenantExempt are the functions that name no tenant's object, and why.
var tenantExempt = map[string]string{
	"usrparam":         "the caller's own settings: it takes no elid",
	"whoami":           "names the caller only",
	"session.newkey":   "administrators only; keys are covered by the su rules (TestSessionNewKey)",
	"user.add":         "creates a user of the caller's own; no existing object is named",
	"user.add.finish":  "creates a user of the caller's own; no existing object is named",
	"preset":           "presets are the panel's templates, owned by no user",
	"preset.edit":      "presets are the panel's templates, owned by no user",
	"preset.delete":    "administrators only; presets are owned by no user",
	"db.server":        "database servers are shared by every user",
	"db.server.edit":   "administrators only; database servers are shared by every user",
	"db.server.delete": "administrators only; database servers are shared by every user",
	"ipnet.delete":     "administrators only; networks belong to address spaces, not users (ipnet.edit is probed)",
	"userspace":        "administrators only; address spaces are the administrator's",
	"userspace.edit":   "administrators only; address spaces are the administrator's",
	"userspace.delete": "administrators only; address spaces are the administrator's",
	"admin":            "administrators only, on administrators",
	"admin.edit":       "administrators only, on administrators",
	"admin.delete":     "administrators only, on administrators",
}

func form(kind, elid string) probe {
	return probe{kv: []string{"elid", elid}, typ: "notfound", obj: kind}
}

func change(kind, elid string, kv ...string) probe {
	return probe{kv: append([]string{"elid", elid, "sok", "ok"}, kv...), typ: "notfound", obj: kind}
}

func group(kind, elid string) probe {
	return probe{kv: []string{"elid", elid}, typ: "notfound", obj: kind}
}

// inZone is a call in vasya's zone: the zone itself is not found.
func inZone(kv ...string) probe {
	return probe{kv: append([]string{"plid", "vasya.example.com"}, kv...), typ: "notfound", obj: "domain"}
}

// TestTenantMatrixCoversEveryFunction fails when a function of either
// product's func table is neither probed nor exempted with a reason, so a
// new function cannot be added without its tenant check.
func TestTenantMatrixCoversEveryFunction(t *testing.T) {
	for _, mgr := range []string{"ispmgr", "ipmgr"} {
		for _, fn := range ispmgr.FuncNames(mgr) {
			_, probed := tenantMatrix[mgr+" "+fn]
			_, exempt := tenantExempt[fn]
			switch {
			case strings.HasSuffix(fn, ".filter"):
				// Every <list>.filter is listFilter: it names no object.
			case !probed && !exempt:
				t.Errorf("%s %s: neither in tenantMatrix nor in tenantExempt", mgr, fn)
			case probed && exempt && mgr == "ispmgr":
				t.Errorf("%s %s: both probed and exempted", mgr, fn)
			}
		}
	}
	for key := range tenantMatrix {
		mgr, fn, _ := strings.Cut(key, " ")
		if fn != "su" && ispmgr.FuncLevel(mgr, fn) == 0 {
			t.Errorf("tenantMatrix probes %s, which %s does not serve", fn, mgr)
		}
	}
}

// tenantEnv is the test world with an FTP account and a dedicated address
// of vasya's besides the scenario's objects.
func tenantEnv(t *testing.T) *env {
	e := newEnv(t)
	expectOK(t, e.sjson("ok", "/ispmgr", "func", "ftp.user.edit", "sok", "ok", "owner", "vasya", "name", "vasyaftp", "passwd", "ftpPass1", "authinfo", root))
	expectOK(t, e.sjson("ok", "/ispmgr", "func", "ipaddr.edit", "sok", "ok", "name", "192.0.2.20", "iprole", "assigned", "owner", "vasya", "authinfo", root))
	return e
}

// TestTenantsStayApart tries every probe of the matrix as petya (a user)
// and as reseller1 (petya's reseller, not vasya's) on vasya's objects.
// Each answers the panel's error (access when the function is above the
// caller's level), leaves the world byte for byte as it was, and is
// journaled.
func TestTenantsStayApart(t *testing.T) {
	e := tenantEnv(t)
	for _, caller := range []struct {
		auth  string
		level int
	}{{"petya:petyapass", 16}, {"reseller1:respass", 20}} {
		for _, key := range ordered.Keys(tenantMatrix) {
			mgr, fn, _ := strings.Cut(key, " ")
			for i, p := range tenantMatrix[key] {
				name := fmt.Sprintf("%s/%s/%s/%d", strings.Split(caller.auth, ":")[0], mgr, fn, i)
				t.Run(name, func(t *testing.T) {
					e.as(t).probe(mgr, fn, caller.auth, caller.level, p)
				})
			}
		}
	}
}

// probe runs one call as auth and checks its answer, the world and the
// journal.
func (e *env) probe(mgr, fn, auth string, level int, p probe) {
	t := e.t
	kv := append([]string{}, p.kv...)
	if !p.withoutSu {
		kv = append([]string{"func", fn}, kv...)
	} else {
		fn = kv[1]
	}
	typ, obj := p.typ, p.obj
	if ispmgr.FuncLevel(mgr, fn) > level {
		typ, obj = "access", fn
	}
	before := e.srv.Snapshot()
	journaled := len(e.srv.Requests(state.JournalFilter{Op: fn}))
	r := e.get("/"+mgr, append(kv, "out", "sjson", "authinfo", auth)...)
	doc := docOf(t, r.Body)
	switch {
	case typ == "":
		if errType(doc) != "" {
			t.Fatalf("list answered an error: %v", doc["error"])
		}
		if bytes.Contains(r.Body, []byte("vasya")) {
			t.Fatalf("the list shows vasya's objects:\n%s", r.Body)
		}
	default:
		expectError(t, doc, typ, obj)
	}
	if after := e.srv.Snapshot(); !bytes.Equal(before, after) {
		t.Fatalf("the call changed the world:\nbefore %s\nafter  %s", before, after)
	}
	if n := len(e.srv.Requests(state.JournalFilter{Op: fn})); n != journaled+1 {
		t.Fatalf("journal holds %d entries of %s, want %d", n, fn, journaled+1)
	}
}

// docOf decodes an sjson answer (the client checked it against the
// contract) and returns its doc object.
func docOf(t *testing.T, body []byte) map[string]any {
	t.Helper()
	var v struct {
		Doc map[string]any `json:"doc"`
	}
	if err := json.Unmarshal(body, &v); err != nil || v.Doc == nil {
		t.Fatalf("not an sjson document: %v\n%s", err, body)
	}
	return v.Doc
}
