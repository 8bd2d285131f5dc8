package ispmgr

import (
	"encoding/json"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/panelsim/panelsim/scenarios"
	"github.com/panelsim/panelsim/state"
)

func TestParseParams(t *testing.T) {
	for _, tc := range []struct {
		raw  string
		want map[string]string
	}{
		{"func=user&out=xml", map[string]string{"func": "user", "out": "xml"}},
		{"authinfo=root:p@ss/w&x=1", map[string]string{"authinfo": "root:p@ss/w", "x": "1"}},
		{"name=a+b&v=%41%42", map[string]string{"name": "a b", "v": "AB"}},
		{"bad=%zz+1&ok=1", map[string]string{"bad": "%zz 1", "ok": "1"}},
		{"flag&empty=&kept=1", map[string]string{"kept": "1"}},
		{"a=1&a=2", map[string]string{"a": "2"}},
		{"sfrom=ajax&clicked_button=ok&operafake=1&progressid=x&star=*&keep=**", map[string]string{"keep": "**"}},
		{"&&=x&", map[string]string{}},
		{"elid=a%2C+b", map[string]string{"elid": "a, b"}},
	} {
		p := NewParams()
		p.ParseParams(tc.raw)
		got := map[string]string{}
		for _, k := range p.Names() {
			got[k] = p.Get(k)
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%q: got %v, want %v", tc.raw, got, tc.want)
		}
	}
}

func FuzzParseParams(f *testing.F) {
	for _, s := range []string{"func=user&out=xml", "authinfo=root:p@ss", "%", "a=%zz", "=&=", "elid=a, b&sok=ok", "x=\x00\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		p := NewParams()
		p.ParseParams(raw)
		if len(p.Names()) != p.Len() {
			t.Fatal("names and length disagree")
		}
		for _, k := range p.Names() {
			if k == "" || ignoredParams[k] || p.Get(k) == "*" {
				t.Fatalf("kept %q=%q", k, p.Get(k))
			}
		}
		// Every parsed request renders in every format without panicking,
		// and the JSON renderings are valid JSON.
		doc := newNode("doc")
		(&call{p: p, lang: "en"}).tparams(doc)
		for _, f := range []format{fmtXML, fmtSJSON, fmtJSON, fmtJSONData, fmtText, fmtHTML} {
			out := Render(doc, f)
			if f.isJSON() && !json.Valid(out) {
				t.Fatalf("%s: invalid JSON %q", f, out)
			}
		}
	})
}

func TestRecordName(t *testing.T) {
	for _, tc := range []struct {
		name, want string
		ok         bool
	}{
		{"", "example.com.", true},
		{"@", "example.com.", true},
		{"www", "www.example.com.", true},
		{"WWW.Example.com.", "www.example.com.", true},
		{"_acme-challenge.example.com", "_acme-challenge.example.com.", true},
		{"a.b", "a.b.example.com.", true},
		{"other.org.", "", false},
		{"a..b", "", false},
		{"bad name", "", false},
	} {
		got, ok := recordName(tc.name, "example.com")
		if ok != tc.ok || (ok && got != tc.want) {
			t.Errorf("%q: got %q %v, want %q %v", tc.name, got, ok, tc.want, tc.ok)
		}
	}
}

func FuzzRecordName(f *testing.F) {
	for _, s := range []string{"", "@", "www", "a.example.com.", "x.other.org.", "..", " a b "} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		got, ok := recordName(name, "example.com")
		if !ok {
			return
		}
		if !strings.HasSuffix(got, ".example.com.") && got != "example.com." {
			t.Fatalf("%q -> %q is outside the zone", name, got)
		}
		if again, ok2 := recordName(got, "example.com"); !ok2 || again != got {
			t.Fatalf("%q -> %q is not stable (%q %v)", name, got, again, ok2)
		}
	})
}

