package dci6_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/panelsim/panelsim/internal/simtest"
	"github.com/panelsim/panelsim/panelsimtest"
	"github.com/panelsim/panelsim/scenarios"
	"github.com/panelsim/panelsim/state"
)

// formType is what curl -d sends when no Content-Type is given.
const formType = "application/x-www-form-urlencoded"

func start(t testing.TB, opts ...panelsimtest.Option) (*panelsimtest.Server, *simtest.Client) {
	t.Helper()
	srv := panelsimtest.RunT(t, opts...)
	return srv, simtest.New(t, srv)
}

func login(t testing.TB, c *simtest.Client, email string) string {
	t.Helper()
	r := c.Do(http.MethodPost, "/api/auth/v4/public/token", []byte(`{"email":"`+email+`","password":"secret"}`), "Content-Type", formType)
	r.Expect(t, http.StatusCreated)
	tok, _ := r.Map(t)["token"].(string)
	if tok == "" {
		t.Fatalf("no token in %s", r.Body)
	}
	return tok
}

// curl sends a request the way the seeds' curl examples do: the body with
// curl's default form type, and the token in the cookie and x-xsrf-token.
func curl(c *simtest.Client, method, path, body, token string) *simtest.Response {
	h := []string{"Isp-Box-Instance", "true"}
	if token != "" {
		h = append(h, "Cookie", "ses6="+token, "X-Xsrf-Token", token)
	}
	if body != "" {
		h = append(h, "Content-Type", formType)
	}
	return c.Do(method, path, []byte(body), h...)
}

// envelope reads a DCI error answer.
func envelope(t *testing.T, r *simtest.Response) (int, string) {
	t.Helper()
	var e struct {
		Error struct {
			Code int    `json:"code"`
			Msg  string `json:"msg"`
		} `json:"error"`
	}
	r.Decode(t, &e)
	return e.Error.Code, e.Error.Msg
}

func expectError(t *testing.T, r *simtest.Response, status, code int) {
	t.Helper()
	r.Expect(t, status)
	if got, msg := envelope(t, r); got != code {
		t.Fatalf("error code %d (%s), want %d", got, msg, code)
	}
}

// transcript collects answers for one golden file.
type transcript []map[string]any

func (tr *transcript) add(step string, r *simtest.Response) {
	var body any = string(r.Body)
	if json.Valid(r.Body) {
		body = json.RawMessage(r.Body)
	}
	*tr = append(*tr, map[string]any{"step": step, "status": r.Status, "body": body})
}

func (tr transcript) golden(t *testing.T, name string) {
	t.Helper()
	b, err := json.Marshal(tr)
	if err != nil {
		t.Fatal(err)
	}
	simtest.Golden(t, name, b)
}

// The literal tokens and key of the vendor seeds' examples, open in the
// default scenario.
const (
	docToken    = "E6900A56BE7DF0FB28ED7BE7"                // the examples document, admin
	authToken   = "24-cee181d2-ccaa-4b64-a229-234aa7a25db6" // the auth page's login answer, admin
	fixedToken  = "4-e9726dd9-61d9-2940-add3-914851d2cb8a"  // the auth page's token/token_ttl examples, admin
	retryToken  = "6BA7C69DCB7DF4DACFFC7E56"                // the 503 retry recipe, admin
	docLoginKey = "4-74e7c0e9-a5ff-4f52-a2ac-ed03c6ed1e21"  // the key example, client@example.com
)

