package dbc

import (
	"encoding/json"
	"testing"
)

// FuzzStringValue holds stringValue to json.Unmarshal on every valid JSON
// value: the same string for a string, a refusal for anything else.
func FuzzStringValue(f *testing.F) {
	for _, s := range []string{`"5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY"`, `""`, `"a\"b"`, `"\u00e9"`, `"é"`, "\"\xff\"", `"\ud800"`, ` "x" `, `1`, `null`, `["x"]`, `{"a":"b"}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		if !json.Valid(raw) {
			return // members of a checked document only
		}
		var want string
		werr := json.Unmarshal(raw, &want)
		wantOK := werr == nil && jsonKind(raw) == '"'
		got, ok := stringValue(raw)
		if ok != wantOK || (ok && got != want) {
			t.Fatalf("stringValue(%q) = %q, %v; json.Unmarshal gives %q, %v", raw, got, ok, want, wantOK)
		}
	})
}

// FuzzObjectMembers holds ParseObject's split of a valid object to
// json.Unmarshal into a map[string]json.RawMessage: the same names, each
// with the same bytes.
func FuzzObjectMembers(f *testing.F) {
	for _, s := range []string{`{}`, ` { "a" : 1 , "b":[1,{"c":"}"}], "a":"x\"y" } `, `{"\u0061":null,"\ud800":true,"é":-1.5e3}`, "{\"\xff\":{}}", `{"a":"\\","b":{"c":[]}}`, `[1]`, `"s"`, `{"a":1`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		if jsonKind(body) != '{' || !json.Valid(body) {
			return
		}
		var want map[string]json.RawMessage
		if err := json.Unmarshal(body, &want); err != nil {
			t.Fatalf("Unmarshal(%q): %v", body, err)
		}
		got := objectMembers(body)
		if len(got) != len(want) {
			t.Fatalf("objectMembers(%q) = %q; Unmarshal gives %q", body, got, want)
		}
		for k, v := range want {
			if g, ok := got[k]; !ok || string(g) != string(v) {
				t.Fatalf("objectMembers(%q)[%q] = %q, %v; Unmarshal gives %q", body, k, g, ok, v)
			}
		}
	})
}
