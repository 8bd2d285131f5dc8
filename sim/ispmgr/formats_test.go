package ispmgr_test

import (
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/panelsim/panelsim/internal/simtest"
)

// docKinds are one call of each document kind; the action is idempotent
// so every format can repeat it.
var docKinds = []struct {
	kind   string
	schema string
	params []string
}{
	{"list", "list.webdomain", []string{"func", "webdomain", "authinfo", root}},
	{"form", "form.webdomain.edit", []string{"func", "webdomain.edit", "elid", "vasya.example.com", "authinfo", root}},
	{"action", "ok", []string{"func", "user.resume", "elid", "vasya", "authinfo", root}},
	{"error", "error", []string{"func", "user.edit", "sok", "ok", "name", "vasya", "passwd", "x", "authinfo", root}},
	{"autherror", "error", []string{"func", "user", "authinfo", "root:wrong"}},
}

var outs = []struct {
	out, ext, ctype string
}{
	{"xml", "xml", "text/xml"},
	{"devel", "xml", "text/xml"},
	{"text", "txt", "text/plain; charset=UTF-8"},
	{"sjson", "json", "application/json"},
	{"json", "json", "application/json"},
	{"JSONdata", "json", "application/json"},
	{"xjson", "json", "application/json"},
	{"print", "html", "text/html; charset=UTF-8"},
	{"", "html", "text/html; charset=UTF-8"},
}

// TestEveryFormat renders a list, a form, an action and errors in every
// out= format, pins each body with a golden file and validates every JSON
// answer against its func's schema (JSONdata against the data schema).
func TestEveryFormat(t *testing.T) {
	e := newEnv(t)
	for _, k := range docKinds {
		for _, o := range outs {
			name := o.out
			if name == "" {
				name = "html"
			}
			t.Run(k.kind+"/"+name, func(t *testing.T) {
				e := e.as(t)
				params := append([]string{}, k.params...)
				if o.out != "" {
					params = append(params, "out", o.out)
				}
				r := e.get("/ispmgr", params...)
				if got := r.Header.Get("Content-Type"); got != o.ctype {
					t.Errorf("Content-Type %q, want %q", got, o.ctype)
				}
				switch o.out {
				case "sjson", "json", "xjson":
					e.checkSchema(k.schema, r.Body)
				case "JSONdata":
					e.checkSchema("data", r.Body)
				}
				simtest.Golden(t, fmt.Sprintf("%s.%s.%s", k.kind, name, o.ext), r.Body)
			})
		}
	}
}

// TestJSONFormatsAgree: json is sjson pretty-printed and xjson carries the
// same document.
func TestJSONFormatsAgree(t *testing.T) {
	e := newEnv(t)
	for _, k := range docKinds {
		var docs []any
		for _, out := range []string{"sjson", "json", "xjson"} {
			var v any
			body := e.get("/ispmgr", append(k.params, "out", out)...).Body
			e.checkSchema(k.schema, body)
			if err := json.Unmarshal(body, &v); err != nil {
				t.Fatal(err)
			}
			// tparams echo out=, the only intended difference.
			if d, ok := v.(map[string]any)["doc"].(map[string]any)["tparams"].(map[string]any); ok {
				delete(d, "out")
			}
			docs = append(docs, v)
		}
		if !reflect.DeepEqual(docs[0], docs[1]) || !reflect.DeepEqual(docs[0], docs[2]) {
			t.Errorf("%s: sjson, json and xjson differ", k.kind)
		}
	}
}

// kind names a JSON value's kind: a fixture's "ok":{} and a reply's
// "ok":"" have the same key but not the same shape.
func kind(v any) string {
	switch v.(type) {
	case map[string]any:
		return "object"
	case []any:
		return "array"
	case string:
		return "string"
	}
	return fmt.Sprintf("%T", v)
}