// TestSeedCurlExamples runs every curl example of the two vendor seeds as
// written (host aside; placeholders filled with real ids), with their
// literal tokens and key, in an order that makes each meaningful, and pins
// every answer.
func TestSeedCurlExamples(t *testing.T) {
	srv, c := start(t)
	var tr transcript
	step := func(name string, want int, r *simtest.Response) *simtest.Response {
		t.Helper()
		tr.add(name, r)
		return r.Expect(t, want)
	}
	// General: login by password.
	step("login", 201, c.Do("POST", "/api/auth/v4/public/token", []byte(`{"email": "admin@example.com", "password": "secret"}`), "Content-Type", formType))
	admin := docToken
	step("configuration", 200, curl(c, "GET", "/api/dci/v3/server/configuration", "", admin))
	step("server list", 200, curl(c, "GET", "/api/dci/v3/server", "", admin))
	step("server by id", 200, curl(c, "GET", "/api/dci/v3/server/2", "", admin))
	step("user list", 200, curl(c, "GET", "/api/dci/v3/user", "", admin))
	// As written, the example re-adds admin@example.com with role "level".
	step("user create as written", 400, curl(c, "POST", "/api/dci/v3/user", `{"email":"admin@example.com","full_name":"name","password":"pass","phone_number":"phone","role":"level"}`, admin))
	step("user create", 200, curl(c, "POST", "/api/dci/v3/user", `{"email":"user3@example.com","full_name":"name","password":"pass","phone_number":"phone","role":"@user"}`, admin))
	step("owner set", 200, curl(c, "POST", "/api/dci/v3/server/3/owner", `{"owner":3}`, admin))
	step("owner release", 200, curl(c, "DELETE", "/api/dci/v3/server/3/owner", "", admin))
	step("suspend", 200, curl(c, "POST", "/api/dci/v3/server/4/suspend", `{}`, admin))
	srv.Advance(5 * time.Second)
	step("resume", 200, curl(c, "POST", "/api/dci/v3/server/4/resume", `{}`, admin))
	srv.Advance(5 * time.Second)
	for _, action := range []string{"power_off", "power_on", "power_reset"} {
		step(action, 200, curl(c, "POST", "/api/dci/v3/server/4/"+action, `{}`, admin))
		srv.Advance(10 * time.Second)
	}
	step("ip list", 200, curl(c, "GET", "/api/dci/v3/ip", "", admin))
	step("server ip list", 200, curl(c, "GET", "/api/dci/v3/server/1/ip", "", admin))
	step("ipnet list", 200, curl(c, "GET", "/api/ip/v3/ipnet", "", admin))
	step("ippool list", 200, curl(c, "GET", "/api/ip/v3/ippool", "", admin))
	step("ip add", 200, curl(c, "POST", "/api/dci/v3/server/4/ip", `{"domain":"s4.example.com","family":"ipv4","ip_name":"203.0.113.77","ip_net":1,"ip_pool":1,"set_as_main_ipv4":true,"userspace":1}`, admin))
	srv.Advance(3 * time.Second)
	ip := step("server ip after add", 200, curl(c, "GET", "/api/dci/v3/server/4/ip", "", admin))
	var ips struct {
		List []struct{ ID int64 } `json:"list"`
	}
	ip.Decode(t, &ips)
	step("ip remove", 200, curl(c, "POST", fmt.Sprintf("/api/dci/v3/server/4/ip/%d", ips.List[0].ID), `{}`, admin))
	srv.Advance(3 * time.Second)
	step("diag", 200, curl(c, "POST", "/api/dci/v3/server/5/operation_diag", `{"setup_ipmi":false,"ipmi_pool":0,"os_template_id":0,"clear_hdd":"none"}`, admin))
	srv.Advance(10 * time.Minute)
	step("clear hdd", 200, curl(c, "POST", "/api/dci/v3/server/5/operation_clear_hdd", `{"clear_hdd":"none"}`, admin))
	srv.Advance(2 * time.Minute)
	step("os install", 200, curl(c, "POST", "/api/dci/v3/server/5/operation_os", `{"hdd_raid":"raid_1","os_template_id":1,"password":"pass","ssh_pub_keys":["ssh-ed25519 AAAAC3Nza example"]}`, admin))
	srv.Advance(15 * time.Minute)
	step("server after os install", 200, curl(c, "GET", "/api/dci/v3/server/5", "", admin))
	step("boot order", 200, curl(c, "POST", "/api/dci/v3/setting/operation_change_boot_order", `{"value": "true"}`, authToken))
	// General: a token with a fixed expiry, sent with x-xsrf-token only.
	step("token", 201, c.Do("POST", "/auth/v4/token", []byte(`{"expires_at": "2030-01-31 00:00:00", "description": "Token for integration"}`), "Content-Type", formType, "X-Xsrf-Token", fixedToken))
	step("token ttl", 200, c.Do("POST", "/auth/v4/setting/token_ttl", []byte(`{"value": "999"}`), "Content-Type", formType, "X-Xsrf-Token", fixedToken, "Cookie", "ses6="+fixedToken))
	step("key create", 201, c.Do("POST", "/api/auth/v4/user/client@example.com/key", []byte(`{}`), "Content-Type", formType, "X-Xsrf-Token", authToken, "Isp-Box-Instance", "true"))
	client := step("key login", 201, c.Do("POST", "/api/auth/v4/public/key", []byte(`{"key": "`+docLoginKey+`"}`), "Content-Type", formType, "Isp-Box-Instance", "true")).Map(t)["token"].(string)
	step("key login again", 401, c.Do("POST", "/api/auth/v4/public/key", []byte(`{"key": "`+docLoginKey+`"}`), "Content-Type", formType, "Isp-Box-Instance", "true"))
	step("client boot order as user", 403, curl(c, "POST", "/api/dci/v3/setting/operation_change_boot_order", `{"value": "true"}`, client))
	key2 := step("key create for link", 201, c.Do("POST", "/api/auth/v4/user/client%40example.com/key", []byte(`{}`), "Content-Type", formType, "X-Xsrf-Token", authToken)).Map(t)["key"].(string)
	link := step("key link", 302, c.Get("/auth/key-v4/"+key2))
	cookie := link.Header.Get("Set-Cookie")
	if !strings.HasPrefix(cookie, "ses6=2-") || link.Header.Get("Location") != "/" {
		t.Fatalf("key link: cookie %q location %q", cookie, link.Header.Get("Location"))
	}
	tok := strings.TrimPrefix(strings.SplitN(cookie, ";", 2)[0], "ses6=")
	step("server list by cookie", 200, c.Get("/api/dci/v3/server", "Cookie", "ses6="+tok))
	step("bad login", 401, c.Do("POST", "/api/auth/v4/public/token", []byte(`{"email": "admin@example.com", "password": "nope"}`), "Content-Type", formType))
	step("retry recipe", 200, c.Get("/api/dci/v3/server/2", "X-Xsrf-Token", retryToken, "Isp-Box-Instance", "true", "Cookie", "ses6="+retryToken))
	tr.golden(t, "seed_curls.json")
}

func TestTokenCarriers(t *testing.T) {
	srv, c := start(t)
	tok := login(t, c, "client@example.com")
	for name, h := range map[string][]string{
		"x-xsrf-token": {"X-Xsrf-Token", tok},
		"ISP-Session":  {"Isp-Session", tok},
		"ses6 cookie":  {"Cookie", "ses6=" + tok},
		"all three":    {"X-Xsrf-Token", tok, "Isp-Session", tok, "Cookie", "ses6=" + tok},
	} {
		t.Run(name, func(t *testing.T) { c.Get("/dci/v3/server", h...).Expect(t, 200) })
	}
	// The seeded example tokens live like any other: an idle hour ends them.
	c.Get("/api/dci/v3/server", "Cookie", "ses6="+docToken).Expect(t, 200)
	srv.Advance(61 * time.Minute)
	for name, h := range map[string][]string{
		"none":                     nil,
		"unknown":                  {"X-Xsrf-Token", "1-00000000-0000-4000-8000-000000000000"},
		"doc's after an idle hour": {"Cookie", "ses6=" + docToken},
	} {
		t.Run("refused "+name, func(t *testing.T) {
			r := c.Get("/api/dci/v3/server", h...)
			r.Expect(t, 401)
			if string(r.Body) != `{"error":{"code":3001,"msg":"Unauthorized"}}`+"\n" {
				t.Fatalf("body %q", r.Body)
			}
		})
	}
}

