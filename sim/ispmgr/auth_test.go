package ispmgr_test

import (
	"strings"
	"testing"
	"time"

	"github.com/panelsim/panelsim/sim/ispmgr"
	"github.com/panelsim/panelsim/state"
)

func login(t *testing.T, e *env, path, user, pass string) (sid, level string) {
	t.Helper()
	doc := e.sjson("auth", path, "func", "auth", "username", user, "password", pass)
	a := doc["auth"].(map[string]any)
	if a["$id"] != a["$"] {
		t.Fatalf("auth id %v differs from its text %v", a["$id"], a["$"])
	}
	return a["$id"].(string), a["$level"].(string)
}

func TestAuthLevels(t *testing.T) {
	e := newEnv(t)
	for _, tc := range []struct{ user, pass, level string }{
		{"root", "secret", "30"}, {"admin1", "mypasswd", "30"}, {"reseller1", "respass", "20"}, {"vasya", "vasyapass", "16"},
	} {
		if _, level := login(t, e, "/ispmgr", tc.user, tc.pass); level != tc.level {
			t.Errorf("%s: level %s, want %s", tc.user, level, tc.level)
		}
	}
}

func TestSessionBoundToIPAndIdleHour(t *testing.T) {
	e := newEnv(t)
	sid, _ := login(t, e, "/ispmgr", "root", "secret")
	doc := e.sjson("list.user", "/ispmgr", "func", "user", "auth", sid)
	if len(elems(doc)) == 0 {
		t.Fatal("session gives no users")
	}
	other := e.checkSchema("error", e.getFrom("203.0.113.9", "/ispmgr", "func", "user", "auth", sid, "out", "sjson").Body)
	expectError(t, other, "auth", "expired")

	e.srv.Advance(59 * time.Minute)
	e.sjson("list.user", "/ispmgr", "func", "user", "auth", sid) // restarts the idle hour
	e.srv.Advance(59 * time.Minute)
	e.sjson("list.user", "/ispmgr", "func", "user", "auth", sid)
	e.srv.Advance(time.Hour)
	expectError(t, e.sjson("error", "/ispmgr", "func", "user", "auth", sid), "auth", "expired")
}

func TestSessionBelongsToItsProduct(t *testing.T) {
	e := newEnv(t)
	sid, _ := login(t, e, "/ispmgr", "root", "secret")
	expectError(t, e.sjson("error", "/ipmgr", "func", "ip", "auth", sid), "auth", "expired")
	ipsid, _ := login(t, e, "/manager/ipmgr", "root", "secret")
	e.sjson("list.ip", "/ipmgr", "func", "ip", "auth", ipsid)
}

func TestBadCredentials(t *testing.T) {
	e := newEnv(t)
	for _, tc := range []struct{ name, authinfo string }{
		{"wrong password", "root:nope"}, {"unknown user", "nobody:secret"}, {"no colon", "root"}, {"empty", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := e.as(t)
			doc := e.sjson("error", "/ispmgr", "func", "user", "authinfo", tc.authinfo)
			expectError(t, doc, "auth", "badpassword")
			if got := str(doc, "error", "msg"); got != "Invalid username or password " {
				t.Errorf("msg %q", got)
			}
		})
	}
	doc := e.sjson("error", "/ispmgr", "func", "auth", "username", "root", "password", "bad")
	expectError(t, doc, "auth", "badpassword")
	if _, ok := doc["authfail"]; !ok {
		t.Error("failed func=auth lacks authfail")
	}
	expectError(t, e.sjson("error", "/ispmgr", "func", "user"), "auth", "badpassword")
}

func TestAuthinfoUnencoded(t *testing.T) {
	e := newEnv(t)
	// A password with ':' and '@' sent raw, the way some clients build URLs.
	e.sjson("ok", "/ispmgr", "func", "user.edit", "sok", "ok", "name", "raw", "passwd", "p@ss:w/rd", "authinfo", root)
	r := e.c.Get("/ispmgr?out=sjson&func=usrparam&authinfo=raw:p@ss:w/rd").Expect(t, 200)
	doc := e.checkSchema("form.usrparam", r.Body)
	if str(doc, "name") != "raw" {
		t.Fatalf("authinfo with raw ':' and '@' not accepted: %s", r.Body)
	}
	if _, echoed := doc["tparams"].(map[string]any)["authinfo"]; echoed {
		t.Error("authinfo echoed in tparams")
	}
}

