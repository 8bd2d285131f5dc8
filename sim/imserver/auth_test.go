package imserver_test

import (
	"bytes"
	"encoding/json"
	"mime/multipart"
	"strings"
	"testing"
	"time"

	"github.com/panelsim/panelsim/internal/simtest"
	"github.com/panelsim/panelsim/state"
)

func TestLoginAnswersSessionInVendorShape(t *testing.T) {
	a := newAPI(t)
	r := a.c.Get("/api?cmd=login&loginUsername=petrov&loginPassword=superpassword")
	simtest.Golden(t, "login.json", r.Body)
}

func TestLoginRefusals(t *testing.T) {
	a := newAPI(t)
	cases := []struct {
		name string
		kv   []string
		code string
	}{
		{"wrong password", []string{"loginUsername", "petrov", "loginPassword", "nope"}, "0011"},
		{"unknown user", []string{"loginUsername", "nobody", "loginPassword", "superpassword"}, "0011"},
		{"case-sensitive login", []string{"loginUsername", "Petrov", "loginPassword", "superpassword"}, "0011"},
		{"no username", []string{"loginPassword", "superpassword"}, "0002"},
		{"no password", []string{"loginUsername", "petrov"}, "0002"},
		{"bad sendkey", []string{"loginUsername", "petrov", "loginPassword", "superpassword", "sendkey", "2"}, "0003"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a := a.with(t)
			ans := a.get(append([]string{"cmd", "login"}, tc.kv...)...)
			if ans.Success || ans.code() != tc.code {
				t.Fatalf("want %s, got %s", tc.code, ans.raw)
			}
		})
	}
	ans := a.get("cmd", "login", "loginUsername", "petrov", "loginPassword", "nope")
	if ans.Login != "petrov" {
		t.Errorf("a failed login names the submitted login, got %q", ans.Login)
	}
}

func TestSessionLivesTwentyFourHoursAfterLastUse(t *testing.T) {
	a := newAPI(t)
	sess := a.login("petrov", "superpassword")
	a.srv.Advance(23 * time.Hour)
	a.ok(sess, "get_account")
	a.srv.Advance(23 * time.Hour) // 46 h after login, 23 h after last use
	a.ok(sess, "get_account")
	a.srv.Advance(24 * time.Hour)
	a.fails("0010", sess, "get_account")
}

func TestSessionRequired(t *testing.T) {
	a := newAPI(t)
	a.fails("0010", "", "get_servers")
	a.fails("0010", "00000000000000000000000000000000", "get_servers")
}

func TestLogoutClosesTheSession(t *testing.T) {
	a := newAPI(t)
	sess := a.login("petrov", "superpassword")
	if got := a.str(a.ok(sess, "logout")); got != sess {
		t.Errorf("logout data %q, want the session", got)
	}
	a.fails("0010", sess, "get_account")
}

func TestGetAccount(t *testing.T) {
	a := newAPI(t)
	sess := a.login("petrov", "superpassword")
	r := a.c.Get("/api?cmd=get_account&sess=" + sess)
	simtest.Golden(t, "get_account.json", r.Body)
}

// sentKeys reads the SMS inspection hook.
func sentKeys(t *testing.T, a *api) []struct {
	Login    string `json:"login"`
	Key      string `json:"key"`
	Attempts int    `json:"attempts"`
	Used     bool   `json:"used"`
} {
	t.Helper()
	var out struct {
		SMS []struct {
			Login    string `json:"login"`
			Key      string `json:"key"`
			Attempts int    `json:"attempts"`
			Used     bool   `json:"used"`
		} `json:"sms"`
	}
	a.c.Get("/_panelsim/imserver/sms").Expect(t, 200).Decode(t, &out)
	return out.SMS
}

// sendKey asks for an SMS key for ivanov and returns it from the journal.
func sendKey(t *testing.T, a *api) string {
	t.Helper()
	ans := a.get("cmd", "login", "loginUsername", "ivanov", "loginPassword", "ivanovpass", "sendkey", "1")
	if ans.Success || ans.code() != "0012" {
		t.Fatalf("sendkey=1: want 0012 (key sent, no session), got %s", ans.raw)
	}
	entries := a.srv.Requests(state.JournalFilter{Panel: "imserver", Op: "login"})
	last := entries[len(entries)-1]
	if len(last.Notes) != 1 || !strings.HasPrefix(last.Notes[0], "sms key ") {
		t.Fatalf("journal notes %v, want the sent key", last.Notes)
	}
	key := strings.Fields(last.Notes[0])[2]
	keys := sentKeys(t, a)
	if keys[len(keys)-1].Key != key || keys[len(keys)-1].Login != "ivanov" {
		t.Fatalf("sms hook %v does not list key %s", keys, key)
	}
	return key
}