func TestTokenIdleExpiryOverHTTP(t *testing.T) {
	srv, c := start(t)
	tok := login(t, c, "admin@example.com")
	srv.Advance(59 * time.Minute)
	c.Get("/api/dci/v3/server/1", "X-Xsrf-Token", tok).Expect(t, 200)
	srv.Advance(61 * time.Minute)
	expectError(t, c.Get("/api/dci/v3/server/1", "X-Xsrf-Token", tok), 401, 3001)

	tok = login(t, c, "admin@example.com")
	c.JSON("POST", "/api/auth/v4/setting/token_ttl", `{"value":"180"}`, "X-Xsrf-Token", tok).Expect(t, 200)
	srv.Advance(179 * time.Minute)
	c.Get("/api/dci/v3/server/1", "X-Xsrf-Token", tok).Expect(t, 200)
	srv.Advance(181 * time.Minute)
	expectError(t, c.Get("/api/dci/v3/server/1", "X-Xsrf-Token", tok), 401, 3001)
	tok = login(t, c, "admin@example.com")
	expectError(t, c.JSON("POST", "/api/auth/v4/setting/token_ttl", `{"value":"soon"}`, "X-Xsrf-Token", tok), 400, 1001)
}

func TestLogout(t *testing.T) {
	_, c := start(t)
	tok := login(t, c, "client@example.com")
	other := login(t, c, "admin@example.com")
	expectError(t, c.Do("DELETE", "/auth/v4/token/"+other, nil, "X-Xsrf-Token", tok), 404, 3080)
	c.Do("DELETE", "/auth/v4/token/"+tok, nil, "X-Xsrf-Token", tok).Expect(t, 200)
	expectError(t, c.Get("/dci/v3/server", "X-Xsrf-Token", tok), 401, 3001)
	c.Get("/dci/v3/server", "X-Xsrf-Token", other).Expect(t, 200)
}

// TestRoles checks what a @user may and may not do, against an admin.
func TestRoles(t *testing.T) {
	_, c := start(t)
	user := login(t, c, "client@example.com")
	admin := login(t, c, "admin@example.com")
	cases := []struct {
		method, path, body string
		user, admin        int
	}{
		{"GET", "/api/dci/v3/server/1", "", 200, 200},
		{"GET", "/api/dci/v3/server/3", "", 404, 200},
		{"GET", "/api/dci/v3/server/1/ip", "", 200, 200},
		{"GET", "/api/dci/v3/server/3/ip", "", 404, 200},
		{"GET", "/api/dci/v3/os_template", "", 200, 200},
		{"GET", "/api/dci/v3/task", "", 200, 200},
		{"GET", "/api/dci/v3/ip", "", 200, 200},
		{"GET", "/api/dci/v3/server/configuration", "", 403, 200},
		{"GET", "/api/dci/v3/user", "", 403, 200},
		{"GET", "/api/ip/v3/ipnet", "", 403, 200},
		{"GET", "/api/ip/v3/ippool", "", 403, 200},
		{"GET", "/api/ip/v3/ip", "", 403, 200},
		{"POST", "/api/dci/v3/server/1/suspend", "{}", 403, 200},
		{"POST", "/api/dci/v3/server/1/owner", `{"owner":2}`, 403, 200},
		{"POST", "/api/dci/v3/server/2/ip", `{}`, 403, 200},
		{"POST", "/api/dci/v3/server/6/operation_diag", `{}`, 403, 200},
		{"POST", "/api/dci/v3/server/7/operation_clear_hdd", `{"clear_hdd":"simple"}`, 403, 200},
		{"POST", "/api/dci/v3/user", `{"email":"x@example.com","password":"p"}`, 403, 200},
		{"POST", "/api/auth/v4/user/client@example.com/key", `{}`, 403, 201},
		{"POST", "/api/dci/v3/server/27/power_off", "{}", 200, 409},
		{"POST", "/api/dci/v3/server/2/operation_os", `{"os_template_id":1}`, 200, 409},
		{"POST", "/api/dci/v3/server/8/power_off", "{}", 404, 200},
	}
	for _, tc := range cases {
		t.Run(tc.method+" "+tc.path, func(t *testing.T) {
			r := c.JSON(tc.method, tc.path, tc.body, "X-Xsrf-Token", user)
			r.Expect(t, tc.user)
			if tc.user == 403 {
				expectError(t, r, 403, 3003)
			}
			if tc.user == 404 {
				expectError(t, r, 404, 3080)
			}
			c.JSON(tc.method, tc.path, tc.body, "X-Xsrf-Token", admin).Expect(t, tc.admin)
		})
	}
	var list struct {
		Size int `json:"size"`
		List []struct {
			OwnerEmail string `json:"owner_email"`
		} `json:"list"`
	}
	c.Get("/api/dci/v3/server", "X-Xsrf-Token", user).Decode(t, &list)
	if list.Size != 3 {
		t.Fatalf("user sees %d servers", list.Size)
	}
	for _, s := range list.List {
		if s.OwnerEmail != "client@example.com" {
			t.Fatalf("user sees a server of %q", s.OwnerEmail)
		}
	}
}

