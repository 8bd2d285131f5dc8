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