func TestOneTimeKey(t *testing.T) {
	e := newEnv(t)
	key := "1234567890qwertyuiop"
	expectError(t, e.sjson("error", "/ipmgr", "func", "session.newkey", "username", "vasya", "key", "short", "authinfo", root), "value", "key")
	expectError(t, e.sjson("error", "/ipmgr", "func", "session.newkey", "username", "vasya", "key", key, "authinfo", vasya), "access", "session.newkey")
	expectError(t, e.sjson("error", "/ipmgr", "func", "session.newkey", "username", "ghost", "key", key, "authinfo", root), "notfound", "user")
	// The key may be set from any address.
	r := e.getFrom("198.51.100.50", "/ipmgr", "out", "sjson", "func", "session.newkey", "username", "vasya", "key", key, "authinfo", root)
	expectOK(t, e.checkSchema("ok", r.Body))

	r = e.getFrom("203.0.113.7", "/ipmgr", "out", "sjson", "func", "auth", "username", "vasya", "key", key, "checkcookie", "no")
	a := e.checkSchema("auth", r.Body)["auth"].(map[string]any)
	sid := a["$id"].(string)
	if a["$level"] != "16" {
		t.Errorf("key login level %v", a["$level"])
	}
	// Not bound to an address, and valid once.
	e.sjson("list.ip", "/ipmgr", "func", "ip", "auth", sid)
	expectError(t, e.sjson("error", "/ipmgr", "func", "auth", "username", "vasya", "key", key, "checkcookie", "no"), "auth", "badpassword")
}

func TestSuRules(t *testing.T) {
	e := newEnv(t)
	for _, tc := range []struct {
		name, authinfo, su string
		errType            string
	}{
		{"admin to user", root, "vasya", ""},
		{"admin to reseller's user", "admin1:mypasswd", "petya", ""},
		{"reseller to own user", "reseller1:respass", "petya", ""},
		{"reseller to other user", "reseller1:respass", "vasya", "access"},
		{"user to user", vasya, "petya", "access"},
		{"user to admin", vasya, "root", "access"},
		{"to nobody", root, "ghost", "notfound"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := e.as(t)
			if tc.errType != "" {
				doc := e.sjson("error", "/ispmgr", "func", "webdomain", "su", tc.su, "authinfo", tc.authinfo)
				if errType(doc) != tc.errType {
					t.Fatalf("want %s error, got %v", tc.errType, doc)
				}
				return
			}
			doc := e.sjson("list.webdomain", "/ispmgr", "func", "webdomain", "su", tc.su, "authinfo", tc.authinfo)
			for _, el := range elems(doc) {
				if str(el, "owner") != tc.su {
					t.Errorf("su=%s sees %s's site", tc.su, str(el, "owner"))
				}
			}
			if len(elems(doc)) == 0 {
				t.Errorf("su=%s sees no sites", tc.su)
			}
		})
	}
	// su runs with the target's rights: a user may not call user.edit.
	expectError(t, e.sjson("error", "/ispmgr", "func", "user", "su", "vasya", "authinfo", root), "access", "user")
}

func TestUsrparamChangesPasswordWithSu(t *testing.T) {
	e := newEnv(t)
	expectOK(t, e.sjson("ok", "/ispmgr", "func", "usrparam", "su", "vasya", "passwd", "n3w", "confirm", "n3w", "sok", "ok", "authinfo", root))
	expectError(t, e.sjson("error", "/ispmgr", "func", "usrparam", "authinfo", vasya), "auth", "badpassword")
	doc := e.sjson("form.usrparam", "/ispmgr", "func", "usrparam", "authinfo", "vasya:n3w")
	if str(doc, "name") != "vasya" {
		t.Fatalf("usrparam form: %v", doc)
	}
}

func TestLang(t *testing.T) {
	e := newEnv(t)
	for _, tc := range []struct{ lang, want, wantLang string }{
		{"ru", "Пользователь со значением 'vasya' уже существует", "ru"},
		{"en", "User with the value 'vasya' already exists", "en"},
		{"xx", "User with the value 'vasya' already exists", "en"},
	} {
		doc := e.sjson("error", "/ispmgr", "func", "user.edit", "sok", "ok", "name", "vasya", "passwd", "x", "lang", tc.lang, "authinfo", root)
		if got := str(doc, "error", "msg"); got != tc.want {
			t.Errorf("lang=%s: msg %q, want %q", tc.lang, got, tc.want)
		}
		if doc["$lang"] != tc.wantLang || doc["error"].(map[string]any)["$lang"] != tc.wantLang {
			t.Errorf("lang=%s: doc lang %v", tc.lang, doc["$lang"])
		}
	}
}

func TestSuspendedUserCannotLogIn(t *testing.T) {
	e := newEnv(t)
	sid, _ := login(t, e, "/ispmgr", "vasya", "vasyapass")
	expectOK(t, e.sjson("ok", "/ispmgr", "func", "user.suspend", "elid", "vasya", "authinfo", root))
	expectError(t, e.sjson("error", "/ispmgr", "func", "webdomain", "auth", sid), "auth", "expired")
	expectError(t, e.sjson("error", "/ispmgr", "func", "auth", "username", "vasya", "password", "vasyapass"), "auth", "badpassword")
	expectOK(t, e.sjson("ok", "/ispmgr", "func", "user.resume", "elid", "vasya", "authinfo", root))
	if !strings.Contains(string(e.get("/ispmgr", "func", "webdomain", "out", "xml", "authinfo", vasya).Body), "vasya.example.com") {
		t.Fatal("resumed user cannot work")
	}
}