func TestNativeErrors(t *testing.T) {
	_, c := start(t)
	tok := login(t, c, "admin@example.com")
	cases := []struct {
		name, method, path, ctype, body string
		status, code                    int
		msgHas                          string
	}{
		{"unknown dci route", "GET", "/api/dci/v3/nothing", "", "", 404, 1106, ""},
		{"unknown route no prefix", "GET", "/dci/v3/server/1/nothing", "", "", 404, 1106, ""},
		{"unknown auth route", "POST", "/auth/v4/nothing", "", "", 404, 1106, ""},
		{"unknown ip route", "GET", "/api/ip/v3/nothing", "", "", 404, 1106, ""},
		{"wrong method", "PUT", "/api/dci/v3/server/1", "", "", 404, 1106, ""},
		{"unknown server", "GET", "/api/dci/v3/server/999", "", "", 404, 3080, ""},
		{"non-numeric server", "GET", "/api/dci/v3/server/abc", "", "", 404, 3080, ""},
		{"unknown task", "GET", "/api/dci/v3/task/999", "", "", 404, 3080, ""},
		{"not json", "POST", "/api/dci/v3/server/1/owner", formType, "owner=2", 400, 1001, "body"},
		{"wrong type", "POST", "/api/dci/v3/server/1/owner", formType, `{"owner":"two"}`, 400, 1001, "owner"},
		{"wrong type json", "POST", "/api/dci/v3/server/1/owner", "application/json", `{"owner":"two"}`, 400, 1001, "owner"},
		{"missing owner", "POST", "/api/dci/v3/server/1/owner", formType, `{}`, 400, 1001, "owner"},
		{"bad raid", "POST", "/api/dci/v3/server/3/operation_os", formType, `{"hdd_raid":"raid","os_template_id":1}`, 400, 1001, "hdd_raid"},
		{"unknown template", "POST", "/api/dci/v3/server/3/operation_os", formType, `{"os_template_id":42}`, 400, 1001, "os_template_id"},
		{"ssh keys type", "POST", "/api/dci/v3/server/3/operation_os", formType, `{"os_template_id":1,"ssh_pub_keys":"k"}`, 400, 1001, "ssh_pub_keys"},
		{"bad clear_hdd", "POST", "/api/dci/v3/server/3/operation_clear_hdd", formType, `{"clear_hdd":"deep"}`, 400, 1001, "clear_hdd"},
		{"ip taken", "POST", "/api/dci/v3/server/3/ip", formType, `{"ip_name":"203.0.113.2"}`, 409, 1301, ""},
		{"ip wrong family", "POST", "/api/dci/v3/server/3/ip", formType, `{"family":"ipv6","ip_net":1}`, 400, 1303, ""},
		{"bad where", "GET", "/api/dci/v3/server?where=nosuch+EQ+1", "", "", 400, 1001, "nosuch"},
		{"bad limit", "GET", "/api/dci/v3/server?limit=x", "", "", 400, 1001, "limit"},
		{"duplicate email", "POST", "/api/dci/v3/user", formType, `{"email":"client@example.com","password":"p"}`, 409, 1401, ""},
		{"bad role", "POST", "/api/dci/v3/user", formType, `{"email":"n@example.com","password":"p","role":"root"}`, 400, 1001, "role"},
		{"bad expires_at", "POST", "/api/auth/v4/token", formType, `{"expires_at":"tomorrow"}`, 400, 1001, "expires_at"},
		{"unknown key user", "POST", "/api/auth/v4/user/ghost@example.com/key", formType, `{}`, 404, 3080, ""},
		{"bad key", "POST", "/api/auth/v4/public/key", formType, `{"key":"1-nope"}`, 401, 3005, ""},
		{"login without password", "POST", "/api/auth/v4/public/token", formType, `{"email":"a@b"}`, 400, 1001, "password"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := []string{"X-Xsrf-Token", tok}
			if tc.ctype != "" {
				h = append(h, "Content-Type", tc.ctype)
			}
			r := c.Do(tc.method, tc.path, []byte(tc.body), h...)
			expectError(t, r, tc.status, tc.code)
			if _, msg := envelope(t, r); !strings.Contains(msg, tc.msgHas) {
				t.Fatalf("message %q does not name %q", msg, tc.msgHas)
			}
		})
	}
}

// TestUnservedPlatformServices: eservice, ipmiproxy and ldap are the
// platform's services too (the doc's service list), so their paths answer
// DCI's "handler not found", not another panel's envelope.
func TestUnservedPlatformServices(t *testing.T) {
	_, c := start(t)
	tok := login(t, c, "admin@example.com")
	for _, p := range []string{"/eservice/v3/nothing", "/ipmiproxy/v3/ipmi/1/session", "/ldap/v4/server", "/eservice", "/ldap/v4"} {
		for _, path := range []string{"/api" + p, p} {
			for _, m := range []string{"GET", "POST"} {
				r := c.Do(m, path, []byte(`{}`), "X-Xsrf-Token", tok)
				expectError(t, r, 404, 1106)
			}
		}
	}
}

// TestOSInstallFailTask arms a fail_task fault for the OS install route and
// follows the failure to the task and the server.
func TestOSInstallFailTask(t *testing.T) {
	srv, c := start(t)
	tok := login(t, c, "admin@example.com")
	err := srv.SetFaults(state.FaultRule{Name: "partitioning-breaks", Panel: "dci6",
		Match:  state.FaultMatch{Route: "/api/dci/v3/server/:id/operation_os"},
		Action: state.FaultAction{FailTask: &state.FailTaskSpec{Step: "partitioning", Code: "5001", Msg: "Disk partitioning failed"}}})
	if err != nil {
		t.Fatal(err)
	}
	var ref struct{ ID, Task int64 }
	c.JSON("POST", "/dci/v3/server/6/operation_os", `{"os_template_id":2}`, "X-Xsrf-Token", tok).Expect(t, 200).Decode(t, &ref)
	srv.Advance(4 * time.Minute)
	mid := c.Get("/api/dci/v3/server/6", "X-Xsrf-Token", tok).Expect(t, 200)
	srv.Advance(11 * time.Minute)
	task := c.Get(fmt.Sprintf("/api/dci/v3/task/%d", ref.Task), "X-Xsrf-Token", tok).Expect(t, 200)
	after := c.Get("/api/dci/v3/server/6", "X-Xsrf-Token", tok).Expect(t, 200)
	polled := c.Get(fmt.Sprintf("/api/dci/v3/task?where=consul_id+EQ+%d", ref.Task), "X-Xsrf-Token", tok).Expect(t, 200)
	var tr transcript
	tr.add("server at 4m", mid)
	tr.add("task", task)
	tr.add("server after", after)
	tr.add("task poll", polled)
	tr.golden(t, "os_install_fail.json")
	var s struct {
		Operation struct {
			Status     string         `json:"status"`
			StatusInfo map[string]any `json:"status_info"`
		} `json:"operation"`
	}
	after.Decode(t, &s)
	if s.Operation.Status != "fail" || s.Operation.StatusInfo["step"] != "partitioning" {
		t.Fatalf("operation after failure: %+v", s.Operation)
	}
	entries := srv.Requests(state.JournalFilter{})
	fired := false
	for _, e := range entries {
		fired = fired || e.Fault == "partitioning-breaks"
	}
	if !fired {
		t.Fatal("the journal does not show the fault")
	}
}

