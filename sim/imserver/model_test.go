package imserver

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/panelsim/panelsim/scenarios"
	"github.com/panelsim/panelsim/state"
)

var start = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)

// newWorld builds a world seeded from a scenario with only this panel.
func newWorld(t *testing.T, yaml string) *state.World {
	t.Helper()
	p := New()
	sc, err := scenarios.Parse("test.yaml", []byte(yaml), scenarios.Known{Panels: []string{Name}, Timings: p.Timings()})
	if err != nil {
		t.Fatal(err)
	}
	w, err := state.NewWorld(state.Config{Name: "t", Seed: 7, Start: start, Timings: sc.Timings, Steps: p.Steps(),
		States: map[string]func() any{Name: p.NewState}})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Do(func(tx *state.Tx) error { return p.Seed(tx, sc) }); err != nil {
		t.Fatal(err)
	}
	return w
}

const smsScenario = `
imserver:
  accounts:
    - login: anna
      password: pw
      phone: "+70000000001"
      twofactorauth: sms
`

// inModel runs fn on the world's model as the given login.
func inModel(t *testing.T, w *state.World, login string, fn func(m *model) error) error {
	t.Helper()
	return w.Do(func(tx *state.Tx) error {
		m := newModel(tx)
		m.login = login
		return fn(m)
	})
}

func codeOf(err error) string {
	var ae *apiError
	if errors.As(err, &ae) {
		return ae.Code
	}
	return ""
}

func TestSMSKeyRulesInTheModel(t *testing.T) {
	w := newWorld(t, smsScenario)
	login := func(in LoginInput) (string, error) {
		var sess string
		err := inModel(t, w, "", func(m *model) error {
			var err error
			sess, err = m.Login(in)
			return err
		})
		return sess, err
	}
	base := LoginInput{Username: "anna", Password: "pw"}
	send := base
	send.SendKey = true
	if _, err := login(send); codeOf(err) != CodeSMSKeyNeeded {
		t.Fatalf("sendkey: %v", err)
	}
	var key string
	_ = inModel(t, w, "", func(m *model) error { key = m.st.Accounts["anna"].Key.Key; return nil })
	if len(key) != 6 {
		t.Fatalf("key %q is not 6 digits", key)
	}
	if _, err := login(send); codeOf(err) != CodeSMSThrottled {
		t.Fatalf("second sendkey at once: %v", err)
	}
	with := base
	with.SMSKey = key
	sess, err := login(with)
	if err != nil || len(sess) != 32 {
		t.Fatalf("login with key: %q %v", sess, err)
	}
	if err := inModel(t, w, "", func(m *model) error { return m.Authenticate(sess) }); err != nil {
		t.Fatal(err)
	}
	keys := []SMSKey{}
	_ = inModel(t, w, "", func(m *model) error { keys = m.SentKeys(); return nil })
	if len(keys) != 1 || !keys[0].Used || keys[0].Attempts != 2 {
		t.Fatalf("sent keys: %+v", keys)
	}
}

func TestSessionSlidesAndExpires(t *testing.T) {
	w := newWorld(t, "")
	var sess string
	_ = inModel(t, w, "", func(m *model) error {
		var err error
		sess, err = m.Login(LoginInput{Username: "petrov", Password: "superpassword"})
		return err
	})
	auth := func() error { return inModel(t, w, "", func(m *model) error { return m.Authenticate(sess) }) }
	w.Advance(24*time.Hour - time.Second)
	if err := auth(); err != nil {
		t.Fatalf("just before 24 h: %v", err)
	}
	w.Advance(24 * time.Hour)
	if err := auth(); codeOf(err) != CodeNoSession {
		t.Fatalf("24 h idle: %v", err)
	}
}

