package dci6_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/panelsim/panelsim/internal/simtest"
	"github.com/panelsim/panelsim/panelsimtest"
	"github.com/panelsim/panelsim/sim/dci6"
	"github.com/panelsim/panelsim/state"
)

// The tenants of the matrix: client@example.com (the default scenario's
// @user, owner of servers 1, 2 and 27) tries every route on the objects of
// other@example.com, a second @user made for the test.
const (
	otherEmail  = "other@example.com"
	otherServer = 3  // given to other@example.com
	freeServer  = 10 // nobody's
	noServer    = 99999
)

// others are the ids of another tenant's objects the probes aim at.
type others struct {
	userID         int64
	ip             int64 // an address of otherServer
	doneTask       int64 // the ip_add task that gave it
	runningTask    int64 // a power_off still running on otherServer
	token, v3Token string
}

// setUpOthers gives other@example.com a server with an address, a finished
// and a running task, two tokens; the admin does it all.
func setUpOthers(t *testing.T, srv *panelsimtest.Server, c *simtest.Client) others {
	t.Helper()
	admin := login(t, c, "admin@example.com")
	var o others
	var made struct{ ID int64 }
	c.JSON("POST", "/api/dci/v3/user", `{"email":"`+otherEmail+`","password":"secret","role":"@user"}`, "X-Xsrf-Token", admin).Expect(t, 200).Decode(t, &made)
	o.userID = made.ID
	c.JSON("POST", fmt.Sprintf("/api/dci/v3/server/%d/owner", otherServer), fmt.Sprintf(`{"owner":%d}`, o.userID), "X-Xsrf-Token", admin).Expect(t, 200)
	var ref struct{ Task int64 }
	c.JSON("POST", fmt.Sprintf("/api/dci/v3/server/%d/ip", otherServer), `{}`, "X-Xsrf-Token", admin).Expect(t, 200).Decode(t, &ref)
	o.doneTask = ref.Task
	srv.Advance(time.Minute)
	var ips struct {
		List []struct{ ID int64 } `json:"list"`
	}
	c.Get(fmt.Sprintf("/api/dci/v3/server/%d/ip", otherServer), "X-Xsrf-Token", admin).Expect(t, 200).Decode(t, &ips)
	if len(ips.List) == 0 {
		t.Fatal("the other tenant's server got no address")
	}
	o.ip = ips.List[0].ID
	c.JSON("POST", fmt.Sprintf("/api/dci/v3/server/%d/power_off", otherServer), `{}`, "X-Xsrf-Token", admin).Expect(t, 200).Decode(t, &ref)
	o.runningTask = ref.Task
	o.token = login(t, c, otherEmail)
	var v3 struct{ Session string }
	c.JSON("POST", "/api/auth/v3/auth", `{"email":"`+otherEmail+`","password":"secret"}`).Expect(t, 200).Decode(t, &v3)
	o.v3Token = v3.Session
	return o
}

// probe is one request of the matrix and the refusal it must get.
type probe struct {
	method, path, body string
	status, code       int
	object             string // the object a 3080 names ("" for 3003)
	id                 any    // and its id, as the path gave it
}

func (p probe) String() string { return p.method + " " + p.path }

// wantBody is the exact answer: the refusal says nothing of the object
// but what the request itself said, so another tenant's object and no
// object at all are told apart by nothing.
func (p probe) wantBody() string {
	if p.code == 3003 {
		return `{"error":{"code":3003,"msg":"Access denied"}}`
	}
	id, _ := json.Marshal(p.id)
	return `{"error":{"code":3080,"msg":"Instance not found","value":{"id":` + string(id) + `,"object":"` + p.object + `"}}}`
}

// routeProbes is the tenant matrix: for every non-public route of the
// panel's table, the probes a @user makes on what is not its own. Routes
// that act on no object name why (lists are checked by what they show).
type routeProbes struct {
	probes func(o others) []probe
	// listed: the route lists objects; TestTenantListsShowOnlyOwnObjects
	// checks what it shows. own: the route acts on the caller alone.
	listed, own bool
}

func denied(method, path, body string) func(others) []probe {
	return func(others) []probe {
		return []probe{{method: method, path: path, body: body, status: 403, code: 3003}}
	}
}