func TestInjectedErrorIsNative(t *testing.T) {
	srv, c := start(t)
	tok := login(t, c, "admin@example.com")
	if err := srv.SetFaults(state.FaultRule{Name: "busy", Panel: "dci6", Match: state.FaultMatch{Route: "/api/dci/v3/server/:id"},
		Action: state.FaultAction{Error: &state.NativeErrorSpec{Code: "3080", Msg: "Instance not found"}}}); err != nil {
		t.Fatal(err)
	}
	expectError(t, c.Get("/dci/v3/server/1", "X-Xsrf-Token", tok), 404, 3080)

	// A value given as a JSON object is the envelope's value object.
	for value, want := range map[string]string{`{"field":"email"}`: `"value":{"field":"email"}`, "email": `"value":{"value":"email"}`} {
		if err := srv.SetFaults(state.FaultRule{Name: "bad", Panel: "dci6",
			Action: state.FaultAction{Error: &state.NativeErrorSpec{Code: "1001", Msg: "Bad request", Value: value}}}); err != nil {
			t.Fatal(err)
		}
		if r := c.Get("/dci/v3/server/1", "X-Xsrf-Token", tok); !strings.Contains(string(r.Body), want) {
			t.Fatalf("value %s rendered as %s", value, r.Body)
		}
	}
}

func TestGoldenBodies(t *testing.T) {
	_, c := start(t)
	tok := login(t, c, "admin@example.com")
	user := login(t, c, "client@example.com")
	var tr transcript
	tr.add("server list where", c.Get("/api/dci/v3/server?orderby=owner_email+asc&limit=0,2&where=(owner_email+IS+null)+AND+is_new+EQ+false", "X-Xsrf-Token", tok))
	tr.add("user's servers", c.Get("/api/dci/v3/server?orderby=id+desc&limit=1", "X-Xsrf-Token", user))
	tr.add("os templates", c.Get("/api/dci/v3/os_template", "X-Xsrf-Token", user))
	tr.add("ip/v3 ip", c.Get("/ip/v3/ip?orderby=name+asc&limit=0,300&where=ipnet+EQ+1+AND+status+NE+'extended'", "X-Xsrf-Token", tok))
	tr.add("users", c.Get("/dci/v3/user?orderby=id+asc", "X-Xsrf-Token", tok))
	tr.golden(t, "lists.json")
}

// TestWithAndWithoutAPIPrefix checks that both URL forms are one route.
func TestWithAndWithoutAPIPrefix(t *testing.T) {
	srv, c := start(t)
	tok := login(t, c, "admin@example.com")
	for _, path := range []string{
		"/dci/v3/server?limit=2", "/dci/v3/server/3", "/dci/v3/server/configuration", "/dci/v3/server/1/ip",
		"/dci/v3/user", "/dci/v3/ip", "/dci/v3/task", "/dci/v3/os_template", "/ip/v3/ipnet", "/ip/v3/ippool", "/ip/v3/ip",
	} {
		a := c.Get("/api"+path, "X-Xsrf-Token", tok).Expect(t, 200)
		b := c.Get(path, "X-Xsrf-Token", tok).Expect(t, 200)
		if string(a.Body) != string(b.Body) {
			t.Errorf("%s answers differently with /api", path)
		}
	}
	c.Do("POST", "/auth/v4/public/token", []byte(`{"email":"client@example.com","password":"secret"}`)).Expect(t, 201)
	seen := false
	for _, e := range srv.Requests(state.JournalFilter{}) {
		if e.Path == "/dci/v3/server/3" {
			seen = true
			if e.Op != "/api/dci/v3/server/:id" {
				t.Fatalf("journal op %q for %s", e.Op, e.Path)
			}
		}
	}
	if !seen {
		t.Fatal("the journal lacks GET /dci/v3/server/3")
	}
}

// TestWorldsAreIsolated runs the same action in two worlds.
func TestWorldsAreIsolated(t *testing.T) {
	srv, c := start(t)
	other := c.World("other")
	tok := login(t, c, "admin@example.com")
	otherTok := login(t, other, "admin@example.com")
	c.JSON("POST", "/api/dci/v3/server/3/owner", `{"owner":2}`, "X-Xsrf-Token", tok).Expect(t, 200)
	var s struct {
		OwnerEmail *string `json:"owner_email"`
	}
	other.Get("/api/dci/v3/server/3", "X-Xsrf-Token", otherTok).Expect(t, 200).Decode(t, &s)
	if s.OwnerEmail != nil {
		t.Fatal("an owner set in one world shows in another")
	}
	// Same seed, same requests: the same token in both worlds (determinism).
	if tok != otherTok {
		t.Fatal("two worlds from one scenario issued different first tokens")
	}
	second := login(t, c, "admin@example.com")
	expectError(t, other.Get("/api/dci/v3/server/3", "X-Xsrf-Token", second), 401, 3001)
	srv.Reset()
	expectError(t, c.Get("/api/dci/v3/server/3", "X-Xsrf-Token", tok), 401, 3001)
}

