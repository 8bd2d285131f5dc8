package panelsimtc_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/panelsim/panelsim/panelsimtc"
	"github.com/panelsim/panelsim/state"
)

// panelFlows runs one client flow per panel against the container, each in
// its own world and in parallel, with the default scenario's identities.
// A panel that is still a placeholder in this build (its login hint is
// "-") is skipped by name, so the flows switch on as the panels land.
func panelFlows(t *testing.T, ctr *panelsimtc.Container) {
	landed := landedPanels(t, ctr)
	flows := []struct {
		panel string
		flow  func(t *testing.T, w *panelsimtc.World)
	}{
		{"dci6", dci6Flow},
		{"imserver", imserverFlow},
		{"dbc", dbcFlow},
		{"ispmgr", ispmgrFlow},
	}
	for _, f := range flows {
		t.Run(f.panel, func(t *testing.T) {
			t.Parallel()
			if !landed[f.panel] {
				t.Skipf("%s is still a placeholder in this build", f.panel)
			}
			ctx := context.Background()
			w, err := ctr.NewWorld(ctx, "flow-"+f.panel)
			if err != nil {
				t.Fatal(err)
			}
			f.flow(t, w)
			entries, err := w.Requests(ctx, state.JournalFilter{Panel: f.panel})
			if err != nil {
				t.Fatal(err)
			}
			if len(entries) == 0 {
				t.Fatalf("the %s flow left no %s entries in its world's journal", f.panel, f.panel)
			}
			for _, e := range entries {
				if e.World != w.Name() {
					t.Errorf("journal of %s has an entry of world %q", w.Name(), e.World)
				}
			}
		})
	}
}

// landedPanels reads /_panelsim/version: a placeholder panel has login "-".
func landedPanels(t *testing.T, ctr *panelsimtc.Container) map[string]bool {
	t.Helper()
	base, err := ctr.BaseURL(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	_, body := get(t, base+"/_panelsim/version")
	var v struct {
		Panels []struct {
			Name  string `json:"name"`
			Login string `json:"login"`
		} `json:"panels"`
	}
	if err := json.Unmarshal([]byte(body), &v); err != nil {
		t.Fatalf("version: %v: %s", err, body)
	}
	out := map[string]bool{}
	for _, p := range v.Panels {
		out[p.Name] = p.Login != "-" && p.Login != ""
	}
	return out
}

func decode(t *testing.T, body string, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(body), v); err != nil {
		t.Fatalf("%v in %s", err, body)
	}
}

// dci6Flow: a token, the server list with it, a fault in the panel's path,
// and the token's idle expiry on the virtual clock moved by the module.
func dci6Flow(t *testing.T, w *panelsimtc.World) {
	ctx := context.Background()
	base, err := w.BaseURL(ctx)
	if err != nil {
		t.Fatal(err)
	}
	dci, err := w.PanelURL(ctx, "dci6") // .../api/dci/v3; auth lives beside it
	if err != nil {
		t.Fatal(err)
	}
	status, body := do(t, http.MethodPost, base+"/api/auth/v4/public/token", "application/json",
		strings.NewReader(`{"email":"admin@example.com","password":"secret"}`))
	if status != http.StatusCreated {
		t.Fatalf("token: %d %s", status, body)
	}
	var tok struct {
		Token string `json:"token"`
	}
	decode(t, body, &tok)
	if tok.Token == "" {
		t.Fatalf("token: no token in %s", body)
	}
	servers := func() (int, string) {
		return do(t, http.MethodGet, dci+"/server", "", nil, "x-xsrf-token", tok.Token)
	}
	status, body = servers()
	if status != http.StatusOK || !strings.Contains(body, `"list"`) {
		t.Fatalf("server list: %d %s", status, body)
	}

	rule := state.FaultRule{Name: "dci-storm", Panel: "dci6", Match: state.FaultMatch{Path: "*/dci/v3/server"},
		When: state.FaultWhen{Times: 1}, Action: state.FaultAction{Status: 503, Body: "sleeping"}}
	if err := w.SetFaults(ctx, rule); err != nil {
		t.Fatal(err)
	}
	if status, body = servers(); status != http.StatusServiceUnavailable || body != "sleeping" {
		t.Fatalf("with a 503 rule (times 1): %d %s", status, body)
	}
	if status, body = servers(); status != http.StatusOK {
		t.Fatalf("after the rule's one firing: %d %s", status, body)
	}
	fired, err := w.Requests(ctx, state.JournalFilter{Fault: "dci-storm"})
	if err != nil {
		t.Fatal(err)
	}
	if len(fired) != 1 {
		t.Fatalf("journal shows %d firings of dci-storm, want 1", len(fired))
	}

	// Tokens die after 60 idle minutes of virtual time.
	if _, err := w.Advance(ctx, 2*time.Hour); err != nil {
		t.Fatal(err)
	}
	if status, body = servers(); status != http.StatusUnauthorized || !strings.Contains(body, "3001") {
		t.Fatalf("token after 2h idle: %d %s, want 401 with code 3001", status, body)
	}
}

