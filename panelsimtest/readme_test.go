package panelsimtest_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/panelsim/panelsim/panelsimtest"
	"github.com/panelsim/panelsim/state"
)

// TestInstall is the README's example ("In Go tests: panelsimtest") as
// written there; the README test checks the README shows this code.
func TestInstall(t *testing.T) {
	srv := panelsimtest.RunT(t)                 // 127.0.0.1:0, manual clock at 2025-01-01T00:00:00Z
	client := mybilling.New(srv.URL() + "/api") // your code, pointed at panelsim
	if err := client.InstallOS(3, "Ubuntu 22.04"); err != nil {
		t.Fatal(err)
	}
	srv.Advance(15 * time.Minute) // returns when every due step has run
	if status, _ := client.InstallStatus(3); status != "complete" {
		t.Fatalf("after 15 minutes the install is %q", status)
	}
	srv.SetFaults(state.FaultRule{Name: "storm", Panel: "dci6", When: state.FaultWhen{Times: 3},
		Action: state.FaultAction{Status: 503}})
	if _, err := client.InstallStatus(3); err == nil {
		t.Fatal("the 503 storm went unnoticed")
	}
	blue := srv.World("blue") // an isolated world: blue.URL(), blue.Advance(...)
	if got := blue.Requests(state.JournalFilter{}); len(got) != 0 {
		t.Fatalf("a fresh world has a journal: %v", got)
	}
	if hits := srv.Requests(state.JournalFilter{Panel: "dci6", Fault: "storm"}); len(hits) != 1 {
		t.Fatalf("%d requests met the storm", len(hits))
	}
}

// mybilling stands in for the reader's own billing package in the README
// example: a DCImanager 6 client just big enough to install an OS.
var mybilling billingPackage

type billingPackage struct{}

func (billingPackage) New(api string) *billingClient { return &billingClient{api: api} }

type billingClient struct{ api, token string }

func (c *billingClient) call(method, path string, in, out any) error {
	body, _ := json.Marshal(in)
	req, err := http.NewRequest(method, c.api+path, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("x-xsrf-token", c.token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 300 {
		return fmt.Errorf("%s %s: HTTP %d", method, path, resp.StatusCode)
	}
	return json.NewDecoder(resp.Body).Decode(out)
}

func (c *billingClient) InstallOS(server int, template string) error {
	var tok struct{ Token string }
	if err := c.call("POST", "/auth/v4/public/token", map[string]string{"email": "admin@example.com", "password": "secret"}, &tok); err != nil {
		return err
	}
	c.token = tok.Token
	var list struct {
		List []struct {
			ID   int
			Name string
		}
	}
	if err := c.call("GET", "/dci/v3/os_template", nil, &list); err != nil {
		return err
	}
	for _, os := range list.List {
		if os.Name == template {
			var task struct{ Task int }
			return c.call("POST", fmt.Sprintf("/dci/v3/server/%d/operation_os", server),
				map[string]any{"os_template_id": os.ID, "hdd_raid": "raid_1", "password": "pass", "ssh_pub_keys": []string{}}, &task)
		}
	}
	return fmt.Errorf("no OS template %q", template)
}

func (c *billingClient) InstallStatus(server int) (string, error) {
	var s struct{ Operation struct{ Status string } }
	err := c.call("GET", fmt.Sprintf("/dci/v3/server/%d", server), nil, &s)
	return s.Operation.Status, err
}

// Server's own methods act on the default world: it has every method a
// World has (but Name), spelled out so go doc lists them.
func TestServerHasEveryWorldMethod(t *testing.T) {
	srv, world := reflect.TypeFor[*panelsimtest.Server](), reflect.TypeFor[*panelsimtest.World]()
	for i := range world.NumMethod() {
		m := world.Method(i)
		if m.Name == "Name" {
			continue
		}
		sm, ok := srv.MethodByName(m.Name)
		if !ok || !sameSignature(sm.Type, m.Type) {
			t.Errorf("Server lacks World's %s%s", m.Name, strings.TrimPrefix(m.Type.String(), "func(*panelsimtest.World"))
		}
	}
}

func sameSignature(a, b reflect.Type) bool {
	if a.NumIn() != b.NumIn() || a.NumOut() != b.NumOut() || a.IsVariadic() != b.IsVariadic() {
		return false
	}
	for i := 1; i < a.NumIn(); i++ { // 0 is the receiver
		if a.In(i) != b.In(i) {
			return false
		}
	}
	for i := range a.NumOut() {
		if a.Out(i) != b.Out(i) {
			return false
		}
	}
	return true
}

// The README names every method of Server and World.
func TestReadmeNamesEveryMethod(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, typ := range []reflect.Type{reflect.TypeFor[*panelsimtest.Server](), reflect.TypeFor[*panelsimtest.World]()} {
		for i := range typ.NumMethod() {
			if name := typ.Method(i).Name; !bytes.Contains(readme, []byte("`"+name+"`")) && !bytes.Contains(readme, []byte("`"+name+"(")) {
				t.Errorf("README.md does not mention %s.%s", typ.Elem().Name(), name)
			}
		}
	}
}