func TestIPManagerWritesAndSwitchPorts(t *testing.T) {
	srv, c := start(t)
	tok := login(t, c, "admin@example.com")
	h := []string{"X-Xsrf-Token", tok}
	var id struct{ ID int64 }
	c.JSON("POST", "/ip/v3/userspace/public/ippool", `{"name":"Extra","note":"for tests"}`, h...).Expect(t, 200).Decode(t, &id)
	c.JSON("POST", fmt.Sprintf("/ip/v3/ippool/%d", id.ID), `{"note":"renamed note"}`, h...).Expect(t, 200)
	var pool struct{ Name, Note string }
	c.Get(fmt.Sprintf("/api/ip/v3/ippool/%d", id.ID), h...).Expect(t, 200).Decode(t, &pool)
	if pool.Name != "Extra" || pool.Note != "renamed note" {
		t.Fatalf("pool %+v", pool)
	}
	expectError(t, c.JSON("POST", "/ip/v3/userspace/public/ippool", `{"note":"x"}`, h...), 400, 1001)
	expectError(t, c.Get("/api/ip/v3/ippool/99", h...), 404, 3080)
	expectError(t, c.Do("DELETE", "/ip/v3/ipnet/1", nil, h...), 409, 1304)
	c.Do("DELETE", "/ip/v3/ipnet/3", nil, h...).Expect(t, 200)
	var nets struct{ Size int }
	c.Get("/ip/v3/ipnet", h...).Decode(t, &nets)
	if nets.Size != 2 {
		t.Fatalf("%d networks after deleting one of 3", nets.Size)
	}

	c.JSON("POST", "/dci/v3/server/1/suspend", `{}`, h...).Expect(t, 200)
	srv.Advance(5 * time.Second)
	var ports struct {
		Size int
		List []struct {
			AdminStatus      string `json:"admin_status"`
			IsIPMIConnection bool   `json:"is_ipmi_connection"`
		}
	}
	c.Get("/api/dci/v3/switch/1/port?where=server+EQ+1&orderby=id+asc", h...).Expect(t, 200).Decode(t, &ports)
	if ports.Size != 2 || ports.List[0].AdminStatus != "down" || ports.List[1].AdminStatus != "up" || !ports.List[1].IsIPMIConnection {
		t.Fatalf("ports of a suspended server %+v", ports)
	}
	expectError(t, c.Get("/api/dci/v3/switch/9/port", h...), 404, 3080)
	var ips struct{ Size int }
	c.Get("/api/dci/v3/ipmgr/ip?orderby=name+asc&limit=0,512&where=NOT+domain+CP+'%25extended.%25'+AND+(ipnet+EQ+1)", h...).Expect(t, 200).Decode(t, &ips)
	if ips.Size != 3 {
		t.Fatalf("%d addresses in network 1, want the 3 seeded", ips.Size)
	}
}

func TestLegacyAuthV3(t *testing.T) {
	_, c := start(t)
	var s struct{ Session string }
	c.Do("POST", "/auth/v3/auth", []byte(`{"email":"admin@example.com","password":"secret"}`), "Content-Type", formType).Expect(t, 200).Decode(t, &s)
	c.Get("/dci/v3/server/1", "Isp-Session", s.Session).Expect(t, 200)
	var k struct{ Key string }
	c.JSON("POST", "/auth/v3/user/client@example.com/key", `{}`, "Isp-Session", s.Session).Expect(t, 201).Decode(t, &k)
	var us struct{ Session string }
	c.JSON("POST", "/auth/v3/auth_by_key", `{"key":"`+k.Key+`"}`).Expect(t, 200).Decode(t, &us)
	c.Do("DELETE", "/auth/v3/session/"+us.Session, nil, "Isp-Session", us.Session).Expect(t, 200)
	expectError(t, c.Get("/dci/v3/server", "Isp-Session", us.Session), 401, 3001)
	expectError(t, c.JSON("POST", "/auth/v3/auth", `{"email":"admin@example.com","password":"x"}`), 401, 3002)
}

// TestScenarioDocExample loads the fault and timing examples of
// scenarios/dci6.md on top of a small block, as a user would.
func TestScenarioDocExample(t *testing.T) {
	yaml := `
timings:
  dci6.operation_os: 30m
faults:
  - name: os-install-breaks
    panel: dci6
    match: {route: "/api/dci/v3/server/:id/operation_os"}
    action: {fail_task: {step: partitioning, code: "5001", msg: "Disk partitioning failed"}}
dci6:
  users: [{email: admin@example.com, password: secret, role: "@admin"}]
  locations: [{name: DC1}]
  racks: [{name: A, location: DC1}]
  configurations: [{name: C, platform: P, disks: [d1, d2]}]
  os_templates: [{name: Debian 12}]
  servers:
    - {id: 100, name: web1, configuration: C, os_template: Debian 12}
`
	srv, c := start(t, panelsimtest.WithScenarioYAML(yaml))
	tok := login(t, c, "admin@example.com")
	var ref struct{ Task int64 }
	c.JSON("POST", "/api/dci/v3/server/100/operation_os", `{"os_template_id":1}`, "X-Xsrf-Token", tok).Expect(t, 200).Decode(t, &ref)
	srv.Advance(30 * time.Minute)
	if task := failedTask(t, c, tok, ref.Task); task.Status != "fail" || task.Error.Code != 5001 || task.Error.Step != "partitioning" {
		t.Fatalf("task %+v", task)
	}
}

// taskOutcome is what a test reads of a finished task.
type taskOutcome struct {
	Status string
	Error  struct {
		Code int
		Step string
	}
}

func failedTask(t *testing.T, c *simtest.Client, tok string, id int64) taskOutcome {
	t.Helper()
	var task taskOutcome
	c.Get(fmt.Sprintf("/api/dci/v3/task/%d", id), "X-Xsrf-Token", tok).Expect(t, 200).Decode(t, &task)
	return task
}