func TestJSONMapping(t *testing.T) {
	doc := newNode("doc").Set("lang", "en")
	e := doc.Add("elem")
	e.AddText("name", `a"b<c>`)
	e.Add("user").Set("used", "1").Set("limit", "10")
	e.AddFlag("php", true)
	doc.Add("ok")
	doc.Add("tip").SetText("x")
	doc.Add("tip").SetText("y")
	for _, tc := range []struct {
		f    format
		want string
	}{
		{fmtSJSON, `{"doc":{"$lang":"en","elem":[{"name":{"$":"a\"b<c>"},"php":{},"user":{"$used":"1","$limit":"10"}}],"ok":{},"tip":[{"$":"x"},{"$":"y"}]}}`},
		{fmtJSONData, `{"doc":{"elem":[{"name":"a\"b<c>","php":{},"user":{"$used":"1","$limit":"10"}}],"ok":{},"tip":["x","y"]}}`},
	} {
		if got := string(Render(doc, tc.f)); got != tc.want {
			t.Errorf("%s:\n got %s\nwant %s", tc.f, got, tc.want)
		}
	}
	xml := string(Render(doc, fmtXML))
	if !strings.Contains(xml, `<doc lang="en"><elem><name>a"b&lt;c&gt;</name><user used="1" limit="10"/><php/></elem><ok/>`) {
		t.Errorf("xml %s", xml)
	}
}

// newWorld builds a world from a scenario the way the server does.
func newWorld(t *testing.T, yaml string) (*state.World, error) {
	t.Helper()
	p := New()
	sc, err := scenarios.Parse("test.yaml", []byte(yaml), scenarios.Known{Panels: []string{Name}, Timings: p.Timings()})
	if err != nil {
		return nil, err
	}
	w, err := state.NewWorld(state.Config{Name: "t", Seed: sc.Seed, Start: sc.Start, Timings: sc.Timings,
		States: map[string]func() any{Name: p.NewState}})
	if err != nil {
		t.Fatal(err)
	}
	return w, w.Do(func(tx *state.Tx) error { return p.Seed(tx, sc) })
}

func TestSeedErrorsNameTheKey(t *testing.T) {
	for _, tc := range []struct{ name, block, want string }{
		{"unknown key", "  colour: red\n", "colour"},
		{"bad level", "  users:\n    - {name: a, password: b, level: god}\n", "ispmgr.users[0].level"},
		{"unknown preset", "  users:\n    - {name: a, password: b, preset: gold}\n", "ispmgr.users[0].preset"},
		{"bad limit", "  presets:\n    - {name: p, limits: {cats: 1}}\n", "ispmgr.presets[0].limits.cats"},
		{"owner not a user", "  webdomains:\n    - {name: a.example.com, owner: ghost}\n", "ispmgr.webdomains[0].owner"},
		{"ip outside", "  networks:\n    - {name: 10.0.0.0/24}\n  ips:\n    - {ip: 10.0.1.1}\n", "ispmgr.ips[0].ip"},
		{"overlap", "  networks:\n    - {name: 10.0.0.0/16}\n    - {name: 10.0.1.0/24}\n", "ispmgr.networks[1].name"},
		{"bad lang", "  lang: de\n", "ispmgr.lang"},
		{"bad authinfo range", "  authinfo_from: [10.0.0.0]\n", "ispmgr.authinfo_from[0]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := newWorld(t, "version: 1\nispmgr:\n"+tc.block)
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "test.yaml:") {
				t.Fatalf("error %v should name %s with its line", err, tc.want)
			}
		})
	}
}

func TestSeedWithoutBlockAndGenerated(t *testing.T) {
	w, err := newWorld(t, "version: 1\n")
	if err != nil {
		t.Fatal(err)
	}
	_ = w.Do(func(tx *state.Tx) error {
		st := state.PanelState[State](tx, Name)
		if st.Users["root"] == nil || st.Users["vasya"] == nil || st.WebDomains["vasya.example.com"] == nil {
			t.Error("no block should give the built-in identities")
		}
		return nil
	})
	yaml := "version: 1\nseed: 7\nispmgr:\n  presets: [{name: p}]\n  generated_users: 3\n"
	var first []byte
	for i := 0; i < 2; i++ {
		w, err := newWorld(t, yaml)
		if err != nil {
			t.Fatal(err)
		}
		snap, _ := w.Snapshot()
		if len(snap.Panels[Name]) == 0 || !strings.Contains(string(snap.Panels[Name]), `"user3"`) {
			t.Fatalf("generated users missing: %s", snap.Panels[Name])
		}
		if i == 1 && string(first) != string(snap.Panels[Name]) {
			t.Error("generated users differ between two builds with one seed")
		}
		first = snap.Panels[Name]
	}
}

