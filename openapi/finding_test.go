package openapi

import (
	"net/http"
	"net/http/httptest"
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
