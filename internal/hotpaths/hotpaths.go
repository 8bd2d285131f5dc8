// Package hotpaths names the requests issue 14 measures (the paths users
// hit hardest, one per panel style) and logs in to get them ready, so the
// Go benchmarks and the load script (scripts/loadtest) measure the same
// requests against the default scenario.
package hotpaths

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/panelsim/panelsim/scenarios"
)

// Request is one HTTP request of a path.
type Request struct {
	Method, Target, Body string
	Header               map[string]string
}

// Path is a measured path: one request, or several sent in turn (a write
// loop).
type Path struct {
	Name     string
	Requests []Request
}

// DBCTasks is a POST /api/v1/tasks body signed by //Alice for the default
// scenario's node (the default scenario verifies signatures and accepts a
// nonce again).
const DBCTasks = `{"additional":{},"nonce":"5q7KRn4d8EmXFFsim8vHBp23N2CpERbD2mWR3WCo1o3te0000000001","peer_nodes_list":["58fb618aa482c41114eb3cfdaefd3ba183172da9e25251449d045043fbd37f45"],"sign":"0xa23db7778a8ffbcd5c3a5108c7a64f3f95942a68509d54ca2bc88558554e53323fbfe3a413593fb511cdfa25b7ffc1a5e331123e4703dd2ee032e6ed2e373c8f","wallet":"5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY"}`

// Scenario is the default scenario with instant power actions, so a write
// loop's power_on never finds the previous one still running however many
// connections send it at once.
func Scenario() []byte {
	return append([]byte("timings:\n  dci6.power: 0s\n"), scenarios.DefaultYAML()...)
}

// Prepare logs in to every panel of a server h of Scenario (manual
// clock) and returns the paths, ready to send.
func Prepare(h http.Handler) ([]Path, error) {
	var tok struct{ Token string }
	if err := call(h, Request{Method: "POST", Target: "/api/auth/v4/public/token", Body: `{"email":"admin@example.com","password":"secret"}`}, 201, &tok); err != nil {
		return nil, err
	}
	var im struct{ Sess string }
	if err := call(h, Request{Method: "GET", Target: "/api?cmd=login&loginUsername=petrov&loginPassword=superpassword"}, 200, &im); err != nil {
		return nil, err
	}
	var mgr struct {
		Doc struct {
			Auth struct {
				ID string `json:"$id"`
			} `json:"auth"`
		} `json:"doc"`
	}
	if err := call(h, Request{Method: "GET", Target: "/ispmgr?func=auth&username=root&password=secret&out=json"}, 200, &mgr); err != nil {
		return nil, err
	}
	if tok.Token == "" || im.Sess == "" || mgr.Doc.Auth.ID == "" {
		return nil, fmt.Errorf("login failed: dci6 %q, imserver %q, ispmgr %q", tok.Token, im.Sess, mgr.Doc.Auth.ID)
	}
	dci := map[string]string{"x-xsrf-token": tok.Token}
	dciJSON := map[string]string{"x-xsrf-token": tok.Token, "Content-Type": "application/json"}
	one := func(name string, r Request) Path { return Path{Name: name, Requests: []Request{r}} }
	return []Path{
		one("dci6 server by id", Request{Method: "GET", Target: "/api/dci/v3/server/4", Header: dci}),
		one("dci6 list where limit=0,50", Request{Method: "GET", Target: "/api/dci/v3/server?orderby=id+asc&limit=0,50&where=is_new+EQ+false", Header: dci}),
		one("imserver get_servers_status", Request{Method: "GET", Target: "/api?cmd=get_servers_status&sess=" + im.Sess}),
		one("ispmgr user out=xml", Request{Method: "GET", Target: "/ispmgr?func=user&out=xml&auth=" + mgr.Doc.Auth.ID}),
		one("ispmgr user out=json", Request{Method: "GET", Target: "/ispmgr?func=user&out=json&auth=" + mgr.Doc.Auth.ID}),
		one("dbc tasks (sr25519)", Request{Method: "POST", Target: "/api/v1/tasks", Body: DBCTasks, Header: map[string]string{"Content-Type": "application/json"}}),
		{Name: "dci6 power_on + clock/advance", Requests: []Request{
			{Method: "POST", Target: "/api/dci/v3/server/4/power_on", Body: `{}`, Header: dciJSON},
			{Method: "POST", Target: "/_panelsim/clock/advance", Body: `{"by":"1m"}`, Header: map[string]string{"Content-Type": "application/json"}},
		}},
	}, nil
}

// Serve sends r to h and returns the recorded answer. A request without a
// body has none, as net/http's server gives a handler (http.NoBody), not
// an empty reader.
func Serve(h http.Handler, r Request) *httptest.ResponseRecorder {
	var body io.Reader
	if r.Body != "" {
		body = strings.NewReader(r.Body)
	}
	req := httptest.NewRequest(r.Method, r.Target, body)
	for k, v := range r.Header {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func call(h http.Handler, r Request, want int, v any) error {
	rec := Serve(h, r)
	if rec.Code != want {
		return fmt.Errorf("%s %s: %d %s", r.Method, r.Target, rec.Code, rec.Body)
	}
	return json.Unmarshal(rec.Body.Bytes(), v)
}

// Bare is a plain net/http handler answering each request of paths with
// the bytes (status, headers, body) h answered it with once: the
// reference every path is measured against.
func Bare(h http.Handler, paths []Path) http.Handler {
	type answer struct {
		status int
		header http.Header
		body   []byte
	}
	byTarget := map[string]answer{}
	for _, p := range paths {
		for _, r := range p.Requests {
			rec := Serve(h, r)
			byTarget[r.Method+" "+r.Target] = answer{rec.Code, rec.Header().Clone(), rec.Body.Bytes()}
		}
	}
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		a, ok := byTarget[req.Method+" "+req.URL.RequestURI()]
		if !ok {
			http.NotFound(w, req)
			return
		}
		if req.Body != nil {
			_, _ = bytes.NewBuffer(nil).ReadFrom(req.Body)
		}
		for k, v := range a.header {
			w.Header()[k] = v
		}
		w.WriteHeader(a.status)
		_, _ = w.Write(a.body)
	})
}