func TestAuthinfoFrom(t *testing.T) {
	w, err := newWorld(t, "version: 1\nispmgr:\n  authinfo_from: [10.0.0.0/8]\n  users: [{name: root, password: secret, level: admin}]\n")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		ip string
		ok bool
	}{{"10.1.2.3", true}, {"192.0.2.1", false}, {"::ffff:10.0.0.1", true}} {
		_ = w.Do(func(tx *state.Tx) error {
			p := NewParams()
			p.ParseParams("func=preset&authinfo=root:secret")
			doc := Call(tx, &Request{Mgr: mgrISP, IP: tc.ip, Params: p})
			if (doc.child("error") == nil) != tc.ok {
				t.Errorf("%s: allowed=%v", tc.ip, doc.child("error") == nil)
			}
			return nil
		})
	}
}

func TestSessionIdleUsesTiming(t *testing.T) {
	w, err := newWorld(t, "version: 1\ntimings:\n  ispmgr.session_idle: 10m\n")
	if err != nil {
		t.Fatal(err)
	}
	var sid string
	call := func() *Node {
		var doc *Node
		_ = w.Do(func(tx *state.Tx) error {
			p := NewParams()
			p.ParseParams("func=db&auth=" + sid)
			doc = Call(tx, &Request{Mgr: mgrISP, Binary: "/ispmgr", IP: "10.0.0.1", Params: p})
			return nil
		})
		return doc
	}
	_ = w.Do(func(tx *state.Tx) error {
		p := NewParams()
		p.ParseParams("func=auth&username=vasya&password=vasyapass")
		sid = Call(tx, &Request{Mgr: mgrISP, IP: "10.0.0.1", Params: p}).child("auth").attr("id")
		return nil
	})
	if call().child("error") != nil {
		t.Fatal("fresh session refused")
	}
	if _, err := w.Advance(10 * time.Minute); err != nil {
		t.Fatal(err)
	}
	if e := call().child("error"); e == nil || e.attr("type") != errAuth {
		t.Fatal("session outlived the scenario's idle timing")
	}
}

// TestScenarioDocExamples seeds every YAML example of scenarios/ispmgr.md,
// so the documentation cannot drift from the loader.
func TestScenarioDocExamples(t *testing.T) {
	md, err := os.ReadFile("../../scenarios/ispmgr.md")
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(string(md), "```yaml\n")
	if len(parts) < 3 {
		t.Fatal("expected two YAML examples")
	}
	for i, p := range parts[1:] {
		example, _, _ := strings.Cut(p, "```")
		if _, err := newWorld(t, "version: 1\n"+example); err != nil {
			t.Errorf("example %d: %v", i+1, err)
		}
	}
}

func FuzzParseMultipart(f *testing.F) {
	f.Add("multipart/form-data; boundary=XX", "--XX\r\nContent-Disposition: form-data; name=\"func\"\r\n\r\nuser\r\n--XX--\r\n")
	f.Add("multipart/form-data; boundary=XX", "--XX\r\nContent-Disposition: form-data; name=\"f\"; filename=\"a\"\r\n\r\nbin\r\n--XX")
	f.Add("multipart/form-data", "")
	f.Add("multipart/form-data; boundary=\"", "--\r\n")
	f.Fuzz(func(t *testing.T, ct, body string) {
		p := NewParams()
		parseMultipart(p, ct, []byte(body))
		for _, k := range p.Names() {
			if ignoredParams[k] || p.Get(k) == "*" {
				t.Fatalf("kept %q", k)
			}
		}
	})
}

func TestParseMultipart(t *testing.T) {
	p := NewParams()
	parseMultipart(p, "multipart/form-data; boundary=XX", []byte("--XX\r\nContent-Disposition: form-data; name=\"func\"\r\n\r\nuser\r\n"+
		"--XX\r\nContent-Disposition: form-data; name=\"up\"; filename=\"a.txt\"\r\n\r\nfile\r\n"+
		"--XX\r\nContent-Disposition: form-data; name=\"elid\"\r\n\r\na, b\r\n--XX--\r\n"))
	if p.Get("func") != "user" || p.Get("elid") != "a, b" || p.Has("up") {
		t.Fatalf("parsed %v", p.vals)
	}
}