// onServers aims a route at the other tenant's server, a free one and a
// server that does not exist: all three are the same "not found".
func onServers(method, suffix, body string, status, code int) func(others) []probe {
	return func(others) []probe {
		var out []probe
		for _, id := range []int64{otherServer, freeServer, noServer} {
			p := probe{method: method, path: fmt.Sprintf("/api/dci/v3/server/%d%s", id, suffix), body: body, status: status, code: code}
			if code == 3080 {
				p.object, p.id = "server", id
			}
			out = append(out, p)
		}
		return out
	}
}

func tenantMatrix() map[string]routeProbes {
	notFound := func(method, suffix, body string) routeProbes {
		return routeProbes{probes: onServers(method, suffix, body, 404, 3080)}
	}
	adminOnServers := func(method, suffix, body string) routeProbes {
		return routeProbes{probes: onServers(method, suffix, body, 403, 3003)}
	}
	return map[string]routeProbes{
		"POST /auth/v4/token":                         {own: true},
		"GET /dci/v3/server":                          {listed: true},
		"GET /dci/v3/ip":                              {listed: true},
		"GET /dci/v3/task":                            {listed: true},
		"GET /dci/v3/os_template":                     {own: true}, // the platform's images, no tenant's
		"GET /dci/v3/server/:id":                      notFound("GET", "", ""),
		"POST /dci/v3/server/:id/power_on":            notFound("POST", "/power_on", `{}`),
		"POST /dci/v3/server/:id/power_off":           notFound("POST", "/power_off", `{}`),
		"POST /dci/v3/server/:id/power_reset":         notFound("POST", "/power_reset", `{}`),
		"GET /dci/v3/server/:id/ip":                   notFound("GET", "/ip", ""),
		"POST /dci/v3/server/:id/operation_os":        notFound("POST", "/operation_os", `{"os_template_id":1}`),
		"POST /dci/v3/server/:id/owner":               adminOnServers("POST", "/owner", `{"owner":2}`),
		"DELETE /dci/v3/server/:id/owner":             adminOnServers("DELETE", "/owner", ""),
		"POST /dci/v3/server/:id/suspend":             adminOnServers("POST", "/suspend", `{}`),
		"POST /dci/v3/server/:id/resume":              adminOnServers("POST", "/resume", `{}`),
		"POST /dci/v3/server/:id/ip":                  adminOnServers("POST", "/ip", `{}`),
		"POST /dci/v3/server/:id/operation_diag":      adminOnServers("POST", "/operation_diag", `{}`),
		"POST /dci/v3/server/:id/operation_clear_hdd": adminOnServers("POST", "/operation_clear_hdd", `{"clear_hdd":"simple"}`),
		"POST /dci/v3/server/:id/ip/:ip": {probes: func(o others) []probe {
			return []probe{{method: "POST", path: fmt.Sprintf("/api/dci/v3/server/%d/ip/%d", otherServer, o.ip), body: `{}`, status: 403, code: 3003}}
		}},
		"DELETE /dci/v3/server/:id/ip/:ip": {probes: func(o others) []probe {
			return []probe{{method: "DELETE", path: fmt.Sprintf("/api/dci/v3/server/%d/ip/%d", otherServer, o.ip), status: 403, code: 3003}}
		}},
		"GET /dci/v3/task/:id": {probes: func(o others) []probe {
			var out []probe
			for _, id := range []int64{o.doneTask, o.runningTask, noServer} {
				out = append(out, probe{method: "GET", path: fmt.Sprintf("/api/dci/v3/task/%d", id), status: 404, code: 3080, object: "task", id: id})
			}
			return out
		}},
		"DELETE /auth/v4/token/:token": {probes: func(o others) []probe {
			return []probe{
				{method: "DELETE", path: "/api/auth/v4/token/" + o.token, status: 404, code: 3080, object: "token", id: o.token},
				{method: "DELETE", path: "/api/auth/v4/token/" + o.v3Token, status: 404, code: 3080, object: "token", id: o.v3Token},
				{method: "DELETE", path: "/api/auth/v4/token/no-such-token", status: 404, code: 3080, object: "token", id: "no-such-token"},
			}
		}},
		"DELETE /auth/v3/session/:token": {probes: func(o others) []probe {
			return []probe{
				{method: "DELETE", path: "/api/auth/v3/session/" + o.v3Token, status: 404, code: 3080, object: "token", id: o.v3Token},
				{method: "DELETE", path: "/api/auth/v3/session/no-such-token", status: 404, code: 3080, object: "token", id: "no-such-token"},
			}
		}},
		"POST /auth/v4/user/:user/key": {probes: func(o others) []probe {
			return []probe{
				{method: "POST", path: "/api/auth/v4/user/" + url.PathEscape(otherEmail) + "/key", body: `{}`, status: 403, code: 3003},
				{method: "POST", path: fmt.Sprintf("/api/auth/v4/user/%d/key", o.userID), body: `{}`, status: 403, code: 3003},
			}
		}},
		"POST /auth/v3/user/:user/key": {probes: func(o others) []probe {
			return []probe{{method: "POST", path: "/api/auth/v3/user/" + url.PathEscape(otherEmail) + "/key", body: `{}`, status: 403, code: 3003}}
		}},
		"POST /auth/v4/setting/token_ttl":                  {probes: denied("POST", "/api/auth/v4/setting/token_ttl", `{"value":"1"}`)},
		"GET /dci/v3/server/configuration":                 {probes: denied("GET", "/api/dci/v3/server/configuration", "")},
		"GET /dci/v3/user":                                 {probes: denied("GET", "/api/dci/v3/user", "")},
		"POST /dci/v3/user":                                {probes: denied("POST", "/api/dci/v3/user", `{"email":"x@example.com","password":"p"}`)},
		"POST /dci/v3/setting/operation_change_boot_order": {probes: denied("POST", "/api/dci/v3/setting/operation_change_boot_order", `{"value":"true"}`)},
		"GET /dci/v3/ipmgr/ip":                             {probes: denied("GET", "/api/dci/v3/ipmgr/ip", "")},
		"GET /dci/v3/switch/:id/port":                      {probes: denied("GET", "/api/dci/v3/switch/1/port", "")},
		"GET /ip/v3/ipnet":                                 {probes: denied("GET", "/api/ip/v3/ipnet", "")},
		"DELETE /ip/v3/ipnet/:id":                          {probes: denied("DELETE", "/api/ip/v3/ipnet/1", "")},
		"GET /ip/v3/ippool/:id":                            {probes: denied("GET", "/api/ip/v3/ippool/1", "")},
		"POST /ip/v3/ippool/:id":                           {probes: denied("POST", "/api/ip/v3/ippool/1", `{"name":"x"}`)},
		"POST /ip/v3/userspace/public/ippool":              {probes: denied("POST", "/api/ip/v3/userspace/public/ippool", `{"name":"x"}`)},
		"GET /ip/v3/ippool":                                {probes: denied("GET", "/api/ip/v3/ippool", "")},
		"GET /ip/v3/ip":                                    {probes: denied("GET", "/api/ip/v3/ip", "")},
	}
}