// paths lists every key path of a JSON value with the kind of the value
// at its end (".doc.ok:object", ".doc.elem:array", ".doc.elem[].id.$:string").
// indexed keeps array positions ("[0]", "[1]"), so every element of a
// complete reply is compared, not just the first; otherwise all elements
// of an array share "[]", their keys unioned.
func paths(prefix string, v any, indexed bool, out map[string]bool) {
	switch x := v.(type) {
	case map[string]any:
		for k, val := range x {
			p := prefix + "." + k
			out[p+":"+kind(val)] = true
			paths(p, val, indexed, out)
		}
	case []any:
		for i, val := range x {
			p := prefix + "[]"
			if indexed {
				p = prefix + "[" + strconv.Itoa(i) + "]"
			}
			out[p+":"+kind(val)] = true
			paths(p, val, indexed, out)
		}
	}
}

func keyPaths(t *testing.T, raw string, indexed bool) []string {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(raw), &v); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, raw)
	}
	set := map[string]bool{}
	paths("", v, indexed, set)
	out := make([]string, 0, len(set))
	for p := range set {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

// The sjson fixtures of the reference (real replies clients parse).
const (
	fixtureAuth  = `{"doc":{"auth":{"$id":"3f1c9a0b6e2d4c8f9a1b2c3d","$level":"16","$":"3f1c9a0b6e2d4c8f9a1b2c3d"}}}`
	fixtureError = `{"doc":{"error":{"$type":"auth","$object":"badpassword","$lang":"en",
  "detail":{"$":"Invalid username or password "},"msg":{"$":"Invalid username or password "},
  "param":[{"$name":"object","$type":"msg","$":"badpassword"},
           {"$name":"value","$":"remote_addr: [85.140.114.49]"}]}}}`
	fixtureAction = `{"doc":{"$lang":"en","$func":"user.suspend","$binary":"/ispmgr","$host":"https://fake-site.com:1500",
 "$themename":"dragon","$features":"ed13","$notify":"","$theme":"/manimg/dragon/","$css":"main.css",
 "$logo":"logo.png","$logolink":"https://fake-site.com","$favicon":"favicon.ico","$localdir":"local_bcb8/",
 "ok":{},"saved_filters":{},
 "tparams":{"elid":{"$":"user0"},"func":{"$":"user.suspend"},"out":{"$":"sjson"}}}}`
	fixtureList = `{"doc":{"$lang":"en","$func":"webdomain","$binary":"/ispmgr",
 "elem":[{"id":{"$":"1"},"name":{"$":"testsite.ru"},"active":{"$":"on"},"owner":{"$":"user0"},
          "database":{"$orig":"db_not_assigned","$":"Not used"},"ipaddr":{"$":"192.168.0.1"},
          "ssl_issued_success":{}}],
 "messages":{"$name":"webdomain","msg":{}},
 "metadata":{"$name":"webdomain","$type":"list","$key":"name","$mgr":"ispmgr","coldata":{"col":[{"$name":"name"}]}},
 "p_cnt":{"$":"1000"},"p_elems":{"$":"5"},"p_num":{"$":"1"},"p_order":{"$":"asc"},"p_sort":{"$":"name"},
 "p_possible_filters":{"filter":[{"$name":"name"}]},"page":[{"$":"1"}],"saved_filters":{},
 "tips":{"tip":{"$":"mbar_pin"}},"tparams":{"func":{"$":"webdomain"},"out":{"$":"sjson"}}}}`
)

// TestReferenceFixtures: the matching calls answer with the same keys and
// nesting as the real replies of the reference. The auth, action and error
// fixtures are complete replies, so their key sets must be equal; the list
// fixture is trimmed, so its keys must be contained.
func TestReferenceFixtures(t *testing.T) {
	e := newEnv(t)
	expectOK(t, e.sjson("ok", "/ispmgr", "func", "user.edit", "sok", "ok", "name", "user0", "passwd", "pw", "preset", "base", "authinfo", root))
	expectOK(t, e.sjson("ok", "/ispmgr", "func", "webdomain.edit", "sok", "ok", "name", "testsite.ru", "owner", "user0", "secure", "on", "authinfo", root))
	for _, tc := range []struct {
		name, fixture, schema string
		exact                 bool
		params                []string
	}{
		{"auth", fixtureAuth, "auth", true, []string{"func", "auth", "username", "vasya", "password", "vasyapass"}},
		{"error", fixtureError, "error", true, []string{"func", "user", "authinfo", "user0:wrong"}},
		{"action", fixtureAction, "ok", true, []string{"elid", "user0", "func", "user.suspend", "authinfo", root}},
		{"list", fixtureList, "list.webdomain", false, []string{"func", "webdomain", "su", "user0", "authinfo", root}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := e.as(t)
			raw := e.get("/ispmgr", append(tc.params, "out", "sjson")...).Body
			e.checkSchema(tc.schema, raw)
			body := string(raw)
			want, got := keyPaths(t, tc.fixture, tc.exact), keyPaths(t, body, tc.exact)
			if tc.exact && !reflect.DeepEqual(want, got) {
				t.Fatalf("keys differ from the real reply\nwant %v\ngot  %v", want, got)
			}
			have := map[string]bool{}
			for _, p := range got {
				have[p] = true
			}
			for _, p := range want {
				if !have[p] {
					t.Errorf("missing %s (have %v)", p, got)
				}
			}
		})
	}
}