func smsLogin(a *api, key string) answer {
	return a.get("cmd", "login", "loginUsername", "ivanov", "loginPassword", "ivanovpass", "smskey", key)
}

func wrongKey(key string) string {
	if key == "000000" {
		return "000001"
	}
	return "000000"
}

func TestSMSTwoFactor(t *testing.T) {
	t.Run("password alone is not enough", func(t *testing.T) {
		a := newAPI(t)
		ans := a.get("cmd", "login", "loginUsername", "ivanov", "loginPassword", "ivanovpass")
		if ans.code() != "0012" || ans.Sess != "" {
			t.Fatalf("want 0012, got %s", ans.raw)
		}
		if len(sentKeys(t, a)) != 0 {
			t.Fatal("no sendkey, yet a key was sent")
		}
	})
	t.Run("right key logs in once", func(t *testing.T) {
		a := newAPI(t)
		key := sendKey(t, a)
		if ans := smsLogin(a, key); !ans.Success || ans.Sess == "" || ans.Login != "ivanov" {
			t.Fatalf("login with the key: %s", ans.raw)
		}
		if ans := smsLogin(a, key); ans.code() != "0016" {
			t.Fatalf("a used key must not work again, got %s", ans.raw)
		}
	})
	t.Run("wrong password does not spend attempts", func(t *testing.T) {
		a := newAPI(t)
		key := sendKey(t, a)
		for i := 0; i < 5; i++ {
			ans := a.get("cmd", "login", "loginUsername", "ivanov", "loginPassword", "bad", "smskey", key)
			if ans.code() != "0011" {
				t.Fatalf("want 0011, got %s", ans.raw)
			}
		}
		if ans := smsLogin(a, key); !ans.Success {
			t.Fatalf("key should still work: %s", ans.raw)
		}
	})
	t.Run("three attempts", func(t *testing.T) {
		a := newAPI(t)
		key := sendKey(t, a)
		for i, want := range []string{"0013", "0013", "0015"} {
			if ans := smsLogin(a, wrongKey(key)); ans.code() != want {
				t.Fatalf("attempt %d: want %s, got %s", i+1, want, ans.raw)
			}
		}
		if ans := smsLogin(a, key); ans.Success {
			t.Fatal("the key must be dead after three failed attempts")
		}
	})
	t.Run("key lives fifteen minutes", func(t *testing.T) {
		a := newAPI(t)
		key := sendKey(t, a)
		a.srv.Advance(15 * time.Minute)
		if ans := smsLogin(a, key); ans.code() != "0016" {
			t.Fatalf("want 0016 after 15 min, got %s", ans.raw)
		}
	})
	t.Run("key within fifteen minutes works", func(t *testing.T) {
		a := newAPI(t)
		key := sendKey(t, a)
		a.srv.Advance(15*time.Minute - time.Second)
		if ans := smsLogin(a, key); !ans.Success {
			t.Fatalf("want success just before expiry, got %s", ans.raw)
		}
	})
	t.Run("at most one key per thirty seconds", func(t *testing.T) {
		a := newAPI(t)
		first := sendKey(t, a)
		a.srv.Advance(29 * time.Second)
		ans := a.get("cmd", "login", "loginUsername", "ivanov", "loginPassword", "ivanovpass", "sendkey", "1")
		if ans.code() != "0014" {
			t.Fatalf("want 0014 within 30 s, got %s", ans.raw)
		}
		a.srv.Advance(time.Second)
		second := sendKey(t, a)
		if n := len(sentKeys(t, a)); n != 2 {
			t.Fatalf("%d keys sent, want 2", n)
		}
		if first != second {
			if ans := smsLogin(a, first); ans.Success {
				t.Fatal("a new key replaces the old one")
			}
		}
		if ans := smsLogin(a, second); !ans.Success {
			t.Fatalf("the new key: %s", ans.raw)
		}
	})
}

func TestPasskeyTwoFactor(t *testing.T) {
	a := newAPI(t)
	base := []string{"cmd", "login", "loginUsername", "sidorov", "loginPassword", "sidorovpass"}
	if ans := a.get(base...); ans.code() != "0017" {
		t.Fatalf("no passkey: want 0017, got %s", ans.raw)
	}
	if ans := a.get(append(base, "passkey", "999999")...); ans.code() != "0013" {
		t.Fatalf("wrong passkey: want 0013, got %s", ans.raw)
	}
	if ans := a.get(append(base, "passkey", "100002")...); !ans.Success {
		t.Fatalf("valid passkey: %s", ans.raw)
	}
	if ans := a.get(append(base, "passkey", "100002")...); ans.code() != "0013" {
		t.Fatalf("passkeys are one-time: want 0013, got %s", ans.raw)
	}
	if ans := a.get(append(base, "passkey", "100001")...); !ans.Success {
		t.Fatalf("another passkey: %s", ans.raw)
	}
}

