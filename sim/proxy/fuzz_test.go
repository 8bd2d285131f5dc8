package proxy

import (
	"encoding/json"
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
