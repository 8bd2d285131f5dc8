package openapi_test

import (
	"bytes"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/panelsim/panelsim/internal/simtest"
	"github.com/panelsim/panelsim/openapi"
	"github.com/panelsim/panelsim/panelsimtest"
)

// sess is the IMserver session the default scenario opens (the vendor's
// example).
const sess = "1d69a2ca5bbb423245438aabb0723f1f"

// TestEveryBodyIsChecked: the contract checks every parameter a panel
// reads, wherever the client put it: the query, a form body, IMserver's
// json= parameter, a JSON body sent with curl -d's form type or with none,
// mgr5 POST forms; and an IMserver command's own parameters, not the
// gateway's union of all of them.
func TestEveryBodyIsChecked(t *testing.T) {
	c := simtest.Contract(t)
	form := "application/x-www-form-urlencoded"
	for _, tc := range []struct {
		name, method, target, ctype, body string
		want                              string // "" = conforms
	}{
		{"imserver query", "GET", "/api?cmd=get_servers&sess=" + sess + "&id=1", "", "", ""},
		{"imserver query, bad id", "GET", "/api?cmd=get_servers&sess=" + sess + "&id=abc", "", "", `cmd=get_servers: parameter "id"`},
		{"imserver form, bad id", "POST", "/api", form, "cmd=get_servers&sess=" + sess + "&id=abc", `parameter "id"`},
		{"imserver json=, bad cpu", "GET", "/api?cmd=add_server&sess=" + sess + "&json=" + url.QueryEscape(`{"cpu":"lots","ram":2,"hdd_list":[20]}`), "", "", `parameter "cpu"`},
		{"imserver json=", "GET", "/api?cmd=add_server&sess=" + sess + "&json=" + url.QueryEscape(`{"cpu":2,"ram":"2","hdd_list":[20,{"size":"40","type":"hdd"}]}`), "", "", ""},
		{"imserver curl -d JSON, bad disk type", "POST", "/api", form, `{"cmd":"add_server","sess":"` + sess + `","cpu":2,"ram":2,"hdd_list":[{"size":20,"type":"SSD"}]}`, `parameter "hdd_list"`},
		{"imserver JSON without a type", "POST", "/api", "", `{"cmd":"add_server","sess":"` + sess + `","cpu":2,"ram":2,"hdd_list":[{"size":20,"type":"ssd"}]}`, ""},
		{"imserver another command's parameter", "GET", "/api?cmd=get_servers&sess=" + sess + "&serverid=1", "", "", "unknown parameter serverid"},
		{"imserver enum is case-sensitive", "GET", "/api?cmd=get_stats&sess=" + sess + "&id=1&period=Day", "", "", `parameter "period"`},
		{"dci6 curl -d JSON, bad email", "POST", "/api/auth/v4/public/token", form, `{"email":5,"password":"secret"}`, `"/email": value must be a string`},
		{"dci6 JSON without a type", "POST", "/api/auth/v4/public/token", "", `{"email":"admin@example.com","password":"secret"}`, ""},
		{"dbc curl -d JSON, bad node list", "POST", "/api/v1/mining_nodes", form, `{"peer_nodes_list":"node1","additional":{}}`, `"/peer_nodes_list": value must be an array`},
		{"mgr5 POST form, bad ttl", "POST", "/ispmgr", form, "func=domain.record.edit&plid=vasya.example.com&ttl=soon&authinfo=root:secret", `func=domain.record.edit: parameter "ttl"`},
		{"mgr5 limit, a number", "GET", "/ispmgr?func=preset.edit&elid=base&limit_db=12&limit_quota=%2B5&sok=ok&authinfo=root:secret", "", "", ""},
		{"mgr5 limit, not a number", "POST", "/ispmgr", form, "func=user.edit&name=bl&passwd=x&limit_db=many&sok=ok&authinfo=root:secret", `func=user.edit: parameter "limit_db"`},
		{"mgr5 limit, below 0", "GET", "/ispmgr?func=preset.edit&name=p2&limit_cpu=-1&sok=ok&authinfo=root:secret", "", "", `func=preset.edit: parameter "limit_cpu"`},
		{"mgr5 limit, empty is not sent", "GET", "/ispmgr?func=user.add.finish&name=c9&passwd=x&limit_emails=&authinfo=root:secret", "", "", ""},
		{"mgr5 POST text/plain form", "POST", "/manager/ispmgr", "text/plain", "func=domain.record.edit&ttl=3600&authinfo=root:secret", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest(tc.method, tc.target, nil)
			if tc.ctype != "" {
				req.Header.Set("Content-Type", tc.ctype)
			}
			err := c.ValidateRequest(req, []byte(tc.body))
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("a conforming request refused: %v", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Fatalf("want a violation naming %q, got %v", tc.want, err)
			}
		})
	}
}