// TestZeroTimingsAreInstant: with every timing 0 an operation is done by
// the time its request is answered.
func TestZeroTimingsAreInstant(t *testing.T) {
	yaml := "timings:\n  dci6.operation_os: 0s\n  dci6.power: 0s\n" + string(scenarios.DefaultYAML())
	_, c := start(t, panelsimtest.WithScenarioYAML(yaml))
	tok := login(t, c, "admin@example.com")
	c.JSON("POST", "/api/dci/v3/server/3/operation_os", `{"os_template_id":1}`, "X-Xsrf-Token", tok).Expect(t, 200)
	c.JSON("POST", "/api/dci/v3/server/4/power_off", `{}`, "X-Xsrf-Token", tok).Expect(t, 200)
	var s3, s4 struct {
		Operation   struct{ Status string }
		PowerStatus string `json:"power_status"`
	}
	c.Get("/api/dci/v3/server/3", "X-Xsrf-Token", tok).Decode(t, &s3)
	c.Get("/api/dci/v3/server/4", "X-Xsrf-Token", tok).Decode(t, &s4)
	if s3.Operation.Status != "complete" || s4.PowerStatus != "off" {
		t.Fatalf("with zero timings: os %q power %q", s3.Operation.Status, s4.PowerStatus)
	}
}

func TestSessionsHook(t *testing.T) {
	srv, c := start(t)
	tok := login(t, c, "client@example.com")
	srv.Advance(61 * time.Minute)
	var v struct {
		TokenTTL string `json:"token_ttl"`
		Tokens   []struct {
			Token string
			Alive bool
			Email string
		}
	}
	c.Get("/_panelsim/dci6/sessions").Expect(t, 200).Decode(t, &v)
	if v.TokenTTL != "1h0m0s" || len(v.Tokens) != 5 {
		t.Fatalf("sessions %+v", v)
	}
	emails := map[string]string{tok: "client@example.com", docToken: "admin@example.com", authToken: "admin@example.com",
		fixedToken: "admin@example.com", retryToken: "admin@example.com"}
	for _, tv := range v.Tokens {
		if tv.Alive || emails[tv.Token] != tv.Email {
			t.Fatalf("token %+v: want dead and owned by %q", tv, emails[tv.Token])
		}
	}
}

// TestChassisAndIntelAMT: the default scenario's blades show their
// chassis and slot, its vPro servers their Intel AMT, which follows the
// power state; rack servers have neither.
func TestChassisAndIntelAMT(t *testing.T) {
	srv, c := start(t)
	var tr transcript
	type view struct {
		ID       int64 `json:"id"`
		IntelAMT *struct {
			Status   string `json:"status"`
			Protocol string `json:"protocol"`
		} `json:"intel_amt"`
		Chassis *struct {
			Name            string `json:"name"`
			ServerSlotCount int    `json:"server_slot_count"`
		} `json:"chassis"`
		Slot *int `json:"slot"`
	}
	get := func(step string, id int64) view {
		r := curl(c, "GET", fmt.Sprintf("/api/dci/v3/server/%d", id), "", docToken).Expect(t, 200)
		tr.add(step, r)
		var v view
		r.Decode(t, &v)
		return v
	}
	if v := get("rack server", 1); v.IntelAMT != nil || v.Chassis != nil || v.Slot != nil {
		t.Fatalf("rack server 1: %+v", v)
	}
	if v := get("blade", 38); v.Chassis == nil || v.Chassis.Name != "SBE-710Q-A2" || v.Chassis.ServerSlotCount != 10 || v.Slot == nil || *v.Slot != 2 || v.IntelAMT != nil {
		t.Fatalf("blade 38: %+v", v)
	}
	if v := get("amt server", 43); v.IntelAMT == nil || v.IntelAMT.Status != "on" || v.IntelAMT.Protocol != "http" || v.Chassis != nil {
		t.Fatalf("AMT server 43: %+v", v)
	}
	tr.add("amt power off", curl(c, "POST", "/api/dci/v3/server/43/power_off", `{}`, docToken).Expect(t, 200))
	if v := get("amt powering off", 43); v.IntelAMT.Status != "in_progress" {
		t.Fatalf("AMT during power off: %+v", v.IntelAMT)
	}
	srv.Advance(10 * time.Second)
	if v := get("amt off", 43); v.IntelAMT.Status != "off" {
		t.Fatalf("AMT after power off: %+v", v.IntelAMT)
	}
	r := curl(c, "GET", "/api/dci/v3/server?where="+url.QueryEscape("chassis IS NOT null")+"&orderby=slot+desc", "", docToken).Expect(t, 200)
	var list struct {
		List []view `json:"list"`
		Size int    `json:"size"`
	}
	r.Decode(t, &list)
	if list.Size != 6 || *list.List[0].Slot != 6 {
		t.Fatalf("blades by slot: size %d, first %+v", list.Size, list.List[0])
	}
	tr.golden(t, "chassis_amt.json")
}