func TestParseParams(t *testing.T) {
	cases := []struct {
		name, query, ctype, body string
		want                     map[string]string
		err                      bool
	}{
		{name: "query", query: "cmd=run_server&id=333", want: map[string]string{"cmd": "run_server", "id": "333"}},
		{name: "first CGI value", query: "id=1&id=2", want: map[string]string{"id": "1"}},
		{name: "form overrides query", query: "id=1", ctype: "application/x-www-form-urlencoded", body: "id=2", want: map[string]string{"id": "2"}},
		{name: "json= overrides CGI", query: `id=1&json={"id":"333"}`, want: map[string]string{"id": "333"}},
		{name: "json numbers", query: `json={"id":333}`, want: map[string]string{"id": "333"}},
		{name: "raw JSON body", query: "cmd=x", ctype: "application/json", body: `{"id":5,"flag":true}`, want: map[string]string{"cmd": "x", "id": "5", "flag": "1"}},
		{name: "JSON body without type", body: ` {"cmd":"get_logs"}`, want: map[string]string{"cmd": "get_logs"}},
		{name: "charset in type", ctype: "application/x-www-form-urlencoded; charset=utf-8", body: "cmd=a", want: map[string]string{"cmd": "a"}},
		{name: "multipart", query: "cmd=q", ctype: "multipart/form-data; boundary=XX", body: "--XX\r\nContent-Disposition: form-data; name=\"cmd\"\r\n\r\nget_logs\r\n--XX\r\nContent-Disposition: form-data; name=\"cmd\"\r\n\r\nsecond\r\n--XX\r\nContent-Disposition: form-data; name=\"f\"; filename=\"a.txt\"\r\n\r\nfile\r\n--XX--\r\n", want: map[string]string{"cmd": "get_logs", "f": ""}},
		{name: "multipart without boundary", ctype: "multipart/form-data", body: "x", want: map[string]string{}, err: true},
		{name: "malformed json keeps cmd", query: `cmd=get_logs&json={"id"`, want: map[string]string{"cmd": "get_logs"}, err: true},
		{name: "json array", query: `json=[1]`, want: map[string]string{}, err: true},
		{name: "json null", query: `json=null`, want: map[string]string{}, err: true},
		{name: "trailing data", ctype: "application/json", body: `{"a":1}{"b":2}`, want: map[string]string{}, err: true},
		{name: "bad escape", query: "cmd=a%zz", want: map[string]string{}, err: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p, err := parseParams(tc.query, tc.ctype, []byte(tc.body))
			if (err != nil) != tc.err {
				t.Fatalf("err %v, want error %v", err, tc.err)
			}
			if err != nil && codeOf(err) != CodeBadValue {
				t.Fatalf("parse errors are 0003, got %v", err)
			}
			for k, want := range tc.want {
				if got, _, _ := p.str(k); got != want {
					t.Errorf("%s = %q, want %q", k, got, want)
				}
			}
			if len(tc.want) == 0 && !tc.err && len(p) != 0 {
				t.Errorf("want no parameters, got %v", p)
			}
		})
	}
}

