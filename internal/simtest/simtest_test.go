package simtest

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
)

// recorder is a testing.TB that keeps the errors it is given.
type recorder struct {
	testing.TB
	errs []string
}

func (r *recorder) Helper() {}

func (r *recorder) Errorf(format string, args ...any) {
	r.errs = append(r.errs, fmt.Sprintf(format, args...))
}

// TestAnswerIsCheckedByItsPanel: an answer is checked against the spec of
// the panel whose route serves the request, so a 404 passes unchecked only
// where no panel serves the path, and a panel's answer that breaks its own
// spec fails (IMserver's /api/... catch-all does not stand in for DBC's or
// DCImanager's paths).
func TestAnswerIsCheckedByItsPanel(t *testing.T) {
	json := http.Header{"Content-Type": {"application/json"}}
	for _, tc := range []struct {
		name, method, path string
		status             int
		body               string
		fails              bool
	}{
		{"no panel serves it, 404", "GET", "/no/such/path", 404, `{"error":"no panel serves GET /no/such/path"}`, false},
		{"no panel serves it, in a world", "GET", "/_w/w1/no/such/path", 404, `{"error":"x"}`, false},
		{"DBC serves it, a foreign 404", "POST", "/api/v1/mining_nodes", 404, `{"error":"x"}`, true},
		{"DBC serves it, a foreign 200", "POST", "/api/v1/mining_nodes", 200, `[1]`, true},
		{"DCImanager serves it, a foreign 404", "GET", "/api/dci/v3/server", 404, `{"error":"x"}`, true},
		{"IMserver's catch-all serves it, a foreign 404", "GET", "/api/whatever", 404, `{"error":"x"}`, true},
		{"IMserver serves it, a foreign 200", "GET", "/api?cmd=get_account&sess=x", 200, `[1]`, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := &recorder{TB: t}
			req := httptest.NewRequest(tc.method, tc.path, nil)
			CheckAnswer(rec, Contract(t), req, nil, &Response{Status: tc.status, Header: json, Body: []byte(tc.body)})
			if got := len(rec.errs) > 0; got != tc.fails {
				t.Fatalf("fails = %v, want %v: %v", got, tc.fails, rec.errs)
			}
		})
	}
}