// TestDispatchedViolationsNameTheParameter: a violation says which
// parameter is at fault and whether it is missing, so each panel answers
// with its own native code for it; an unknown command is the panel's to
// answer, not the contract's.
func TestDispatchedViolationsNameTheParameter(t *testing.T) {
	c := simtest.Contract(t)
	err := c.ValidateRequest(httptest.NewRequest("GET", "/api?cmd=get_account", nil), nil)
	var v *openapi.Violation
	if !errors.As(err, &v) || v.Missing != "sess" || v.Param != "sess" {
		t.Fatalf("missing sess: %#v", err)
	}
	err = c.ValidateRequest(httptest.NewRequest("GET", "/api?cmd=no_such_command&sess="+sess, nil), nil)
	if !errors.Is(err, openapi.ErrNoRoute) {
		t.Fatalf("unknown command: %v", err)
	}
	req := httptest.NewRequest("POST", "/api/auth/v4/public/token", nil)
	err = c.ValidateRequest(req, []byte(`{"email":{"a":1},"password":"x"}`))
	if !errors.As(err, &v) || v.Pointer != "/email" {
		t.Fatalf("bad email: want the pointer /email, got %#v", err)
	}
}

// TestMgr5AnswerPerFormat: out=JSONdata answers are checked against the
// data schema, other JSON formats against the function's own.
func TestMgr5AnswerPerFormat(t *testing.T) {
	c := simtest.Contract(t)
	h := http.Header{"Content-Type": {"application/json"}}
	data := httptest.NewRequest("GET", "/ispmgr?func=user&out=JSONdata", nil)
	if err := c.ValidateResponse(data, nil, 200, h, []byte(`{"doc":{"elem":[{"name":"vasya"}]}}`)); err != nil {
		t.Fatalf("a JSONdata list refused: %v", err)
	}
	if err := c.ValidateResponse(data, nil, 200, h, []byte(`{"doc":{"elem":[{"name":["vasya"]}]}}`)); err == nil {
		t.Fatal("JSONdata with an array value accepted")
	}
	sjson := httptest.NewRequest("GET", "/ispmgr?func=user&out=sjson", nil)
	if err := c.ValidateResponse(sjson, nil, 200, h, []byte(`{"doc":{"elem":[{"name":"vasya"}]}}`)); err == nil {
		t.Fatal("a JSONdata body passed as the sjson answer of func=user")
	}
}