func TestTransportForms(t *testing.T) {
	a := newAPI(t)
	sess := a.login("petrov", "superpassword")
	cases := []struct {
		name string
		do   func(c *simtest.Client) *simtest.Response
	}{
		{"GET query", func(c *simtest.Client) *simtest.Response {
			return c.Get("/api?cmd=get_servers_status&sess=" + sess + "&id=333")
		}},
		{"GET json=", func(c *simtest.Client) *simtest.Response {
			return c.Get("/api?cmd=get_servers_status&sess=" + sess + "&json=" + urlq(`{"id":"333"}`))
		}},
		{"POST form", func(c *simtest.Client) *simtest.Response {
			return c.Form("POST", "/api", "cmd=get_servers_status&sess="+sess+"&id=333")
		}},
		{"POST form json=", func(c *simtest.Client) *simtest.Response {
			return c.Form("POST", "/api", "cmd=get_servers_status&sess="+sess+"&json="+urlq(`{"id":333}`))
		}},
		{"POST JSON body", func(c *simtest.Client) *simtest.Response {
			return c.JSON("POST", "/api", map[string]any{"cmd": "get_servers_status", "sess": sess, "id": 333})
		}},
		{"cmd in query, JSON body", func(c *simtest.Client) *simtest.Response {
			return c.JSON("POST", "/api?cmd=get_servers_status&sess="+sess, `{"id":"333"}`)
		}},
		{"POST multipart (PHP curl with an array)", func(c *simtest.Client) *simtest.Response {
			var b bytes.Buffer
			mw := multipart.NewWriter(&b)
			for _, kv := range [][2]string{{"cmd", "get_servers_status"}, {"sess", sess}, {"id", "333"}} {
				_ = mw.WriteField(kv[0], kv[1])
			}
			_ = mw.Close()
			return c.Do("POST", "/api", b.Bytes(), "Content-Type", mw.FormDataContentType())
		}},
		{"json= wins over CGI", func(c *simtest.Client) *simtest.Response {
			return c.Get("/api?cmd=get_servers_status&sess=" + sess + "&id=334&json=" + urlq(`{"id":333}`))
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a := a.with(t)
			ans := a.decode(tc.do(a.c))
			list := into[[]serverStatus](t, ans.Data)
			if !ans.Success || len(list) != 1 || list[0].ID != 333 || ans.Login != "petrov" {
				t.Fatalf("want server 333's status, got %s", ans.raw)
			}
		})
	}
}

func urlq(s string) string {
	return strings.NewReplacer("{", "%7B", "}", "%7D", `"`, "%22", ":", "%3A", ",", "%2C").Replace(s)
}

func TestGatewayErrors(t *testing.T) {
	a := newAPI(t)
	sess := a.login("petrov", "superpassword")
	cases := []struct {
		name, path, code, login string
	}{
		{"unknown command", "/api?cmd=frobnicate&sess=" + sess, "0001", "petrov"},
		{"unknown command without session", "/api?cmd=frobnicate", "0001", ""},
		{"no cmd", "/api?sess=" + sess, "0002", "petrov"},
		{"no cmd, no session", "/api", "0002", ""},
		{"malformed json", "/api?cmd=get_servers&sess=" + sess + "&json=" + urlq(`{"id":`), "0003", "petrov"},
		{"json not an object", "/api?cmd=get_servers&sess=" + sess + "&json=" + urlq(`[1]`), "0003", "petrov"},
		{"bad id", "/api?cmd=run_server&sess=" + sess + "&id=abc", "0003", "petrov"},
		{"missing id", "/api?cmd=run_server&sess=" + sess, "0002", "petrov"},
		{"unknown path under /api", "/api/whatever", "0001", ""},
		{"unknown deeper path under /api", "/api/a/b/c", "0001", ""},
		{"cmd names are case-sensitive", "/api?cmd=GET_SERVERS&sess=" + sess, "0001", "petrov"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a := a.with(t)
			r := a.c.Get(tc.path)
			ans := a.decode(r)
			if ans.Success || ans.code() != tc.code {
				t.Fatalf("want %s, got %s", tc.code, ans.raw)
			}
			if ans.Login != tc.login {
				t.Errorf("login %q, want %q", ans.Login, tc.login)
			}
			if r.Header.Get("X-Panelsim-Reason") == "" {
				t.Error("no X-Panelsim-Reason header")
			}
		})
	}
}