func TestParseServerSpec(t *testing.T) {
	p, err := parseParams(`json={"cpu":"2","ram":4,"hdd_list":[{"size":"40"},{"size":100,"type":"hdd"},20],"server_name":" web "}`, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	s, err := parseServerSpec(p)
	if err != nil {
		t.Fatal(err)
	}
	want := []Disk{{40, DiskSSD}, {100, DiskHDD}, {20, DiskSSD}}
	if s.CPU != 2 || s.RAM != 4 || !s.HasCPU || s.HasCPUType || !reflect.DeepEqual(s.HDDs, want) || s.Name != "web" {
		t.Fatalf("spec: %+v", s)
	}
	for _, bad := range []string{
		`{"hdd_list":"nope"}`, `{"hdd_list":[{"size":10,"speed":1}]}`, `{"hdd_list":[{"type":"ssd"}]}`,
		`{"cpu":[1]}`, `{"cpu":99999999999}`, `{"preset":-1}`, `{"server_name":{}}`,
	} {
		p, _ := parseParams("", "application/json", []byte(bad))
		if _, err := parseServerSpec(p); codeOf(err) != CodeBadValue {
			t.Errorf("%s: want 0003, got %v", bad, err)
		}
	}
}

func TestMoneyAndCodes(t *testing.T) {
	for k, want := range map[int64]string{0: "0.00", 5: "0.05", 123456: "1234.56", -29000: "-290.00"} {
		if got := money(k); got != want {
			t.Errorf("money(%d) = %s, want %s", k, got, want)
		}
	}
	for in, want := range map[string]string{"27": "0027", "0027": "0027", "5": "0005", "E42": "E42", "12345": "12345"} {
		if got := errorCode(in); got != want {
			t.Errorf("errorCode(%s) = %s, want %s", in, got, want)
		}
	}
}

func TestSeedErrorsNameTheKey(t *testing.T) {
	cases := []struct{ yaml, key string }{
		{"imserver:\n  accounts:\n    - {login: a, password: p, twofactorauth: email}\n", "imserver.accounts[0].twofactorauth"},
		{"imserver:\n  accounts:\n    - {login: a, password: p, twofactorauth: sms}\n", "imserver.accounts[0].phone"},
		{"imserver:\n  accounts:\n    - {login: a, password: p, twofactorauth: passkey}\n", "imserver.accounts[0].passkeys"},
		{"imserver:\n  accounts:\n    - {login: a, password: p}\n    - {login: a, password: q}\n", "imserver.accounts[1].login"},
		{"imserver:\n  accounts:\n    - login: a\n      password: p\n      servers:\n        - {status: flying, preset: 1}\n", "imserver.accounts[0].servers[0].status"},
		{"imserver:\n  accounts:\n    - login: a\n      password: p\n      servers:\n        - {cpu: 1, ram: 1}\n", "imserver.accounts[0].servers[0]"},
		{"imserver:\n  accounts:\n    - login: a\n      password: p\n      contracts: [{balance: -1}]\n", "imserver.accounts[0].contracts[0].balance"},
		{"imserver:\n  accounts:\n    - login: a\n      password: p\n      dns_zones: [{name: bad}]\n", "imserver.accounts[0].dns_zones[0].name"},
		{"imserver:\n  accounts:\n    - {login: a, password: p, sessions: [1D69A2CA5BBB423245438AABB0723F1F]}\n", "imserver.accounts[0].sessions[0]"},
		{"imserver:\n  accounts:\n    - {login: a, password: p, sessions: [abc]}\n", "imserver.accounts[0].sessions[0]"},
		{"imserver:\n  accounts:\n    - {login: a, password: p, sessions: [1d69a2ca5bbb423245438aabb0723f1f]}\n    - {login: b, password: p, sessions: [1d69a2ca5bbb423245438aabb0723f1f]}\n", "imserver.accounts[1].sessions[0]"},
		{"imserver:\n  prices: {cpu: -5}\n", "imserver.prices.cpu"},
		{"imserver:\n  acounts: []\n", "imserver.acounts"},
	}
	p := New()
	for _, tc := range cases {
		sc, err := scenarios.Parse("s.yaml", []byte(tc.yaml), scenarios.Known{Panels: []string{Name}, Timings: p.Timings()})
		if err != nil {
			t.Fatal(err)
		}
		w, _ := state.NewWorld(state.Config{Seed: 1, Start: start, Timings: sc.Timings, Steps: p.Steps()})
		err = w.Do(func(tx *state.Tx) error { return p.Seed(tx, sc) })
		var se *scenarios.Error
		if !errors.As(err, &se) || !strings.HasPrefix(se.Key, tc.key) || se.Line == 0 {
			t.Errorf("%q: want an error at %s with a line, got %v", tc.yaml, tc.key, err)
		}
	}
}

func TestSnapshotRoundTrip(t *testing.T) {
	w := newWorld(t, "imserver:\n  accounts:\n    - login: petrov\n      password: p\n      servers: [{id: 335, preset: 1}]\n")
	err := inModel(t, w, "petrov", func(m *model) error {
		_, err := m.Act(CmdStop, 335)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	snap, err := w.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	p := New()
	r, err := state.Restore(w.Config(), snap)
	if err != nil {
		t.Fatal(err)
	}
	r.Advance(time.Minute)
	var got string
	_ = inModel(t, r, "petrov", func(m *model) error { got = m.st.Servers[335].Status; return nil })
	if got != StatusStopped {
		t.Fatalf("the restored world runs its queued task: %s", got)
	}
	raw, _ := json.Marshal(p.NewState())
	if !strings.Contains(string(raw), `"servers":{}`) {
		t.Fatalf("NewState has usable maps: %s", raw)
	}
}

func FuzzParseParams(f *testing.F) {
	f.Add("cmd=login&loginUsername=petrov", "", "")
	f.Add(`cmd=run_server&json={"id":"333"}`, "", "")
	f.Add("cmd=x", "application/json", `{"id":[1,2],"o":{"a":null}}`)
	f.Add("", "application/x-www-form-urlencoded", "cmd=a&json=%7B%7D")
	f.Add("json=%7B", "text/plain", "{")
	f.Fuzz(func(t *testing.T, query, ctype, body string) {
		p, err := parseParams(query, ctype, []byte(body))
		if err != nil && codeOf(err) != CodeBadValue {
			t.Fatalf("parse errors must be 0003: %v", err)
		}
		// The contract reads a request's command as the gateway does.
		r := &http.Request{URL: &url.URL{RawQuery: query}, Header: http.Header{"Content-Type": {ctype}}}
		if cmd, _, _ := (&Panel{}).Dispatch().Read(r, []byte(body)); cmd != "" {
			if s, _, _ := p.str("cmd"); s != cmd {
				t.Fatalf("the contract reads cmd %q, the gateway %q", cmd, s)
			}
		}
		_, _ = parseServerSpec(p)
		_, _ = countParam(p)
		_, _ = p.id("id")
	})
}

func FuzzServerSpec(f *testing.F) {
	f.Add(`{"cpu":2,"ram":4,"hdd_list":[{"size":40,"type":"ssd"}]}`)
	f.Add(`{"preset":3,"contract":"1"}`)
	f.Add(`{"hdd_list":"[10, {\"size\":5}]"}`)
	f.Fuzz(func(t *testing.T, js string) {
		p, err := parseParams("", "application/json", []byte(js))
		if err != nil {
			return
		}
		s, err := parseServerSpec(p)
		if err != nil {
			if c := codeOf(err); c != CodeBadValue && c != CodeMissingParam {
				t.Fatalf("unexpected error %v", err)
			}
			return
		}
		for _, d := range s.HDDs {
			if d.Size < 0 || d.Type == "" {
				t.Fatalf("parsed disk %+v", d)
			}
		}
		if err := checkConfig(Config{CPU: s.CPU, CPUType: s.CPUType, RAM: s.RAM, HDDs: s.HDDs}); err != nil && codeOf(err) != CodeBadValue {
			t.Fatalf("checkConfig: %v", err)
		}
	})
}

func FuzzCheckRecord(f *testing.F) {
	f.Add("www", "A", "192.0.2.1", 300, -1)
	f.Add("@", "MX", "mx.example.ru.", -1, 10)
	f.Add("_sip._tcp", "SRV", "1 5060 sip.example.ru", -1, 0)
	f.Add("*.dev", "CNAME", "example.ru", 60, -1)
	f.Fuzz(func(t *testing.T, name, typ, content string, ttl, prio int) {
		r, err := checkRecord("example.ru", RecordInput{Zone: 1, Name: name, Type: typ, Content: content, TTL: ttl, Priority: prio})
		if err != nil {
			return
		}
		again, err := checkRecord("example.ru", RecordInput{Zone: 1, Name: r.Name, Type: r.Type, Content: r.Content, TTL: r.TTL, Priority: prioOf(r)})
		if err != nil || again != r {
			t.Fatalf("an accepted record must be stable: %+v -> %+v (%v)", r, again, err)
		}
	})
}

func prioOf(r Record) int {
	if r.Type == "MX" || r.Type == "SRV" {
		return r.Priority
	}
	return -1
}

// TestScenarioDocExampleSeeds keeps scenarios/imserver.md honest: its
// example block must seed.
func TestScenarioDocExampleSeeds(t *testing.T) {
	raw, err := os.ReadFile("../../scenarios/imserver.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(raw)
	i := strings.Index(doc, "```yaml\n")
	j := strings.Index(doc[i+8:], "```")
	w := newWorld(t, doc[i+8:i+8+j])
	_ = inModel(t, w, "petrov", func(m *model) error {
		if n := len(m.st.Servers); n != 4 {
			t.Errorf("%d servers, want 2 explicit + 2 generated", n)
		}
		if ifs, _ := m.Interfaces(334); len(ifs) != 2 {
			t.Errorf("server 334 interfaces: %+v", ifs)
		}
		return nil
	})
}

func TestSameKeyComparesAsIntegers(t *testing.T) {
	cases := []struct {
		given, want string
		same        bool
	}{
		{"012345", "012345", true},
		{"12345", "012345", true},
		{"012345", "12345", true},
		{"12346", "012345", false},
		{"", "000000", false},
		{"abc", "abc", true},
		{"-12345", "012345", false},
	}
	for _, tc := range cases {
		if got := sameKey(tc.given, tc.want); got != tc.same {
			t.Errorf("sameKey(%q, %q) = %v", tc.given, tc.want, got)
		}
	}
}

func TestHeaderSafe(t *testing.T) {
	got := headerSafe("нет \"сервера\"\r\n333")
	for _, c := range []byte(got) {
		if c < 0x20 || c >= 0x7f {
			t.Fatalf("not header-safe: %q", got)
		}
	}
	if !strings.Contains(got, `"`) || !strings.Contains(got, "333") {
		t.Fatalf("reason mangled: %q", got)
	}
}

func TestCanonicalPathMapsUnknownAPIPaths(t *testing.T) {
	p := New()
	for in, want := range map[string]string{
		"/api":          "/api",
		"/api/":         unknownAPIPath,
		"/api/whatever": unknownAPIPath,
		"/api/a/b":      unknownAPIPath,
		"/api/v10":      unknownAPIPath,
		"/ispmgr":       "/ispmgr",
	} {
		if got := p.CanonicalPath(in); got != want {
			t.Errorf("CanonicalPath(%s) = %s, want %s", in, got, want)
		}
	}
}