// TestValidateModes: in strict mode a request that breaks its command's
// contract is answered natively and changes nothing; in log mode it is
// logged and served as the panel would serve it.
func TestValidateModes(t *testing.T) {
	body := `{"cmd":"get_servers","sess":"` + sess + `","serverid":1}`
	post := func(base string) *http.Response {
		t.Helper()
		req, _ := http.NewRequest("POST", base+"/api", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded") // what curl -d sends
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { resp.Body.Close() })
		return resp
	}

	strict := panelsimtest.RunT(t)
	resp := post(strict.BaseURL())
	got, _ := io.ReadAll(resp.Body)
	if string(got) != `{"success":false,"data":"0003","login":"petrov"}` {
		t.Errorf("strict: %s", got)
	}
	if reason := resp.Header.Get("X-Panelsim-Reason"); !strings.Contains(reason, "unknown parameter serverid") {
		t.Errorf("strict: reason %q does not name the parameter", reason)
	}

	var logged bytes.Buffer
	lenient := panelsimtest.RunT(t, panelsimtest.WithValidation("log"),
		panelsimtest.WithLogger(slog.New(slog.NewTextHandler(&logged, nil))))
	resp = post(lenient.BaseURL())
	got, _ = io.ReadAll(resp.Body)
	if !strings.HasPrefix(string(got), `{"success":true,`) {
		t.Errorf("log mode: the panel did not serve the request: %s", got)
	}
	if !strings.Contains(logged.String(), "request breaks the contract") || !strings.Contains(logged.String(), "serverid") {
		t.Errorf("log mode: nothing logged: %q", logged.String())
	}

	// Every violation is logged on its own line and journaled with the
	// request, as the proxy journals them.
	logged.Reset()
	body = `{"cmd":"get_servers","sess":"` + sess + `","serverid":1,"zone":2,"id":"abc"}`
	post(lenient.BaseURL())
	if n := strings.Count(logged.String(), "request breaks the contract"); n != 3 {
		t.Errorf("log mode: %d lines logged, want one per violation (3): %s", n, logged.String())
	}
	var entries []struct {
		Violations []struct{ Part string } `json:"violations"`
	}
	simtest.New(t, lenient).Get("/_panelsim/requests?violation=1").Expect(t, 200).Decode(t, &entries)
	var parts []string
	for _, e := range entries {
		for _, v := range e.Violations {
			parts = append(parts, v.Part)
		}
	}
	want := "parameter query serverid,parameter query serverid,parameter query zone,parameter query id"
	if strings.Join(parts, ",") != want {
		t.Errorf("log mode journal: violations %v, want %s", parts, want)
	}
}

// TestSpecsAreServedAsYAMLAndJSON: the control plane serves every spec in
// both forms, and the JSON one is the same document.
func TestSpecsAreServedAsYAMLAndJSON(t *testing.T) {
	c := simtest.New(t, panelsimtest.RunT(t))
	for _, name := range openapi.Names {
		y := c.Get("/_panelsim/openapi/"+name+".yaml").Expect(t, 200)
		want, _ := openapi.File(name)
		if !bytes.Equal(y.Body, want) {
			t.Errorf("%s.yaml: not the shipped file", name)
		}
		j := c.Get("/_panelsim/openapi/"+name+".json").Expect(t, 200)
		doc, err := openapi3.NewLoader().LoadFromData(j.Body)
		if err != nil || doc.Paths.Len() == 0 || j.Header.Get("Content-Type") != "application/json" {
			t.Errorf("%s.json: %v, %s", name, err, j.Header.Get("Content-Type"))
		}
	}
	c.Get("/_panelsim/openapi/dci6.xml").Expect(t, 404)
}

// TestStrictLoginAnswersAsThePanel: DCImanager's login requires email and
// password, and the contract says so; in strict mode a login missing one is
// refused by the contract with exactly the bytes the panel's own check
// answers without validation.
func TestStrictLoginAnswersAsThePanel(t *testing.T) {
	c := simtest.Contract(t)
	strict := panelsimtest.RunT(t)
	off := panelsimtest.RunT(t, panelsimtest.WithValidation("off"))
	for _, tc := range []struct{ body, missing string }{
		{`{"password":"secret"}`, "email"},
		{`{"email":"admin@example.com"}`, "password"},
		{`{}`, "email"},
	} {
		req := httptest.NewRequest("POST", "/api/auth/v4/public/token", nil)
		var v *openapi.Violation
		if err := c.ValidateRequest(req, []byte(tc.body)); !errors.As(err, &v) || v.Missing != tc.missing {
			t.Fatalf("%s: want the contract to find %s missing, got %v", tc.body, tc.missing, err)
		}
		for _, path := range []string{"/api/auth/v4/public/token", "/api/auth/v3/auth"} {
			want, wantStatus := postJSON(t, off.BaseURL()+path, tc.body)
			got, status := postJSON(t, strict.BaseURL()+path, tc.body)
			if got != want || status != wantStatus {
				t.Errorf("%s %s: strict answers %d %s, the panel itself %d %s", path, tc.body, status, got, wantStatus, want)
			}
			if !strings.Contains(want, `"msg":"`+tc.missing+`: is required"`) {
				t.Errorf("%s %s: the panel's own answer changed: %s", path, tc.body, want)
			}
		}
	}
}

func postJSON(t *testing.T, url, body string) (string, int) {
	t.Helper()
	resp, err := http.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b), resp.StatusCode
}