// TestSnapshotRoundTrip: a world's state survives snapshot and restore
// (forks, --state-file) with sessions and keys.
func TestSnapshotRoundTrip(t *testing.T) {
	w, err := newWorld(t, "version: 1\n")
	if err != nil {
		t.Fatal(err)
	}
	run := func(w *state.World, q string) *Node {
		var doc *Node
		_ = w.Do(func(tx *state.Tx) error {
			p := NewParams()
			p.ParseParams(q)
			doc = Call(tx, &Request{Mgr: mgrISP, Binary: "/ispmgr", IP: "10.0.0.1", Params: p})
			return nil
		})
		return doc
	}
	sid := run(w, "func=auth&username=root&password=secret").child("auth").attr("id")
	run(w, "func=session.newkey&username=vasya&key=0123456789abcdef0&authinfo=root:secret")
	snap, err := w.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	p := New()
	w2, err := state.Restore(state.Config{Name: "r", Timings: p.Timings(), States: map[string]func() any{Name: p.NewState}}, snap)
	if err != nil {
		t.Fatal(err)
	}
	if run(w2, "func=db&auth="+sid).child("error") != nil {
		t.Error("session lost in restore")
	}
	if run(w2, "func=auth&username=vasya&key=0123456789abcdef0").child("auth") == nil {
		t.Error("key lost in restore")
	}
	if !reflect.DeepEqual(Render(run(w, "func=webdomain&authinfo=root:secret"), fmtSJSON), Render(run(w2, "func=webdomain&authinfo=root:secret"), fmtSJSON)) {
		t.Error("restored world answers differently")
	}
}

// TestRestoreFillsNullMaps: a snapshot edited by hand may hold null for a
// table, a null entry or no language; the restored world still logs in,
// makes keys and objects, and speaks its default language.
func TestRestoreFillsNullMaps(t *testing.T) {
	raw := `{"lang":"","users":{"root":{"name":"root","password":"secret","level":30,"active":true},"ghost":null},` +
		`"presets":null,"webdomains":null,"emaildomains":null,"mailboxes":null,"zones":null,"dbs":null,` +
		`"ipaddrs":null,"userspaces":null,"ipnets":null,"ips":null,"sessions":null,"keys":null}`
	w0, err := newWorld(t, "version: 1\n")
	if err != nil {
		t.Fatal(err)
	}
	snap, err := w0.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	snap.Panels[Name] = json.RawMessage(raw)
	p := New()
	w, err := state.Restore(state.Config{Name: "r", Timings: p.Timings(), States: map[string]func() any{Name: p.NewState}}, snap)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		"func=auth&username=root&password=secret",
		"func=session.newkey&username=root&key=0123456789abcdef0&authinfo=root:secret",
		"func=user.edit&sok=ok&name=newuser&passwd=pw&authinfo=root:secret",
		"func=preset.edit&sok=ok&name=p1&authinfo=root:secret",
		"func=user&authinfo=root:secret",
		"func=nosuch&authinfo=root:secret",
	} {
		_ = w.Do(func(tx *state.Tx) error {
			p := NewParams()
			p.ParseParams(q)
			doc := Call(tx, &Request{Mgr: mgrISP, Binary: "/ispmgr", IP: "10.0.0.1", Params: p})
			e := doc.child("error")
			switch {
			case strings.HasPrefix(q, "func=nosuch"):
				if e == nil || e.attr("lang") != "en" || childText(e, "msg") == "" {
					t.Errorf("%s: want an English error, got %s", q, Render(doc, fmtXML))
				}
			case e != nil:
				t.Errorf("%s: %s", q, Render(doc, fmtXML))
			}
			return nil
		})
	}
}

// TestXMLEscaping pins how values are escaped (etree, set to write as
// libxml2 does): text escapes only &, < and >; a carriage return becomes a
// reference, or a parser would read it as a newline; attributes escape
// quotes and line breaks; characters XML cannot carry become U+FFFD.
func TestXMLEscaping(t *testing.T) {
	doc := newNode("doc")
	doc.Add("v").Set("a", "x\"y\nz<&>").SetText("a'b\"c<d>&e\rf\tg\x01h")
	got := string(Render(doc, fmtXML))
	want := `<?xml version="1.0" encoding="UTF-8"?>` + "\n" +
		`<doc><v a="x&quot;y&#xA;z&lt;&amp;>">a'b"c&lt;d&gt;&amp;e&#xD;f` + "\tg\uFFFDh</v></doc>\n"
	if got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
	checkWellFormed(t, []byte(got))
}