func TestErrorGolden(t *testing.T) {
	a := newAPI(t)
	sess := a.login("petrov", "superpassword")
	r := a.c.Get("/api?cmd=run_server&sess=" + sess + "&id=334")
	simtest.Golden(t, "error_wrong_state.json", r.Body)
}

func TestInjectedNativeError(t *testing.T) {
	a := newAPI(t)
	sess := a.login("petrov", "superpassword")
	err := a.srv.SetFaults(state.FaultRule{Name: "busy", Panel: "imserver", Match: state.FaultMatch{Cmd: "get_servers"},
		Action: state.FaultAction{Error: &state.NativeErrorSpec{Code: "27"}}})
	if err != nil {
		t.Fatal(err)
	}
	ans := a.get("cmd", "get_servers", "sess", sess)
	if ans.Success || ans.code() != "0027" || ans.Login != "petrov" {
		t.Fatalf("want injected 0027 naming petrov, got %s", ans.raw)
	}
	a.ok(sess, "get_account") // other commands pass
}

func TestOperationNamesTheCmdInTheJournal(t *testing.T) {
	a := newAPI(t)
	sess := a.login("petrov", "superpassword")
	a.decode(a.c.JSON("POST", "/api", map[string]any{"cmd": "get_presets", "sess": sess}))
	a.decode(a.c.Form("POST", "/api", "cmd=get_templates&sess="+sess))
	for _, op := range []string{"login", "get_presets", "get_templates"} {
		if n := len(a.srv.Requests(state.JournalFilter{Panel: "imserver", Op: op})); n != 1 {
			t.Errorf("journal has %d %s requests, want 1", n, op)
		}
	}
	entries := a.srv.Requests(state.JournalFilter{Op: "get_presets"})
	var body map[string]any
	if err := json.Unmarshal([]byte(entries[0].Body), &body); err != nil || body["cmd"] != "get_presets" {
		t.Errorf("the journal keeps the body: %q", entries[0].Body)
	}
}

func TestInjectedErrorKeepsItsStatus(t *testing.T) {
	a := newAPI(t)
	err := a.srv.SetFaults(state.FaultRule{Name: "down", Panel: "imserver",
		Action: state.FaultAction{Error: &state.NativeErrorSpec{Code: "0099", Status: 503}}})
	if err != nil {
		t.Fatal(err)
	}
	r := a.c.Get("/api?cmd=login&loginUsername=petrov&loginPassword=superpassword")
	r.Expect(t, 503)
	if string(r.Body) != `{"success":false,"data":"0099","login":"petrov"}` {
		t.Fatalf("body %s", r.Body)
	}
	if r.Header.Get("X-Panelsim-Fault") != "down" {
		t.Error("the fault names itself")
	}
}

func TestWorldsAreIsolated(t *testing.T) {
	a := newAPI(t)
	sess := a.login("petrov", "superpassword")
	other := a.c.World("other")
	ans := a.decode(other.Get("/api?cmd=get_account&sess=" + sess))
	if ans.code() != "0010" {
		t.Fatalf("a session of one world is unknown in another: %s", ans.raw)
	}
	var out struct {
		SMS []any `json:"sms"`
	}
	other.Get("/_panelsim/imserver/sms").Expect(t, 200).Decode(t, &out)
	if out.SMS == nil || len(out.SMS) != 0 {
		t.Fatalf("empty sms list is [], got %v", out.SMS)
	}
}

// The vendor's request examples use the session
// 1d69a2ca5bbb423245438aabb0723f1f; the default scenario opens it for
// petrov, so both examples work as written (host aside).
func TestVendorExamplesWorkAsWritten(t *testing.T) {
	a := newAPI(t)
	r := a.c.Get("/api?cmd=run_server&sess=1d69a2ca5bbb423245438aabb0723f1f&id=333")
	if string(r.Body) != `{"success":true,"data":"333","login":"petrov"}` {
		t.Fatalf("the vendor's run_server example: %s", r.Body)
	}
	a.srv.Advance(10 * time.Second)
	a.ok("1d69a2ca5bbb423245438aabb0723f1f", "stop_server", "id", "333")
	a.srv.Advance(10 * time.Second)
	r = a.c.Get("/api?cmd=run_server&sess=1d69a2ca5bbb423245438aabb0723f1f&json=" + urlq(`{"id":"333"}`))
	if string(r.Body) != `{"success":true,"data":"333","login":"petrov"}` {
		t.Fatalf("the vendor's json= example: %s", r.Body)
	}
	// The seeded session lives and slides like any other.
	a.srv.Advance(24 * time.Hour)
	a.fails("0010", "1d69a2ca5bbb423245438aabb0723f1f", "get_account")
}
