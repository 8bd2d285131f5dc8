package openapi

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

func TestFindingsPointAtTheDrift(t *testing.T) {
	c, err := Load(Source{Name: "dci6"})
	if err != nil {
		t.Fatal(err)
	}
	req := httptest.NewRequest("POST", "/api/auth/v4/public/token", nil)
	req.Header.Set("Content-Type", "application/json")
	h := http.Header{"Content-Type": {"application/json"}}
	cases := []struct {
		name   string
		status int
		body   string
		want   Finding
	}{
		{"renamed field", 201, `{"confirmed":true,"id":"1","session":"t"}`,
			Finding{In: "response", Part: "body", Pointer: "/session", Expected: "no such property", Actual: `property "session"`}},
		{"missing field", 201, `{"confirmed":true,"id":"1"}`,
			Finding{In: "response", Part: "body", Pointer: "/token", Expected: `property "token"`, Actual: "missing"}},
		{"changed type", 201, `{"confirmed":true,"id":1,"token":"t"}`,
			Finding{In: "response", Part: "body", Pointer: "/id", Expected: "type string", Actual: "1"}},
		{"extra field", 201, `{"confirmed":true,"id":"1","token":"t","ttl":5}`,
			Finding{In: "response", Part: "body", Pointer: "/ttl", Expected: "no such property", Actual: `property "ttl"`}},
		{"changed envelope", 401, `{"code":1,"message":"no"}`,
			Finding{In: "response", Part: "body", Pointer: "/code", Expected: "no such property", Actual: `property "code"`}},
		{"nested type", 401, `{"error":{"code":"1","msg":"no"}}`,
			Finding{In: "response", Part: "body", Pointer: "/error/code", Expected: "type integer", Actual: `"1"`}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			vs := Findings("response", c.ValidateResponse(req, []byte(`{}`), tc.status, h, []byte(tc.body)))
			if len(vs) == 0 {
				t.Fatal("no violation")
			}
			got := vs[0]
			got.Message = ""
			if got != tc.want {
				t.Errorf("got %+v\nwant %+v\n(%s)", got, tc.want, vs[0])
			}
		})
	}
	if vs := Findings("response", c.ValidateResponse(req, nil, 201, h, []byte(`{"confirmed":true,"id":"1","token":"t"}`))); vs != nil {
		t.Errorf("a good answer has violations: %v", vs)
	}
	other := httptest.NewRequest("GET", "/nowhere", nil)
	if vs := Findings("request", c.ValidateRequest(other, nil)); len(vs) != 1 || vs[0].Part != "route" {
		t.Errorf("unknown route: %+v", vs)
	}
}

// TestFindingsListEveryViolation: a message with several violations gives
// one finding per violation, each with its own part and pointer, while the
// error itself stays the first violation (what strict mode answers).
func TestFindingsListEveryViolation(t *testing.T) {
	c, err := Load(Source{Name: "dci6"})
	if err != nil {
		t.Fatal(err)
	}
	req := httptest.NewRequest("POST", "/api/auth/v4/public/token", nil)
	req.Header.Set("Content-Type", "application/json")
	h := http.Header{"Content-Type": {"application/json"}}
	err = c.ValidateResponse(req, nil, 201, h, []byte(`{"confirmed":"yes","id":1,"session":"t"}`))
	if err == nil || !strings.Contains(err.Error(), `"/confirmed"`) || strings.Contains(err.Error(), "/id") {
		t.Fatalf("the error is not the first violation alone: %v", err)
	}
	want := []string{
		"body /confirmed type boolean",
		"body /id type string",
		"body /session no such property",
		"body /token property \"token\"",
	}
	if got := places(Findings("response", err)); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("findings:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	req = httptest.NewRequest("POST", "/api/dci/v3/server/1/operation_os", nil)
	req.Header.Set("Content-Type", "application/json")
	err = c.ValidateRequest(req, []byte(`{"os_template_id":"one","password":7}`))
	want = []string{"body /os_template_id type integer", "body /password type string"}
	if got := places(Findings("request", err)); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("request findings:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestFindingsOfADispatchedRequest: unknown parameters are each a finding,
// and a declared parameter's bad value is reported with them.
func TestFindingsOfADispatchedRequest(t *testing.T) {
	byQuery := &Dispatch{Read: func(r *http.Request, _ []byte) (string, url.Values, error) {
		return r.URL.Query().Get("cmd"), r.URL.Query(), nil
	}}
	c, err := Load(Source{Name: "imserver", Dispatch: byQuery})
	if err != nil {
		t.Fatal(err)
	}
	req := httptest.NewRequest("GET", "/api?cmd=get_servers&sess=s&id=abc&serverid=1&zone=2", nil)
	err = c.ValidateRequest(req, nil)
	if err == nil || err.Error() != "cmd=get_servers: unknown parameter serverid, zone" {
		t.Fatalf("the error is not the unknown parameters: %v", err)
	}
	want := []string{"parameter query serverid -", "parameter query zone -", "parameter query id -"}
	if got := places(Findings("request", err)); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("findings:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// places are findings as "part pointer expected", one a line.
func places(vs []Finding) []string {
	var out []string
	for _, v := range vs {
		where := v.Part
		if v.Pointer != "" {
			where += " " + v.Pointer
		}
		out = append(out, where+" "+orDash(v.Expected))
	}
	return out
}