// The matrix names every non-public route of the panel's table and no
// route the table lacks, so a new route fails here until its tenant
// boundary is probed.
func TestTenantMatrixCoversEveryRoute(t *testing.T) {
	matrix := tenantMatrix()
	served := map[string]bool{}
	for _, rt := range dci6.Routes() {
		key := rt.Method + " " + rt.Path
		served[key] = true
		if _, ok := matrix[key]; !ok && !rt.Public {
			t.Errorf("route %s is not in the tenant matrix", key)
		}
		if _, ok := matrix[key]; ok && rt.Public {
			t.Errorf("route %s is public: a token's tenant does not apply", key)
		}
	}
	for key := range matrix {
		if !served[key] {
			t.Errorf("the tenant matrix names %s, which the panel does not serve", key)
		}
	}
}

// A @user trying every route on another tenant's objects gets the panel's
// own refusal, exactly the one a missing object gets (3080) or the role's
// (3003); the world is byte for byte as before, and every probe is in the
// journal with its status.
func TestTenantMatrixRefusesOthersObjects(t *testing.T) {
	srv, c := start(t)
	o := setUpOthers(t, srv, c)
	user := login(t, c, "client@example.com")
	before := srv.Snapshot()
	matrix := tenantMatrix()
	var sent []probe
	for _, key := range slices.Sorted(maps.Keys(matrix)) {
		if matrix[key].probes == nil {
			continue
		}
		for _, p := range matrix[key].probes(o) {
			sent = append(sent, p)
			t.Run(key+"/"+p.path, func(t *testing.T) {
				r := c.For(t).Do(p.method, p.path, []byte(p.body), "X-Xsrf-Token", user, "Content-Type", formType)
				r.Expect(t, p.status)
				if got := compactJSON(t, r.Body); got != p.wantBody() {
					t.Errorf("%s answered %s, want %s", p, got, p.wantBody())
				}
			})
		}
	}
	if after := srv.Snapshot(); !bytes.Equal(before, after) {
		t.Errorf("refused probes changed the world:\n%s", firstDiff(before, after))
	}
	journaled(t, srv, sent)
}