// TestUnconditionalSuspendResume: billing modules unsuspend whatever the
// state; resuming a running server and suspending a suspended one are
// tasks that complete at once and change nothing.
func TestUnconditionalSuspendResume(t *testing.T) {
	srv, c := start(t)
	var tr transcript
	taskOf := func(r *simtest.Response) int64 {
		var ref struct{ Task int64 }
		r.Decode(t, &ref)
		return ref.Task
	}
	status := func(step string, task int64, want string) {
		r := curl(c, "GET", fmt.Sprintf("/api/dci/v3/task/%d", task), "", docToken).Expect(t, 200)
		tr.add(step, r)
		if got, _ := r.Map(t)["status"].(string); got != want {
			t.Fatalf("%s: task %d is %q, want %q", step, task, got, want)
		}
	}
	r := curl(c, "POST", "/api/dci/v3/server/4/resume", `{}`, docToken).Expect(t, 200)
	tr.add("resume a running server", r)
	status("its task", taskOf(r), "complete")
	r = curl(c, "POST", "/api/dci/v3/server/4/suspend", `{}`, docToken).Expect(t, 200)
	tr.add("suspend", r)
	status("suspend task", taskOf(r), "running")
	expectError(t, curl(c, "POST", "/api/dci/v3/server/4/suspend", `{}`, docToken), 409, 1201)
	srv.Advance(5 * time.Second)
	r = curl(c, "POST", "/api/dci/v3/server/4/suspend", `{}`, docToken).Expect(t, 200)
	tr.add("suspend a suspended server", r)
	status("its task", taskOf(r), "complete")
	r = curl(c, "GET", "/api/dci/v3/server/4", "", docToken).Expect(t, 200)
	if st, _ := r.Map(t)["state"].(string); st != "suspended" {
		t.Fatalf("state %q after the second suspend", st)
	}
	tr.golden(t, "suspend_resume_unconditional.json")
}

// TestDiagSetsUpIPMIFromPool: operation_diag with setup_ipmi and ipmi_pool
// gives the BMC an address of that pool in its setup_ipmi step.
func TestDiagSetsUpIPMIFromPool(t *testing.T) {
	srv, c := start(t)
	var tr transcript
	ipmiOf := func(step string, id int) (string, []any) {
		r := curl(c, "GET", fmt.Sprintf("/api/dci/v3/server/%d", id), "", docToken).Expect(t, 200)
		tr.add(step, r)
		m := r.Map(t)
		op, _ := m["operation"].(map[string]any)
		steps, _ := op["progress_info"].([]any)
		return m["ipmi"].(map[string]any)["address"].(string), steps
	}
	expectError(t, curl(c, "POST", "/api/dci/v3/server/5/operation_diag", `{"setup_ipmi":true,"ipmi_pool":99,"os_template_id":0,"clear_hdd":"none"}`, docToken), 400, 1001)
	tr.add("diag", curl(c, "POST", "/api/dci/v3/server/5/operation_diag", `{"setup_ipmi":true,"ipmi_pool":2,"os_template_id":0,"clear_hdd":"none"}`, docToken).Expect(t, 200))
	before, steps := ipmiOf("diag running", 5)
	if len(steps) != 5 || steps[3].(map[string]any)["name"] != "setup_ipmi" {
		t.Fatalf("diag steps %v", steps)
	}
	srv.Advance(7 * time.Minute) // prepare 1, reboot 2, hardware_check 5 of 10 weights
	if a, _ := ipmiOf("before setup_ipmi ends", 5); a != before {
		t.Fatalf("IPMI address %s changed before its step ended (was %s)", a, before)
	}
	srv.Advance(3 * time.Minute)
	if a, _ := ipmiOf("diag done", 5); a != "198.51.100.2" {
		t.Fatalf("IPMI address %s, want the pool's first free 198.51.100.2", a)
	}
	tr.add("second server", curl(c, "POST", "/api/dci/v3/server/6/operation_diag", `{"setup_ipmi":true,"ipmi_pool":2,"clear_hdd":"none"}`, docToken).Expect(t, 200))
	srv.Advance(10 * time.Minute)
	if a, _ := ipmiOf("second diag done", 6); a != "198.51.100.3" {
		t.Fatalf("second IPMI address %s, want 198.51.100.3", a)
	}
	// The address is taken: a server IP cannot be given it.
	expectError(t, curl(c, "POST", "/api/dci/v3/server/7/ip", `{"ip_name":"198.51.100.2","ip_pool":2}`, docToken), 409, 1301)
	tr.golden(t, "diag_ipmi.json")
}

// TestDiagIPMIPoolExhausted: when the IPMI pool has no free address left,
// the diagnostics task fails at its setup_ipmi step with 1302, and the
// BMC keeps its address.
func TestDiagIPMIPoolExhausted(t *testing.T) {
	yaml := `
dci6:
  users: [{email: admin@example.com, password: secret, role: "@admin"}]
  locations: [{name: DC1}]
  racks: [{name: A, location: DC1}]
  configurations: [{name: C, platform: P, disks: [d1]}]
  pools: [{name: IPMI, public: false}]
  networks: [{network: 198.51.100.0/30, gateway: 198.51.100.1, pool: IPMI}]
  generate: [{count: 2, configuration: C}]
`
	srv, c := start(t, panelsimtest.WithScenarioYAML(yaml))
	tok := login(t, c, "admin@example.com")
	diag := `{"setup_ipmi":true,"ipmi_pool":1,"clear_hdd":"none"}`
	c.JSON("POST", "/api/dci/v3/server/1/operation_diag", diag, "X-Xsrf-Token", tok).Expect(t, 200)
	var ref struct{ Task int64 }
	c.JSON("POST", "/api/dci/v3/server/2/operation_diag", diag, "X-Xsrf-Token", tok).Expect(t, 200).Decode(t, &ref)
	srv.Advance(10 * time.Minute)
	if task := failedTask(t, c, tok, ref.Task); task.Status != "fail" || task.Error.Code != 1302 || task.Error.Step != "setup_ipmi" {
		t.Fatalf("second diag task %+v, want fail at setup_ipmi with 1302", task)
	}
	var s1, s2 struct {
		IPMI struct{ Address string } `json:"ipmi"`
	}
	c.Get("/api/dci/v3/server/1", "X-Xsrf-Token", tok).Decode(t, &s1)
	c.Get("/api/dci/v3/server/2", "X-Xsrf-Token", tok).Decode(t, &s2)
	if s1.IPMI.Address != "198.51.100.2" || s2.IPMI.Address == "198.51.100.2" {
		t.Fatalf("IPMI addresses %q and %q", s1.IPMI.Address, s2.IPMI.Address)
	}
}
