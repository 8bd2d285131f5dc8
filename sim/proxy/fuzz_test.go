package proxy

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
)

var fuzzTypes = []string{"application/json", "application/x-www-form-urlencoded", "text/xml", "text/html", "", "application/json; charset=utf-8"}

// FuzzMaskBody: any body of any type is masked without a panic; JSON stays
// JSON, and a string under a secret-named key is always a placeholder.
func FuzzMaskBody(f *testing.F) {
	for _, s := range []string{
		`{"email":"a@b.c","password":"secret"}`, `{"doc":{"auth":{"$id":"x","$":"y"}}}`, `[{"token":1},{"token":"t"}]`,
		`cmd=login&loginPassword=superpassword`, `func=auth&authinfo=root:secret&out=xml`, `a=%zz&b`,
		`<doc><auth id="043263c1bdb7" level="30">043263c1bdb7</auth></doc>`, `<?xml version="1.0"?><doc><elem key="k"/></doc>`,
		`<doc><a><b>`, `{"a":`, "\x00\xff", `{"key":{"deep":[["s"]]}}`,
	} {
		for i := range fuzzTypes {
			f.Add(uint8(i), []byte(s))
		}
	}
	f.Fuzz(func(t *testing.T, ct uint8, body []byte) {
		m := NewMasker()
		out := m.Body(fuzzTypes[int(ct)%len(fuzzTypes)], body)
		var in any
		if json.Unmarshal(body, &in) != nil {
			return
		}
		var got any
		if err := json.Unmarshal(out, &got); err != nil {
			t.Fatalf("JSON %q masked into non-JSON %q", body, out)
		}
		checkMasked(t, got, false)
	})
}

func checkMasked(t *testing.T, v any, secret bool) {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			checkMasked(t, e, secret || secretName(k))
		}
	case []any:
		for _, e := range x {
			checkMasked(t, e, secret)
		}
	case string:
		if secret && x != "" && !IsPlaceholder(x) && x != "masked" {
			t.Fatalf("secret %q left in the clear", x)
		}
	}
}

// FuzzCompare: any pair of bodies compares without a panic, and a body
// always has its own shape.
func FuzzCompare(f *testing.F) {
	f.Add([]byte(`{"a":[1,{"b":null}]}`), []byte(`{"a":"x"}`))
	f.Add([]byte(`<doc><a b="1"/></doc>`), []byte(`<doc/>`))
	f.Add([]byte(`plain`), []byte(`{}`))
	f.Fuzz(func(t *testing.T, rec, got []byte) {
		h := http.Header{"Content-Type": {"application/json"}}
		compare(Message{Status: 200, Header: h, Body: string(rec)}, 200, h, got)
		msg := Message{Status: 200, Header: h}
		msg.setBody(rec)
		if d := compare(msg, 200, h, rec); len(d) != 0 && !strings.Contains(string(rec), "\x00") {
			t.Fatalf("%q differs from itself: %v", rec, d)
		}
	})
}

func TestMaskerKeepsPlaceholdersStableAndLongestFirst(t *testing.T) {
	m := NewMasker()
	body := m.Body("application/json", []byte(`{"token":"abcdef","session":"abcdef123"}`))
	if string(body) != `{"session":"masked-2","token":"masked-1"}` && string(body) != `{"session":"masked-1","token":"masked-2"}` {
		t.Fatalf("masked %s", body)
	}
	tok := m.placeholder("abcdef")
	long := m.placeholder("abcdef123")
	if got := m.Known("/x/abcdef123/y/abcdef"); got != "/x/"+long+"/y/"+tok {
		t.Errorf("known: %s", got)
	}
	h := m.Header(http.Header{"Cookie": {"ses6=abcdef; lang=en"}, "Set-Cookie": {"ses6=abcdef; Path=/; HttpOnly"}, "Authorization": {"Bearer abcdef123"}, "Accept": {"*/*"}})
	if h.Get("Cookie") != "ses6="+tok+"; lang="+m.placeholder("en") || h.Get("Set-Cookie") != "ses6="+tok+"; Path=/; HttpOnly" || h.Get("Authorization") != "Bearer "+long || h.Get("Accept") != "*/*" {
		t.Errorf("headers %v", h)
	}
	if q := m.Query("func=auth&authinfo=root%3Asecret&sess=abcdef&x=abcdef"); q != "func=auth&authinfo="+m.placeholder("root:secret")+"&sess="+tok+"&x="+tok {
		t.Errorf("query %s", q)
	}
	x := string(m.Body("text/xml", []byte(`<doc><auth id="abcdef" level="30">abcdef</auth><elem><name>n</name></elem></doc>`)))
	if x != `<doc><auth id="`+tok+`" level="`+m.placeholder("30")+`">`+tok+`</auth><elem><name>n</name></elem></doc>` {
		t.Errorf("xml %s", x)
	}
	for i := range maxKnown + 10 {
		m.placeholder(strings.Repeat("z", 6) + fmt.Sprint(i))
	}
	if len(m.secrets) != maxKnown {
		t.Errorf("%d secrets looked for in free text, want %d", len(m.secrets), maxKnown)
	}
}