func TestSessionsHook(t *testing.T) {
	e := newEnv(t)
	sid, _ := login(t, e, "/ispmgr", "vasya", "vasyapass")
	e.sjson("ok", "/ipmgr", "func", "session.newkey", "username", "vasya", "key", "abcdefghijklmnopqrstuvwxyz", "authinfo", root)
	var v struct {
		Sessions []struct {
			ID, User, Mgr, IP string
			Bound             bool
			Expires           time.Time
		}
		Keys []struct{ Key, User, Mgr string }
	}
	e.c.Get("/_panelsim/ispmgr/sessions").Expect(t, 200).Decode(t, &v)
	if len(v.Sessions) != 1 || v.Sessions[0].ID != sid || !v.Sessions[0].Bound || v.Sessions[0].Mgr != "ispmgr" ||
		!v.Sessions[0].Expires.Equal(e.srv.Now().Add(time.Hour)) {
		t.Errorf("sessions %+v", v.Sessions)
	}
	if len(v.Keys) != 1 || v.Keys[0].User != "vasya" || v.Keys[0].Mgr != "ipmgr" {
		t.Errorf("keys %+v", v.Keys)
	}
	if got := e.srv.Requests(state.JournalFilter{Op: "session.newkey"}); len(got) != 1 || len(got[0].Notes) != 1 {
		t.Errorf("journal notes %+v", got)
	}
	e.srv.Advance(time.Hour)
	e.c.Get("/_panelsim/ispmgr/sessions").Expect(t, 200).Decode(t, &v)
	if len(v.Sessions) != 0 {
		t.Errorf("expired session listed: %+v", v.Sessions)
	}
}

// TestKeyWithoutUsername: Khorsa's client calls session.newkey with only
// key= and names the user at login; the creator's su rights decide.
func TestKeyWithoutUsername(t *testing.T) {
	e := newEnv(t)
	key := "23d5a822f913171ee6e7ba691edf33e9"
	expectOK(t, e.sjson("ok", "/ispmgr", "func", "session.newkey", "key", key, "authinfo", root))
	a := e.sjson("auth", "/ispmgr", "func", "auth", "username", "petya", "key", key, "checkcookie", "no")["auth"].(map[string]any)
	if a["$level"] != "16" {
		t.Fatalf("level %v", a["$level"])
	}
	// Used once, whatever user is named next.
	expectError(t, e.sjson("error", "/ispmgr", "func", "auth", "username", "vasya", "key", key, "checkcookie", "no"), "auth", "badpassword")
	// A key made without username cannot log in an administrator's peer
	// that the creator may not act as: here a key of a deleted creator.
	expectOK(t, e.sjson("ok", "/ispmgr", "func", "session.newkey", "key", key+"x", "authinfo", "admin1:mypasswd"))
	e.srv.Do(func(tx *state.Tx) error {
		delete(state.PanelState[ispmgr.State](tx, "ispmgr").Users, "admin1")
		return nil
	})
	expectError(t, e.sjson("error", "/ispmgr", "func", "auth", "username", "vasya", "key", key+"x", "checkcookie", "no"), "auth", "badpassword")
}

// TestSessionCookie: a browser logging in (e.g. with a one-time key) gets
// the session cookie and is recognised by it, from the same address.
func TestSessionCookie(t *testing.T) {
	e := newEnv(t)
	r := e.get("/ispmgr", "func", "auth", "username", "vasya", "password", "vasyapass", "out", "xml")
	var ck string
	for _, c := range r.Header.Values("Set-Cookie") {
		if v, ok := strings.CutPrefix(c, "ispmgrses5="); ok {
			ck, _, _ = strings.Cut(v, ";")
		}
	}
	if ck == "" || !strings.Contains(string(r.Body), ck) {
		t.Fatalf("no session cookie: %v", r.Header)
	}
	body := string(e.c.Get("/ispmgr?out=xml&func=webdomain", "Cookie", "ispmgrses5="+ck).Expect(t, 200).Body)
	if !strings.Contains(body, "vasya.example.com") {
		t.Fatalf("cookie not accepted: %s", body)
	}
	body = string(e.c.Get("/ispmgr?out=xml&func=webdomain", "Cookie", "ispmgrses5="+ck, "X-Real-IP", "203.0.113.1").Expect(t, 200).Body)
	if !strings.Contains(body, `type="auth"`) {
		t.Fatalf("cookie from another address accepted: %s", body)
	}
	expectOK(t, e.sjson("ok", "/ispmgr", "func", "webdomain.suspend", "elid", "vasya.example.com", "authinfo", vasya))
	if got := str(elems(e.sjson("list.webdomain", "/ispmgr", "func", "webdomain", "authinfo", vasya))[0], "active"); got != "off" {
		t.Errorf("suspended site active=%s", got)
	}
}