// imserverFlow: login through the cmd gateway, and a refused password in
// the panel's own envelope.
func imserverFlow(t *testing.T, w *panelsimtc.World) {
	ctx := context.Background()
	api, err := w.PanelURL(ctx, "imserver")
	if err != nil {
		t.Fatal(err)
	}
	status, body := get(t, api+"?cmd=login&loginUsername=petrov&loginPassword=superpassword")
	var ok struct {
		Success bool   `json:"success"`
		Sess    string `json:"sess"`
		Login   string `json:"login"`
	}
	decode(t, body, &ok)
	if status != http.StatusOK || !ok.Success || ok.Sess == "" || ok.Login != "petrov" {
		t.Fatalf("login: %d %s", status, body)
	}
	status, body = get(t, api+"?cmd=login&loginUsername=petrov&loginPassword=wrong")
	var bad struct {
		Success bool   `json:"success"`
		Data    string `json:"data"`
	}
	decode(t, body, &bad)
	if status != http.StatusOK || bad.Success || bad.Data == "" {
		t.Fatalf("login with a wrong password: %d %s, want success false with an error code", status, body)
	}
}

// dbcFlow: the client's version root answers without auth.
func dbcFlow(t *testing.T, w *panelsimtc.World) {
	api, err := w.PanelURL(context.Background(), "dbc")
	if err != nil {
		t.Fatal(err)
	}
	status, body := get(t, api+"/")
	var v struct {
		Errcode int `json:"errcode"`
		Message struct {
			ClientVersion string `json:"client_version"`
		} `json:"message"`
	}
	decode(t, body, &v)
	if status != http.StatusOK || v.Errcode != 0 || v.Message.ClientVersion == "" {
		t.Fatalf("version root: %d %s", status, body)
	}
	status, body = do(t, http.MethodPost, api+"/no_such_route", "application/json", strings.NewReader("{}"))
	var e struct {
		Errcode int `json:"errcode"`
	}
	decode(t, body, &e)
	if status < 400 || e.Errcode == 0 {
		t.Fatalf("unknown route: %d %s, want a DBC error envelope", status, body)
	}
}

// ispmgrFlow: func=auth gives a session id in out=json, a wrong password
// the mgr5 auth error.
func ispmgrFlow(t *testing.T, w *panelsimtc.World) {
	mgr, err := w.PanelURL(context.Background(), "ispmgr")
	if err != nil {
		t.Fatal(err)
	}
	q := url.Values{"func": {"auth"}, "username": {"root"}, "password": {"secret"}, "out": {"json"}}
	status, body := get(t, mgr+"?"+q.Encode())
	var auth struct {
		Doc struct {
			Auth struct {
				ID string `json:"$id"`
			} `json:"auth"`
		} `json:"doc"`
	}
	decode(t, body, &auth)
	if status != http.StatusOK || auth.Doc.Auth.ID == "" {
		t.Fatalf("func=auth: %d %s", status, body)
	}
	q.Set("password", "wrong")
	_, body = get(t, mgr+"?"+q.Encode())
	if !strings.Contains(body, `"error"`) || !strings.Contains(body, "auth") {
		t.Fatalf("func=auth with a wrong password: %s, want an auth error", body)
	}
}