// TestErrorXMLShape: the XML error has the vendor document's children in
// its order: params, stack, group, msg.
func TestErrorXMLShape(t *testing.T) {
	e := newEnv(t)
	body := string(e.get("/ispmgr", "out", "xml", "func", "user.edit", "sok", "ok", "name", "vasya", "passwd", "x", "lang", "ru", "authinfo", "admin1:mypasswd").Body)
	want := `<error type="exists" object="user" lang="ru"><param name="object" type="msg" msg="Пользователь">user</param>` +
		`<param name="value">vasya</param><stack><action level="30" user="admin1">user.edit</action></stack>` +
		`<group>__object__ со значением '__value__' уже существует</group><msg>Пользователь со значением 'vasya' уже существует</msg></error>`
	if !strings.Contains(body, want) {
		t.Fatalf("XML error\n got %s\nwant %s", body, want)
	}
}

func TestPagingAndSorting(t *testing.T) {
	e := newEnv(t)
	for _, n := range []string{"a1", "b2", "c3", "d4"} {
		expectOK(t, e.sjson("ok", "/ispmgr", "func", "db.edit", "sok", "ok", "name", n, "owner", "vasya", "password", "pw", "authinfo", root))
	}
	all := []string{"a1", "b2", "c3", "d4", "vasya_wp"}
	for _, tc := range []struct {
		params []string
		want   []string
		num    string
	}{
		{nil, all, "1"},
		{[]string{"p_cnt", "2"}, []string{"a1", "b2"}, "1"},
		{[]string{"p_cnt", "2", "p_num", "3"}, []string{"vasya_wp"}, "3"},
		{[]string{"p_cnt", "2", "p_num", "9"}, []string{"vasya_wp"}, "3"},
		{[]string{"p_sort", "name", "p_order", "desc", "p_cnt", "2"}, []string{"vasya_wp", "d4"}, "1"},
		{[]string{"p_sort", "nonsense"}, all, "1"},
		{[]string{"p_col", "-name", "p_cnt", "1"}, []string{"vasya_wp"}, "1"},
	} {
		doc := e.sjson("list.db", "/ispmgr", append([]string{"func", "db", "authinfo", root}, tc.params...)...)
		if got := names(doc, "name"); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%v: got %v, want %v", tc.params, got, tc.want)
		}
		if str(doc, "p_elems") != "5" || str(doc, "p_num") != tc.num {
			t.Errorf("%v: p_elems %s p_num %s", tc.params, str(doc, "p_elems"), str(doc, "p_num"))
		}
	}
	// xml carries every element regardless of paging, sorted as asked.
	body := string(e.get("/ispmgr", "func", "db", "out", "xml", "p_cnt", "2", "p_order", "desc", "authinfo", root).Body)
	if strings.Count(body, "<elem>") != 5 || strings.Index(body, "vasya_wp") > strings.Index(body, "a1") || strings.Contains(body, "<p_elems>") {
		t.Errorf("xml list should hold all 5 elements, sorted desc, without paging: %s", body)
	}
}