func compactJSON(t *testing.T, b []byte) string {
	t.Helper()
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("not JSON: %s", b)
	}
	out, _ := json.Marshal(v)
	return string(out)
}

// firstDiff shows where two snapshots part.
func firstDiff(a, b []byte) string {
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	from := max(i-200, 0)
	return fmt.Sprintf("before: …%s…\nafter:  …%s…", a[from:min(i+200, len(a))], b[from:min(i+200, len(b))])
}

// journaled checks every probe is in the journal with its refusal status.
func journaled(t *testing.T, srv *panelsimtest.Server, sent []probe) {
	t.Helper()
	entries := srv.Requests(state.JournalFilter{Panel: dci6.Name})
	for _, p := range sent {
		found := slices.ContainsFunc(entries, func(e state.Entry) bool {
			return e.Method == p.method && e.Path == p.path && e.Status == p.status
		})
		if !found {
			t.Errorf("%s is not journaled with status %d", p, p.status)
		}
	}
}

// What a @user's lists show is its own, whatever it filters by: servers
// it owns, their addresses and their tasks, never another tenant's.
func TestTenantListsShowOnlyOwnObjects(t *testing.T) {
	srv, c := start(t)
	o := setUpOthers(t, srv, c)
	user := login(t, c, "client@example.com")
	var own struct{ servers, ips, tasks []int64 }
	_ = srv.Do(func(tx *state.Tx) error {
		s := state.PanelState[dci6.State](tx, dci6.Name)
		var me int64
		for _, u := range s.Users {
			if u.Email == "client@example.com" {
				me = u.ID
			}
		}
		mine := map[int64]bool{}
		for _, sv := range s.Servers {
			if sv.OwnerID == me {
				mine[sv.ID] = true
				own.servers = append(own.servers, sv.ID)
			}
		}
		for _, ip := range s.IPs {
			if mine[ip.ServerID] {
				own.ips = append(own.ips, ip.ID)
			}
		}
		for _, tk := range s.Tasks {
			if mine[tk.ServerID] {
				own.tasks = append(own.tasks, tk.ID)
			}
		}
		return nil
	})
	filters := []string{"", "id EQ " + fmt.Sprint(otherServer), "owner_email EQ '" + otherEmail + "'", "owner_email IS null",
		"server EQ " + fmt.Sprint(otherServer), "server_id EQ " + fmt.Sprint(otherServer), "id EQ " + fmt.Sprint(o.ip), "id EQ " + fmt.Sprint(o.runningTask)}
	for _, tc := range []struct {
		path string
		own  []int64
	}{{"/api/dci/v3/server", own.servers}, {"/api/dci/v3/ip", own.ips}, {"/api/dci/v3/task", own.tasks}} {
		for _, where := range filters {
			path := tc.path
			if where != "" {
				path += "?where=" + url.QueryEscape(where)
			}
			r := c.Get(path, "X-Xsrf-Token", user)
			if r.Status == http.StatusBadRequest {
				continue // a field this list does not filter by
			}
			r.Expect(t, 200)
			var list struct {
				List []struct{ ID int64 } `json:"list"`
			}
			r.Decode(t, &list)
			for _, it := range list.List {
				if !slices.Contains(tc.own, it.ID) {
					t.Errorf("%s shows %d, which is not the user's", path, it.ID)
				}
			}
			if where == "" && len(list.List) != len(tc.own) {
				t.Errorf("%s shows %d objects, the user has %d", path, len(list.List), len(tc.own))
			}
		}
	}
	if !strings.Contains(string(srv.Snapshot()), otherEmail) {
		t.Fatal("the other tenant is not in the world")
	}
}
