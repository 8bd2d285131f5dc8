package ispmgr_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/panelsim/panelsim/internal/simtest"
	"github.com/panelsim/panelsim/panelsimtest"
)

// TestDefaultScenario runs the whole product with the embedded default
// scenario: the README's calls work as written.
func TestDefaultScenario(t *testing.T) {
	srv := panelsimtest.RunT(t)
	c := simtest.New(t, srv)
	body := string(c.Get("/ispmgr?out=xml&func=auth&username=root&password=secret").Expect(t, 200).Body)
	if !strings.Contains(body, `level="30"`) {
		t.Fatalf("root login: %s", body)
	}
	body = string(c.Get("/ipmgr?out=xml&authinfo=admin1:mypasswd&func=ip").Expect(t, 200).Body)
	if !strings.Contains(body, "<ip>192.0.2.10</ip>") {
		t.Fatalf("ip list: %s", body)
	}
	body = string(c.Get("/ipmgr?out=xml&authinfo=root:secret&func=session.newkey&username=vasya&key=1234567890qwertyuiop").Expect(t, 200).Body)
	if !strings.Contains(body, "<ok/>") {
		t.Fatalf("newkey: %s", body)
	}
	body = string(c.Get("/ipmgr?func=auth&username=vasya&key=1234567890qwertyuiop&checkcookie=no&out=xml").Expect(t, 200).Body)
	if !strings.Contains(body, `level="16"`) {
		t.Fatalf("key login: %s", body)
	}
	raw := c.Get("/ispmgr?out=sjson&authinfo=vasya:vasyapass&func=webdomain").Expect(t, 200).Body
	(&env{t: t, srv: srv, c: c}).checkSchema("list.webdomain", raw)
	if !strings.Contains(string(raw), `"name":{"$":"vasya.example.com"}`) {
		t.Fatalf("vasya's site: %s", raw)
	}
}

// TestDedicatedListener: --listen ispmgr=ADDR serves the panel's paths and
// nothing else.
func TestDedicatedListener(t *testing.T) {
	srv := newEnv(t).srv
	h, err := srv.Sim().PanelHandler("ispmgr")
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(h)
	defer hs.Close()
	for _, tc := range []struct {
		path   string
		status int
		want   string
	}{
		{"/manager/ispmgr?out=xml&func=db&authinfo=vasya:vasyapass", 200, "<name>vasya_wp</name>"},
		{"/ipmgr?out=xml&func=ip&authinfo=vasya:vasyapass", 200, "<ip>192.0.2.10</ip>"},
		{"/_panelsim/health", 404, ""},
	} {
		resp, err := http.Get(hs.URL + tc.path)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tc.status || !strings.Contains(string(b), tc.want) {
			t.Errorf("%s: %d %s", tc.path, resp.StatusCode, b)
		}
	}
}
