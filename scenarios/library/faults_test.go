package library_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/panelsim/panelsim/internal/simtest"
	"github.com/panelsim/panelsim/panelsimtest"
	"github.com/panelsim/panelsim/state"
)

// request is one panel request, sendable through the contract-checking
// client or raw (for answers that break the connection).
type request struct {
	method, path string
	body         []byte
	header       []string
}

func (r request) send(c *simtest.Client) *simtest.Response {
	return c.Do(r.method, r.path, r.body, r.header...)
}

// raw sends the request on a fresh connection that is never reused, so a
// broken answer is seen once (Go's transport silently retries an idempotent
// request whose reused connection died) and nothing can hang.
func (r request) raw(base string) (*http.Response, error) {
	req, err := http.NewRequest(r.method, base+r.path, bytes.NewReader(r.body))
	if err != nil {
		return nil, err
	}
	for i := 0; i+1 < len(r.header); i += 2 {
		req.Header.Set(r.header[i], r.header[i+1])
	}
	hc := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	return hc.Do(req)
}

// probe is how the fault tests talk to one panel: a read-only request, a
// request that changes the model, and the panel's rendering of one native
// error.
type probe struct {
	panel string
	read  request
	write request
	// errSpec is an injected error; checkErr asserts what a client of the
	// panel sees for it.
	errSpec  state.NativeErrorSpec
	checkErr func(t *testing.T, r *simtest.Response)
}

// probes logs in where a panel needs it and returns one probe per panel of
// the default scenario. The DCI write powers on a server that is off, the
// IMserver write starts the stopped server 333, the DBC write creates a VM
// and the mgr5 write renames vasya.
func probes(t *testing.T, c *simtest.Client) []probe {
	t.Helper()
	tok := dciLogin(t, c, "admin@example.com")
	var off dciList
	dci(c, "GET", "/api/dci/v3/server?where="+strings.ReplaceAll("power_status EQ 'off'", " ", "+"), "", tok).Expect(t, 200).Decode(t, &off)
	if len(off.List) == 0 {
		t.Fatal("the default scenario has no server that is off")
	}
	offID := int64(off.List[0]["id"].(float64))
	sess := imLogin(t, c, "petrov", "superpassword")
	jsonCT := []string{"Content-Type", "application/json"}
	return []probe{{
		panel:   "dci6",
		read:    request{"GET", "/api/dci/v3/server/1", nil, []string{"X-Xsrf-Token", tok}},
		write:   request{"POST", fmt.Sprintf("/api/dci/v3/server/%d/power_on", offID), []byte("{}"), append([]string{"X-Xsrf-Token", tok}, jsonCT...)},
		errSpec: state.NativeErrorSpec{Code: "1201", Msg: "Server is busy", Value: "power"},
		checkErr: func(t *testing.T, r *simtest.Response) {
			t.Helper()
			r.Expect(t, 409)
			if e := dciError(t, r); e.Code != 1201 || e.Msg != "Server is busy" || fmt.Sprint(e.Value) != "map[value:power]" {
				t.Fatalf("DCI error %+v", e)
			}
		},
	}, {
		panel:   "imserver",
		read:    request{"GET", "/api?" + query("cmd", "get_servers", "sess", sess), nil, nil},
		write:   request{"GET", "/api?" + query("cmd", "run_server", "sess", sess, "id", "333"), nil, nil},
		errSpec: state.NativeErrorSpec{Code: "21", Msg: "server busy"},
		checkErr: func(t *testing.T, r *simtest.Response) {
			t.Helper()
			r.Expect(t, 200)
			if a := imDecode(t, r); a.Success || a.code() != "0021" || a.Login != "petrov" || r.Header.Get("X-Panelsim-Reason") != "server busy" {
				t.Fatalf("IMserver error %s (reason %q)", r.Body, r.Header.Get("X-Panelsim-Reason"))
			}
		},
	}, {
		panel:   "dbc",
		read:    request{"POST", "/api/v1/tasks", signed(t, dbcNode1, freshNonce(), nil), jsonCT},
		write:   request{"POST", "/api/v1/tasks/start", dbcCreateBody(t), jsonCT},
		errSpec: state.NativeErrorSpec{Code: "-3", Msg: "check authority failed: machine is not be rented"},
		checkErr: func(t *testing.T, r *simtest.Response) {
			t.Helper()
			r.Expect(t, 200)
			var a dbcAnswer
			r.Decode(t, &a)
			if a.Errcode != -3 || a.msg() != "check authority failed: machine is not be rented" {
				t.Fatalf("DBC error %s", r.Body)
			}
		},
	}, {
		panel:   "ispmgr",
		read:    request{"GET", "/ispmgr?" + query("func", "user", "out", "sjson", "authinfo", mgrRoot), nil, nil},
		write:   request{"GET", "/ispmgr?" + query("func", "user.edit", "elid", "vasya", "fullname", "Renamed", "sok", "ok", "out", "sjson", "authinfo", mgrRoot), nil, nil},
		errSpec: state.NativeErrorSpec{Code: "lock", Msg: "Object is locked", Value: "user"},
		checkErr: func(t *testing.T, r *simtest.Response) {
			t.Helper()
			r.Expect(t, 200)
			if typ, obj, msg := mgrError(mgrDoc(t, r)); typ != "lock" || obj != "user" || msg != "Object is locked" {
				t.Fatalf("mgr5 error %s", r.Body)
			}
		},
	}}
}

// forEachPanel runs fn as a subtest per panel on a fresh default world.
func forEachPanel(t *testing.T, fn func(t *testing.T, srv *panelsimtest.Server, c *simtest.Client, p probe)) {
	for _, panel := range []string{"dci6", "imserver", "dbc", "ispmgr"} {
		t.Run(panel, func(t *testing.T) {
			srv, c := runDefault(t)
			for _, p := range probes(t, c) {
				if p.panel == panel {
					fn(t, srv, c, p)
				}
			}
		})
	}
}

// otherPanelAnswers reads another panel, to show a panel's rule stays on it.
func otherPanelAnswers(t *testing.T, c *simtest.Client, panel string) {
	t.Helper()
	if panel == "ispmgr" {
		if a := im(t, c, "cmd", "get_servers", "sess", "0"); a.code() != "0010" {
			t.Fatalf("IMserver under an mgr5 rule: %s", a.raw)
		}
		return
	}
	mgr(c, "/ispmgr", "func", "user", "out", "sjson", "authinfo", mgrRoot).Expect(t, 200)
}

func TestStatusActionOnEveryPanel(t *testing.T) {
	forEachPanel(t, func(t *testing.T, srv *panelsimtest.Server, c *simtest.Client, p probe) {
		name := p.panel + "-storm"
		setFaults(t, srv, state.FaultRule{Name: name, Panel: p.panel, When: state.FaultWhen{Times: 2},
			Action: state.FaultAction{Status: 503, Body: "sleeping service", Headers: map[string]string{"Retry-After": "5"}}})
		for i := 0; i < 2; i++ {
			r := p.read.send(c)
			if r.Status != 503 || string(r.Body) != "sleeping service" || r.Header.Get("Retry-After") != "5" ||
				r.Header.Get("X-Panelsim-Fault") != name || r.Header.Get("X-Panelsim-Fault-Action") != "status" {
				t.Fatalf("storm answer %d: %d %v %q", i, r.Status, r.Header, r.Body)
			}
			otherPanelAnswers(t, c, p.panel)
		}
		p.read.send(c).Expect(t, 200)
		got := srv.Requests(state.JournalFilter{Fault: name})
		if len(got) != 2 || got[0].Status != 503 || got[0].Panel != p.panel {
			t.Fatalf("journal %+v", got)
		}
	})
}

func TestNativeErrorOnEveryPanel(t *testing.T) {
	forEachPanel(t, func(t *testing.T, srv *panelsimtest.Server, c *simtest.Client, p probe) {
		spec := p.errSpec
		setFaults(t, srv, state.FaultRule{Name: "native", Panel: p.panel, Action: state.FaultAction{Error: &spec}})
		r := p.read.send(c) // the contract check passes: it is the panel's own envelope
		p.checkErr(t, r)
		if r.Header.Get("X-Panelsim-Fault-Action") != "error" {
			t.Fatalf("fault action header %q", r.Header.Get("X-Panelsim-Fault-Action"))
		}
		// The rule's status overrides the one the panel uses for the code.
		spec.Status = 502
		setFaults(t, srv, state.FaultRule{Name: "native-502", Panel: p.panel, Action: state.FaultAction{Error: &spec}})
		c.SkipValidation = true // a 502 is in no panel's contract
		if r := p.read.send(c); r.Status != 502 {
			t.Fatalf("status override: %d %s", r.Status, r.Body)
		}
		if n := firings(srv, "native") + firings(srv, "native-502"); n != 2 {
			t.Fatalf("journal shows %d firings, want 2", n)
		}
	})
}

// TestMgr5NativeErrorInEveryOut: mgr5 renders an injected error in the
// format the request asked for.
func TestMgr5NativeErrorInEveryOut(t *testing.T) {
	srv, c := runDefault(t)
	setFaults(t, srv, state.FaultRule{Name: "locked", Panel: "ispmgr", Match: state.FaultMatch{Func: "webdomain*"},
		Action: state.FaultAction{Error: &state.NativeErrorSpec{Code: "lock", Msg: "Object is locked", Value: "webdomain"}}})
	get := func(out string) *simtest.Response {
		kv := []string{"func", "webdomain", "authinfo", mgrVasya}
		if out != "" {
			kv = append(kv, "out", out)
		}
		return mgr(c, "/ispmgr", kv...).Expect(t, 200)
	}
	for _, out := range []string{"xml", "devel"} {
		r := get(out)
		if body := string(r.Body); !strings.HasPrefix(r.Header.Get("Content-Type"), "text/xml") ||
			!strings.Contains(body, `<error type="lock" object="webdomain"`) || !strings.Contains(body, "<msg>Object is locked</msg>") {
			t.Errorf("out=%s: %s %s", out, r.Header.Get("Content-Type"), body)
		}
	}
	for _, out := range []string{"json", "sjson", "xjson"} {
		if typ, obj, msg := mgrError(mgrDoc(t, get(out))); typ != "lock" || obj != "webdomain" || msg != "Object is locked" {
			t.Errorf("out=%s: %s %s %s", out, typ, obj, msg)
		}
	}
	var data struct {
		Doc struct {
			Error struct {
				Type string `json:"$type"`
				Msg  string `json:"msg"`
			} `json:"error"`
		} `json:"doc"`
	}
	get("JSONdata").Decode(t, &data)
	if data.Doc.Error.Type != "lock" || data.Doc.Error.Msg != "Object is locked" {
		t.Errorf("out=JSONdata: %+v", data)
	}
	if body := string(get("text").Body); strings.TrimSpace(body) != "ERROR lock(webdomain): Object is locked" {
		t.Errorf("out=text: %q", body)
	}
	if body := string(get("").Body); !strings.Contains(body, `data-type="lock"`) {
		t.Errorf("no out (HTML): %s", body)
	}
	// Other funcs are not matched.
	mgr(c, "/ispmgr", "func", "db", "out", "sjson", "authinfo", mgrVasya).Expect(t, 200)
	if n := firings(srv, "locked"); n != 8 {
		t.Errorf("journal shows %d firings, want 8", n)
	}
}

func TestLatencyOnEveryPanel(t *testing.T) {
	forEachPanel(t, func(t *testing.T, srv *panelsimtest.Server, c *simtest.Client, p probe) {
		setFaults(t, srv, state.FaultRule{Name: "slow", Panel: p.panel, Action: state.FaultAction{Latency: &state.LatencySpec{Fixed: state.Duration(90 * time.Second)}}})
		before := srv.Now()
		r := p.read.send(c).Expect(t, 200) // the real answer, contract-checked
		if r.Header.Get("X-Panelsim-Latency") != "1m30s" || r.Header.Get("X-Panelsim-Fault") != "slow" {
			t.Fatalf("latency headers %v", r.Header)
		}
		if got := srv.Now().Sub(before); got != 90*time.Second {
			t.Fatalf("the virtual clock moved %s, want 1m30s", got)
		}
		if got := srv.Requests(state.JournalFilter{Fault: "slow"}); len(got) != 1 || got[0].Status != 200 || !got[0].Time.Equal(srv.Now()) {
			t.Fatalf("journal %+v", got)
		}
		// A drawn latency stays in its bounds and is what the clock moved.
		setFaults(t, srv, state.FaultRule{Name: "jitter", Panel: p.panel,
			Action: state.FaultAction{Latency: &state.LatencySpec{Min: state.Duration(time.Second), Max: state.Duration(5 * time.Second)}}})
		before = srv.Now()
		var sum time.Duration
		for i := 0; i < 5; i++ {
			d, err := time.ParseDuration(p.read.send(c).Expect(t, 200).Header.Get("X-Panelsim-Latency"))
			if err != nil || d < time.Second || d > 5*time.Second {
				t.Fatalf("drawn latency %s (%v)", d, err)
			}
			sum += d
		}
		if got := srv.Now().Sub(before); got != sum {
			t.Fatalf("clock moved %s, latencies add up to %s", got, sum)
		}
	})
}

// TestLatencyAgesTokens: in manual mode a latency moves the world's clock
// before the panel sees the request, so a token that outlives the wait no
// longer does: the client gets the panel's own "Unauthorized".
func TestLatencyAgesTokens(t *testing.T) {
	srv, c := runDefault(t)
	tok := dciLogin(t, c, "admin@example.com")
	setFaults(t, srv, state.FaultRule{Name: "stall", Panel: "dci6", When: state.FaultWhen{Times: 1},
		Action: state.FaultAction{Latency: &state.LatencySpec{Fixed: state.Duration(61 * time.Minute)}}})
	r := dci(c, "GET", "/api/dci/v3/server/1", "", tok).Expect(t, 401)
	if e := dciError(t, r); e.Code != 3001 || r.Header.Get("X-Panelsim-Latency") != "1h1m0s" {
		t.Fatalf("after a 61 min stall: %+v %v", e, r.Header)
	}
}

// TestRealClockLatencyWaits: with a real clock the answer really waits, the
// delay scaled by the clock's speed (real:100 turns 10 s into 100 ms).
func TestRealClockLatencyWaits(t *testing.T) {
	srv, c := runDefault(t, panelsimtest.WithClock("real:100"))
	setFaults(t, srv, state.FaultRule{Name: "slow", Panel: "ispmgr",
		Action: state.FaultAction{Latency: &state.LatencySpec{Fixed: state.Duration(10 * time.Second)}}})
	v0, w0 := srv.Now(), time.Now()
	r := mgr(c, "/ispmgr", "func", "user", "out", "sjson", "authinfo", mgrRoot).Expect(t, 200)
	if wall := time.Since(w0); wall < 100*time.Millisecond {
		t.Fatalf("a 10s latency at real:100 answered after %s, want at least 100ms", wall)
	}
	if virt := srv.Now().Sub(v0); virt < 10*time.Second || r.Header.Get("X-Panelsim-Latency") != "10s" {
		t.Fatalf("virtual time moved %s, header %q", virt, r.Header.Get("X-Panelsim-Latency"))
	}
}

func TestResetOnEveryPanel(t *testing.T) {
	forEachPanel(t, func(t *testing.T, srv *panelsimtest.Server, c *simtest.Client, p probe) {
		setFaults(t, srv, state.FaultRule{Name: "hangup", Panel: p.panel, When: state.FaultWhen{Times: 1}, Action: state.FaultAction{Reset: true}})
		resp, err := p.read.raw(srv.URL())
		if err == nil {
			resp.Body.Close()
			t.Fatalf("a reset connection answered %d", resp.StatusCode)
		}
		if !errors.Is(err, io.EOF) && !strings.Contains(err.Error(), "reset") && !strings.Contains(err.Error(), "EOF") {
			t.Fatalf("reset error %v, want EOF or connection reset", err)
		}
		p.read.send(c).Expect(t, 200)
		if n := fired(t, srv, "hangup"); n != 1 {
			t.Fatalf("journal shows %d resets, want 1", n)
		}
	})
}

func TestEmptyOnEveryPanel(t *testing.T) {
	forEachPanel(t, func(t *testing.T, srv *panelsimtest.Server, c *simtest.Client, p probe) {
		setFaults(t, srv, state.FaultRule{Name: "nobody", Panel: p.panel, When: state.FaultWhen{Times: 1}, Action: state.FaultAction{Empty: true}})
		resp, err := p.read.raw(srv.URL())
		if err != nil {
			t.Fatalf("empty answer: %v, want headers", err)
		}
		body, rerr := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || len(body) != 0 || !errors.Is(rerr, io.ErrUnexpectedEOF) {
			t.Fatalf("empty answer %d, %d bytes, read error %v", resp.StatusCode, len(body), rerr)
		}
		p.read.send(c).Expect(t, 200)
		if n := fired(t, srv, "nobody"); n != 1 {
			t.Fatalf("journal shows %d firings, want 1", n)
		}
	})
}

func TestMalformedOnEveryPanel(t *testing.T) {
	forEachPanel(t, func(t *testing.T, srv *panelsimtest.Server, c *simtest.Client, p probe) {
		full := p.read.send(c).Expect(t, 200).Body
		setFaults(t, srv, state.FaultRule{Name: "cut", Panel: p.panel, When: state.FaultWhen{Times: 1}, Action: state.FaultAction{Malformed: true}})
		c.SkipValidation = true
		r := p.read.send(c)
		c.SkipValidation = false
		if r.Status != 200 || !bytes.Equal(r.Body, full[:len(full)/2]) || r.Header.Get("X-Panelsim-Truncated") != strconv.Itoa(len(full)) {
			t.Fatalf("malformed answer %d (%s of %d bytes): %q", r.Status, r.Header.Get("X-Panelsim-Truncated"), len(full), r.Body)
		}
		if json.Valid(r.Body) {
			t.Fatalf("half an answer still parses: %s", r.Body)
		}
		if got := srv.Requests(state.JournalFilter{Fault: "cut"}); len(got) != 1 || got[0].Status != 200 {
			t.Fatalf("journal %+v", got)
		}
		if !bytes.Equal(p.read.send(c).Expect(t, 200).Body, full) {
			t.Fatal("the answer after the fault differs from the one before")
		}
	})
}

// TestFaultedRequestChangesNothing: a request answered by a fault (status,
// native error, reset, empty) never reaches the model; the same request
// without a fault does change it, so the comparison can fail.
func TestFaultedRequestChangesNothing(t *testing.T) {
	actions := map[string]state.FaultAction{
		"status": {Status: 503, Body: "sleeping service"},
		"error":  {Error: &state.NativeErrorSpec{Code: "1", Msg: "injected"}},
		"reset":  {Reset: true},
		"empty":  {Empty: true},
	}
	forEachPanel(t, func(t *testing.T, srv *panelsimtest.Server, c *simtest.Client, p probe) {
		before := panelState(t, srv)
		for _, kind := range []string{"status", "error", "reset", "empty"} {
			setFaults(t, srv, state.FaultRule{Name: kind, Panel: p.panel, Action: actions[kind]})
			if resp, err := p.write.raw(srv.URL()); err == nil {
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
			if fired(t, srv, kind) != 1 {
				t.Fatalf("%s: the rule did not fire", kind)
			}
			srv.Advance(10 * time.Minute) // anything the request had started would run now
			if after := panelState(t, srv); !bytes.Equal(before, after) {
				t.Fatalf("a request answered by %s changed the panel's state:\n%s\n---\n%s", kind, before, after)
			}
		}
		setFaults(t, srv)
		p.write.send(c)
		if bytes.Equal(before, panelState(t, srv)) {
			t.Fatal("the write request changes nothing even without a fault; the check above proves nothing")
		}
	})
}

// TestMalformedAndLatencyLetTheRequestThrough: unlike the answering
// actions, a truncated or delayed answer comes from a request that ran: the
// client cannot tell from the broken body whether it did.
func TestMalformedAndLatencyLetTheRequestThrough(t *testing.T) {
	srv, c := runDefault(t)
	sess := imLogin(t, c, "petrov", "superpassword")
	setFaults(t, srv, state.FaultRule{Name: "cut", Panel: "imserver", Match: state.FaultMatch{Cmd: "run_server"}, Action: state.FaultAction{Malformed: true}})
	c.SkipValidation = true
	if r := c.Get("/api?" + query("cmd", "run_server", "sess", sess, "id", "333")); json.Valid(r.Body) {
		t.Fatalf("answer not truncated: %s", r.Body)
	}
	c.SkipValidation = false
	if st := imServerStatus(t, c, sess, 333); st.Status != "starting" {
		t.Fatalf("server 333 is %q after a truncated run_server, want starting", st.Status)
	}
	srv.Advance(time.Minute)
	setFaults(t, srv, state.FaultRule{Name: "slow", Panel: "imserver", Match: state.FaultMatch{Cmd: "stop_server"},
		Action: state.FaultAction{Latency: &state.LatencySpec{Fixed: state.Duration(20 * time.Second)}}})
	imOK(t, c, sess, "stop_server", nil, "id", "333")
	// The 20 s wait happened before the command: 10 s of stopping is not over.
	if st := imServerStatus(t, c, sess, 333); st.Status != "stopping" {
		t.Fatalf("server 333 is %q, want stopping", st.Status)
	}
}

func TestFailTaskOnEveryPanel(t *testing.T) {
	t.Run("dci6", func(t *testing.T) {
		srv, c := runDefault(t)
		p := probes(t, c)[0]
		setFaults(t, srv, state.FaultRule{Name: "ipmi-dead", Panel: "dci6", Match: state.FaultMatch{Route: "/api/dci/v3/server/:id/power_on"},
			Action: state.FaultAction{FailTask: &state.FailTaskSpec{Step: "power_on", Code: "5002", Msg: "IPMI does not answer"}}})
		var ref dciRef
		p.write.send(c).Expect(t, 200).Decode(t, &ref)
		srv.Advance(time.Minute)
		tok := p.read.header[1]
		task := dciTaskGet(t, c, tok, ref.Task)
		e, _ := task.Error.(map[string]any)
		if task.Status != "fail" || e["code"] != 5002.0 || e["msg"] != "IPMI does not answer" || e["step"] != "power_on" {
			t.Fatalf("task %+v", task)
		}
		if s := dciServerGet(t, c, tok, ref.ID); s.PowerStatus != "off" {
			t.Fatalf("server %d is %q after a failed power_on", ref.ID, s.PowerStatus)
		}
		if firings(srv, "ipmi-dead") != 1 {
			t.Fatal("journal does not show the fault")
		}
		// Other async operations fail in their own way: a suspend whose
		// switch ports do not go down, an address that is not allocated.
		setFaults(t, srv,
			state.FaultRule{Name: "switch", Panel: "dci6", Match: state.FaultMatch{Route: "/api/dci/v3/server/:id/suspend"},
				Action: state.FaultAction{FailTask: &state.FailTaskSpec{Step: "switch_ports", Msg: "switch does not answer"}}},
			state.FaultRule{Name: "ipmgr", Panel: "dci6", Match: state.FaultMatch{Method: "POST", Route: "/api/dci/v3/server/:id/ip"},
				Action: state.FaultAction{FailTask: &state.FailTaskSpec{Step: "allocate", Msg: "IPmanager down"}}})
		dci(c, "POST", "/api/dci/v3/server/5/suspend", "{}", tok).Expect(t, 200)
		dci(c, "POST", "/api/dci/v3/server/6/ip", "{}", tok).Expect(t, 200)
		srv.Advance(time.Minute)
		var s5 map[string]any
		dci(c, "GET", "/api/dci/v3/server/5", "", tok).Expect(t, 200).Decode(t, &s5)
		if s5["state"] != "suspend_error" {
			t.Fatalf("server 5 state %v after a failed suspend", s5["state"])
		}
		var ips dciList
		dci(c, "GET", "/api/dci/v3/server/6/ip", "", tok).Expect(t, 200).Decode(t, &ips)
		if len(ips.List) != 1 || ips.List[0]["status"] != "allocation_fail" {
			t.Fatalf("server 6 addresses after a failed allocation: %+v", ips.List)
		}
	})
	t.Run("imserver", func(t *testing.T) {
		srv, c := runDefault(t)
		sess := imLogin(t, c, "petrov", "superpassword")
		setFaults(t, srv, state.FaultRule{Name: "hv-down", Panel: "imserver", Match: state.FaultMatch{Cmd: "run_server"}, When: state.FaultWhen{Times: 1},
			Action: state.FaultAction{FailTask: &state.FailTaskSpec{Code: "0099", Msg: "hypervisor unreachable"}}})
		imOK(t, c, sess, "run_server", nil, "id", "333")
		srv.Advance(time.Minute)
		var logs []imLog
		imOK(t, c, sess, "get_logs", &logs, "id", "333")
		if len(logs) != 1 || logs[0].Cmd != "run_server" || logs[0].Status != 2 {
			t.Fatalf("get_logs %+v", logs)
		}
		if st := imServerStatus(t, c, sess, 333); st.Status != "error" || !strings.Contains(st.Error, "hypervisor unreachable") {
			t.Fatalf("status %+v", st)
		}
		if got := srv.Requests(state.JournalFilter{Fault: "hv-down"}); len(got) != 1 || got[0].Op != "run_server" {
			t.Fatalf("journal %+v", got)
		}
		// The panel's recovery path works after the failure; the rule is spent.
		imOK(t, c, sess, "stop_server", nil, "id", "333")
		srv.Advance(time.Minute)
		imOK(t, c, sess, "run_server", nil, "id", "333")
		srv.Advance(time.Minute)
		if st := imServerStatus(t, c, sess, 333); st.Status != "running" {
			t.Fatalf("after recovery: %+v", st)
		}
		// A failed add_server is refunded.
		setFaults(t, srv, state.FaultRule{Name: "no-storage", Panel: "imserver", Match: state.FaultMatch{Cmd: "add_server"},
			Action: state.FaultAction{FailTask: &state.FailTaskSpec{Msg: "no space left on the storage"}}})
		type balance struct {
			Balance string `json:"balance"`
		}
		var before, charged, after balance
		imOK(t, c, sess, "get_balance", &before, "contract", "1")
		var id string
		imOK(t, c, sess, "add_server", &id, "json", `{"preset":1,"server_name":"doomed","contract":1}`)
		imOK(t, c, sess, "get_balance", &charged, "contract", "1")
		srv.Advance(time.Hour)
		imOK(t, c, sess, "get_balance", &after, "contract", "1")
		if charged.Balance == before.Balance || after.Balance != before.Balance {
			t.Fatalf("balance %s, charged %s, after the failure %s", before.Balance, charged.Balance, after.Balance)
		}
		n, _ := strconv.ParseInt(id, 10, 64)
		if st := imServerStatus(t, c, sess, n); st.Status != "error" || !strings.Contains(st.Error, "no space left") {
			t.Fatalf("failed add_server: %+v", st)
		}
	})
	t.Run("dbc", func(t *testing.T) {
		srv, c := runDefault(t)
		setFaults(t, srv, state.FaultRule{Name: "libvirt", Panel: "dbc", Match: state.FaultMatch{Route: "tasks/start"},
			Action: state.FaultAction{FailTask: &state.FailTaskSpec{Msg: "libvirt: domain define failed"}}})
		a := dbcPost(t, c, "/api/v1/tasks/start", dbcCreateBody(t))
		var res struct {
			TaskID string `json:"task_id"`
			Status string `json:"status"`
		}
		if err := json.Unmarshal(a.Message, &res); err != nil || a.Errcode != 0 || res.Status != "creating" {
			t.Fatalf("create: %s", a.raw)
		}
		srv.Advance(5 * time.Minute)
		if st := dbcTaskStatus(t, c, res.TaskID); st != "create error" {
			t.Fatalf("VM status %q, want create error", st)
		}
		if got := srv.Requests(state.JournalFilter{Fault: "libvirt"}); len(got) != 1 || got[0].Op != "tasks/start" {
			t.Fatalf("journal %+v", got)
		}
		// A VM that ran fails its shutdown: "shutdown error", and the
		// message is in the VM's log (a failed create has no log: the
		// node answers "task not exist" like the real one).
		setFaults(t, srv, state.FaultRule{Name: "guest", Panel: "dbc", Match: state.FaultMatch{Route: "tasks/shutdown"},
			Action: state.FaultAction{FailTask: &state.FailTaskSpec{Msg: "guest did not shut down"}}})
		a = dbcPost(t, c, "/api/v1/tasks/start", signed(t, dbcNode1, freshNonce(), map[string]any{
			"image_name": "ubuntu.qcow2", "ssh_port": "6000", "vnc_port": "6001",
			"gpu_count": "1", "cpu_cores": "8", "mem_size": "16", "disk_size": "100",
		}))
		if err := json.Unmarshal(a.Message, &res); err != nil || a.Errcode != 0 {
			t.Fatalf("second create: %s", a.raw)
		}
		srv.Advance(5 * time.Minute)
		if a := dbcPost(t, c, "/api/v1/tasks/shutdown/"+res.TaskID, signed(t, dbcNode1, freshNonce(), nil)); a.Errcode != 0 {
			t.Fatalf("shutdown: %s", a.raw)
		}
		srv.Advance(time.Minute)
		if st := dbcTaskStatus(t, c, res.TaskID); st != "shutdown error" {
			t.Fatalf("VM status %q, want shutdown error", st)
		}
		logs := dbcPost(t, c, "/api/v1/tasks/logs/"+res.TaskID+"?flag=tail&line_num=100", signed(t, dbcNode1, freshNonce(), nil))
		if logs.Errcode != 0 || !strings.Contains(string(logs.raw), "guest did not shut down") {
			t.Fatalf("the failure is not in the VM's log: %s", logs.raw)
		}
	})
	t.Run("ispmgr", func(t *testing.T) {
		// mgr5 has no async operations: an armed failure has nothing to
		// end, so the request completes as usual and the rule never fires.
		srv, c := runDefault(t)
		setFaults(t, srv, state.FaultRule{Name: "armed", Panel: "ispmgr", Match: state.FaultMatch{Func: "user.edit"},
			Action: state.FaultAction{FailTask: &state.FailTaskSpec{Msg: "never used"}}})
		mgr(c, "/ispmgr", "func", "user.edit", "elid", "vasya", "fullname", "Renamed", "sok", "ok", "out", "sjson", "authinfo", mgrRoot).Expect(t, 200)
		doc := mgrDoc(t, mgr(c, "/ispmgr", "func", "user.edit", "elid", "vasya", "out", "sjson", "authinfo", mgrRoot).Expect(t, 200))
		if text(doc["fullname"]) != "Renamed" || firings(srv, "armed") != 0 {
			t.Fatalf("fullname %q, firings %d", text(doc["fullname"]), firings(srv, "armed"))
		}
	})
}

// mgrHit reads vasya's databases through mgr5 and reports whether a fault
// answered: a cheap, stateless probe (authinfo, no session to age).
func mgrHit(t *testing.T, c *simtest.Client) bool {
	t.Helper()
	c.SkipValidation = true
	defer func() { c.SkipValidation = false }()
	r := mgr(c, "/ispmgr", "func", "db", "out", "sjson", "authinfo", mgrVasya)
	return r.Header.Get("X-Panelsim-Fault") != ""
}

func TestTimesAfterUntilOnTheVirtualClock(t *testing.T) {
	storm := state.FaultAction{Status: 503, Body: "sleeping service"}
	t.Run("times", func(t *testing.T) {
		srv, c := runDefault(t)
		setFaults(t, srv, state.FaultRule{Name: "three", Panel: "ispmgr", When: state.FaultWhen{Times: 3}, Action: storm})
		var got []bool
		for i := 0; i < 5; i++ {
			got = append(got, mgrHit(t, c))
		}
		if fmt.Sprint(got) != "[true true true false false]" {
			t.Fatalf("firings %v", got)
		}
		// Replacing the rules starts the count again.
		setFaults(t, srv, state.FaultRule{Name: "three", Panel: "ispmgr", When: state.FaultWhen{Times: 3}, Action: storm})
		if !mgrHit(t, c) {
			t.Fatal("replaced rule did not fire")
		}
	})
	t.Run("after and until", func(t *testing.T) {
		srv, c := runDefault(t)
		setFaults(t, srv, state.FaultRule{Name: "window", Panel: "ispmgr",
			When: state.FaultWhen{After: state.Duration(10 * time.Minute), Until: state.Duration(20 * time.Minute)}, Action: storm})
		steps := []struct {
			to   time.Duration
			want bool
		}{{0, false}, {10*time.Minute - time.Second, false}, {10 * time.Minute, true}, {20*time.Minute - time.Second, true}, {20 * time.Minute, false}, {3 * time.Hour, false}}
		for _, s := range steps {
			srv.Advance(panelsimtest.DefaultStart.Add(s.to).Sub(srv.Now()))
			if got := mgrHit(t, c); got != s.want {
				t.Fatalf("at +%s the rule fired=%v, want %v", s.to, got, s.want)
			}
		}
	})
	t.Run("until alone", func(t *testing.T) {
		srv, c := runDefault(t)
		setFaults(t, srv, state.FaultRule{Name: "early", Panel: "ispmgr", When: state.FaultWhen{Until: state.Duration(time.Minute)}, Action: storm})
		first := mgrHit(t, c)
		srv.Advance(time.Minute)
		if !first || mgrHit(t, c) {
			t.Fatal("until: want a firing before 1m and none at 1m")
		}
	})
	t.Run("window counts from the scenario start", func(t *testing.T) {
		srv, c := runDefault(t)
		srv.Advance(15 * time.Minute)
		setFaults(t, srv, state.FaultRule{Name: "late", Panel: "ispmgr", When: state.FaultWhen{After: state.Duration(10 * time.Minute)}, Action: storm})
		if !mgrHit(t, c) {
			t.Fatal("a rule with after 10m set at +15m must fire at once")
		}
	})
	t.Run("times inside a window", func(t *testing.T) {
		srv, c := runDefault(t)
		setFaults(t, srv, state.FaultRule{Name: "burst", Panel: "ispmgr",
			When: state.FaultWhen{After: state.Duration(time.Hour), Times: 2}, Action: storm})
		if mgrHit(t, c) {
			t.Fatal("fired before its window")
		}
		srv.Advance(time.Hour)
		got := []bool{mgrHit(t, c), mgrHit(t, c), mgrHit(t, c)}
		if fmt.Sprint(got) != "[true true false]" {
			t.Fatalf("firings in the window %v", got)
		}
	})
	t.Run("times counts firings, not draws", func(t *testing.T) {
		srv, c := runDefault(t)
		setFaults(t, srv, state.FaultRule{Name: "some", Panel: "ispmgr", When: state.FaultWhen{Times: 3, Probability: 0.5}, Action: storm})
		// Three firings, the last after more than three draws: had draws
		// counted, the rule would have stopped after the third request.
		if p := pattern(t, c, 40); strings.Count(p, "x") != 3 || strings.LastIndex(p, "x") < 3 {
			t.Fatalf("times 3 with probability 0.5: %s", p)
		}
	})
	t.Run("first match wins and spent rules step aside", func(t *testing.T) {
		srv, c := runDefault(t)
		setFaults(t, srv,
			state.FaultRule{Name: "first", Panel: "ispmgr", When: state.FaultWhen{Times: 1}, Action: storm},
			state.FaultRule{Name: "second", Panel: "ispmgr", When: state.FaultWhen{Times: 1}, Action: state.FaultAction{Error: &state.NativeErrorSpec{Code: "lock", Msg: "x"}}})
		mgrHit(t, c)
		mgrHit(t, c)
		mgrHit(t, c)
		seq := srv.Requests(state.JournalFilter{Panel: "ispmgr"})
		if len(seq) != 3 || seq[0].Fault != "first" || seq[1].Fault != "second" || seq[2].Fault != "" {
			t.Fatalf("journal %+v", seq)
		}
	})
}

// pattern sends n mgr5 requests and writes which a fault answered.
func pattern(t *testing.T, c *simtest.Client, n int) string {
	t.Helper()
	var b strings.Builder
	for i := 0; i < n; i++ {
		if mgrHit(t, c) {
			b.WriteByte('x')
		} else {
			b.WriteByte('.')
		}
	}
	return b.String()
}

// TestProbabilityIsSeeded: a probabilistic rule draws from the world's
// seeded generator, so the same seed and requests replay the same firings,
// and another seed gives another pattern.
func TestProbabilityIsSeeded(t *testing.T) {
	flaky := state.FaultRule{Name: "flaky", Panel: "ispmgr", When: state.FaultWhen{Probability: 0.5}, Action: state.FaultAction{Status: 502, Body: "Bad Gateway"}}
	run := func(opts ...panelsimtest.Option) string {
		srv, c := runDefault(t, opts...)
		setFaults(t, srv, flaky)
		p := pattern(t, c, 40)
		if n := firings(srv, "flaky"); n != strings.Count(p, "x") {
			t.Fatalf("journal shows %d firings, the client saw %d", n, strings.Count(p, "x"))
		}
		return p
	}
	a, b, other := run(), run(), run(panelsimtest.WithSeed(7))
	if a != b {
		t.Fatalf("same seed, different firings:\n%s\n%s", a, b)
	}
	if a == other {
		t.Fatalf("seeds 42 and 7 fire alike: %s", a)
	}
	for _, p := range []string{a, other} {
		if n := strings.Count(p, "x"); n < 8 || n > 32 {
			t.Fatalf("p=0.5 fired %d of 40 times: %s", n, p)
		}
	}
	// A world reset replays the same draws.
	srv, c := runDefault(t)
	setFaults(t, srv, flaky)
	first := pattern(t, c, 40)
	srv.Reset()
	setFaults(t, srv, flaky)
	if again := pattern(t, c, 40); again != first {
		t.Fatalf("after a reset:\n%s\n%s", first, again)
	}
}

// TestMatchFieldsOnRealPanels: each match field selects what its doc says.
func TestMatchFieldsOnRealPanels(t *testing.T) {
	srv, c := runDefault(t)
	tok := dciLogin(t, c, "admin@example.com")
	sess := imLogin(t, c, "petrov", "superpassword")
	storm := state.FaultAction{Status: 503, Body: "sleeping service"}
	c.SkipValidation = true
	hit := func(r *simtest.Response) bool { return r.Header.Get("X-Panelsim-Fault") != "" }
	cases := []struct {
		name     string
		match    state.FaultMatch
		yes, not func() *simtest.Response
	}{
		{"path glob", state.FaultMatch{Path: "/api/dci/v3/server/*"},
			func() *simtest.Response { return dci(c, "GET", "/api/dci/v3/server/3", "", tok) },
			func() *simtest.Response { return dci(c, "GET", "/api/dci/v3/server", "", tok) }},
		{"dci route template", state.FaultMatch{Route: "/api/dci/v3/server/:id"},
			func() *simtest.Response { return dci(c, "GET", "/dci/v3/server/3", "", tok) },
			func() *simtest.Response { return dci(c, "GET", "/api/dci/v3/server/3/ip", "", tok) }},
		{"method", state.FaultMatch{Method: "post", Path: "/api/dci/v3/*"},
			func() *simtest.Response {
				return dci(c, "POST", "/api/dci/v3/server/3/power_reset", "{}", tok)
			},
			func() *simtest.Response { return dci(c, "GET", "/api/dci/v3/server/3", "", tok) }},
		{"imserver cmd", state.FaultMatch{Cmd: "get_*"},
			func() *simtest.Response { return c.Get("/api?" + query("cmd", "get_servers", "sess", sess)) },
			func() *simtest.Response { return c.Get("/api?" + query("cmd", "mount_iso", "sess", sess)) }},
		{"mgr5 func", state.FaultMatch{Func: "user.edit"},
			func() *simtest.Response {
				return mgr(c, "/ispmgr", "func", "user.edit", "elid", "vasya", "out", "sjson", "authinfo", mgrRoot)
			},
			func() *simtest.Response {
				return mgr(c, "/ispmgr", "func", "user", "out", "sjson", "authinfo", mgrRoot)
			}},
		{"dbc route", state.FaultMatch{Route: "tasks/start"},
			func() *simtest.Response {
				return c.Do("POST", "/api/v1/tasks/start", dbcCreateBody(t), "Content-Type", "application/json")
			},
			func() *simtest.Response {
				return c.Do("POST", "/api/v1/tasks", signed(t, dbcNode1, freshNonce(), nil), "Content-Type", "application/json")
			}},
		{"world", state.FaultMatch{World: "default"},
			func() *simtest.Response {
				return mgr(c, "/ispmgr", "func", "user", "out", "sjson", "authinfo", mgrRoot)
			},
			nil},
	}
	for _, tc := range cases {
		setFaults(t, srv, state.FaultRule{Name: tc.name, Match: tc.match, Action: storm})
		if !hit(tc.yes()) {
			t.Errorf("%s: %+v did not match", tc.name, tc.match)
		}
		if tc.not != nil && hit(tc.not()) {
			t.Errorf("%s: %+v matched a request it should not", tc.name, tc.match)
		}
	}
	// A world-scoped rule set through another world's control plane leaves
	// the default world alone.
	setFaults(t, srv)
	if err := srv.World("blue").SetFaults(state.FaultRule{Name: "blue-only", Action: storm}); err != nil {
		t.Fatal(err)
	}
	if hit(mgr(c, "/ispmgr", "func", "user", "out", "sjson", "authinfo", mgrRoot)) {
		t.Error("the blue world's rule fired in the default world")
	}
	if !hit(mgr(c.World("blue"), "/ispmgr", "func", "user", "out", "sjson", "authinfo", mgrRoot)) {
		t.Error("the blue world's rule did not fire in blue")
	}
	// Paths are matched without the /_w/{world} prefix.
	if err := srv.World("green").SetFaults(state.FaultRule{Name: "green-list", Match: state.FaultMatch{Path: "/ispmgr"}, Action: storm}); err != nil {
		t.Fatal(err)
	}
	if !hit(mgr(c.World("green"), "/ispmgr", "func", "user", "out", "sjson", "authinfo", mgrRoot)) {
		t.Error("a path rule did not match a request under /_w/green")
	}
}

// ctlError is the control plane's error answer.
type ctlError struct {
	Error string `json:"error"`
	Field string `json:"field"`
}

// TestFaultsControlAPI drives /_panelsim/faults with real panels behind it:
// replace, append, read, delete by name and all, per world, and refusals
// that name the field and change nothing.
func TestFaultsControlAPI(t *testing.T) {
	_, c := runDefault(t)
	tok := dciLogin(t, c, "admin@example.com")
	rules := func(cl *simtest.Client) []string {
		var got []state.FaultRule
		cl.Get("/_panelsim/faults").Expect(t, 200).Decode(t, &got)
		var names []string
		for _, r := range got {
			names = append(names, r.Name)
		}
		return names
	}
	c.JSON("POST", "/_panelsim/faults", `[{"name":"storm","panel":"dci6","match":{"method":"GET","path":"/api/dci/v3/server"},"when":{"times":1},"action":{"status":503,"body":"sleeping service"}}]`).Expect(t, 200)
	c.JSON("PATCH", "/_panelsim/faults", `{"name":"locked","panel":"ispmgr","match":{"func":"user"},"action":{"error":{"code":"lock","msg":"Object is locked","value":"user"}}}`).Expect(t, 200)
	c.JSON("PATCH", "/_panelsim/faults", `[{"name":"slow","panel":"imserver","action":{"latency":{"min":"1s","max":"3s"}}}]`).Expect(t, 200)
	if got := fmt.Sprint(rules(c)); got != "[storm locked slow]" {
		t.Fatalf("rules %s", got)
	}
	// They fire on the real panels.
	c.SkipValidation = true
	if r := dci(c, "GET", "/api/dci/v3/server", "", tok); r.Status != 503 {
		t.Fatalf("storm: %d", r.Status)
	}
	c.SkipValidation = false
	dci(c, "GET", "/api/dci/v3/server", "", tok).Expect(t, 200)
	if typ, _, _ := mgrError(mgrDoc(t, mgr(c, "/ispmgr", "func", "user", "out", "sjson", "authinfo", mgrRoot))); typ != "lock" {
		t.Fatal("locked did not fire")
	}
	// Refusals name the field and leave the rules as they were.
	bad := []struct{ method, body, field string }{
		{"POST", `[{"panel":"dci6","action":{"status":503}}]`, "[0].name"},
		{"POST", `[{"name":"a","action":{"status":503}},{"name":"a","action":{"reset":true}}]`, "[1].name"},
		{"POST", `[{"name":"a","panel":"cpanel","action":{"status":503}}]`, "[0].panel"},
		{"POST", `[{"name":"a","action":{"status":503,"reset":true}}]`, "[0].action"},
		{"POST", `[{"name":"a","action":{}}]`, "[0].action"},
		{"POST", `[{"name":"a","action":{"status":99}}]`, "[0].action.status"},
		{"POST", `[{"name":"a","action":{"reset":true,"body":"x"}}]`, "[0].action.body"},
		{"POST", `[{"name":"a","action":{"error":{"msg":"no code"}}}]`, "[0].action.error.code"},
		{"POST", `[{"name":"a","action":{"error":{"code":"1","status":700}}}]`, "[0].action.error.status"},
		{"POST", `[{"name":"a","action":{"latency":{"fixed":"1s","max":"2s"}}}]`, "[0].action.latency"},
		{"POST", `[{"name":"a","action":{"latency":{"min":"5s","max":"2s"}}}]`, "[0].action.latency.max"},
		{"POST", `[{"name":"a","action":{"latency":{}}}]`, "[0].action.latency"},
		{"POST", `[{"name":"a","when":{"probability":1.5},"action":{"reset":true}}]`, "[0].when"},
		{"POST", `[{"name":"a","when":{"times":-1},"action":{"reset":true}}]`, "[0].when"},
		{"POST", `[{"name":"a","when":{"after":"20m","until":"10m"},"action":{"reset":true}}]`, "[0].when"},
		{"POST", `[{"name":"a","when":{"after":"soon"},"action":{"reset":true}}]`, "body"},
		{"POST", `[{"name":"a","action":{"explode":true}}]`, "explode"},
		{"POST", `[{"name":"a","action":{"status":"503"}}]`, "action.status"},
		{"POST", `[{"name":"a",`, "body"},
		{"PATCH", `{"name":"storm","action":{"reset":true}}`, "[3].name"},
		{"PATCH", `{"name":"b","panel":"nope","action":{"reset":true}}`, "[3].panel"},
	}
	for _, b := range bad {
		var e ctlError
		c.JSON(b.method, "/_panelsim/faults", b.body).Expect(t, 400).Decode(t, &e)
		if e.Field != b.field || e.Error == "" {
			t.Errorf("%s %s: field %q (%s), want %q", b.method, b.body, e.Field, e.Error, b.field)
		}
	}
	if got := fmt.Sprint(rules(c)); got != "[storm locked slow]" {
		t.Fatalf("a refused change altered the rules: %s", got)
	}
	// Delete by name, an unknown name, then all.
	c.Do("DELETE", "/_panelsim/faults?name=locked", nil).Expect(t, 200)
	var e ctlError
	c.Do("DELETE", "/_panelsim/faults?name=locked", nil).Expect(t, 404).Decode(t, &e)
	if e.Field != "name" {
		t.Errorf("delete unknown: %+v", e)
	}
	mgr(c, "/ispmgr", "func", "user", "out", "sjson", "authinfo", mgrRoot).Expect(t, 200)
	if got := fmt.Sprint(rules(c)); got != "[storm slow]" {
		t.Fatalf("after delete: %s", got)
	}
	// Per world: blue's rules are its own.
	blue := c.World("blue")
	blue.JSON("POST", "/_panelsim/faults", `[{"name":"blue-reset","action":{"reset":true}}]`).Expect(t, 200)
	if got := fmt.Sprint(rules(c)); got != "[storm slow]" {
		t.Fatalf("blue's POST changed default: %s", got)
	}
	c.Do("DELETE", "/_panelsim/faults", nil).Expect(t, 200)
	if got := rules(c); len(got) != 0 {
		t.Fatalf("after delete all: %v", got)
	}
	if got := fmt.Sprint(rules(blue)); got != "[blue-reset]" {
		t.Fatalf("default's DELETE changed blue: %s", got)
	}
	// A catch-all rule never reaches the control plane, so it can always
	// be removed.
	c.JSON("POST", "/_panelsim/faults", `[{"name":"everything","action":{"reset":true}}]`).Expect(t, 200)
	c.Get("/_panelsim/health").Expect(t, 200)
	c.Get("/_panelsim/clock").Expect(t, 200)
	c.Do("DELETE", "/_panelsim/faults", nil).Expect(t, 200)
	// POST [] clears too.
	blue.JSON("POST", "/_panelsim/faults", `[]`).Expect(t, 200)
	if got := rules(blue); len(got) != 0 {
		t.Fatalf("POST [] left %v", got)
	}
}

// TestConcurrentLatencyMovesTheClockOnce: in manual mode each delayed
// answer moves the world's clock by its own delay, also when clients wait
// side by side; nothing deadlocks and no delay is lost.
func TestConcurrentLatencyMovesTheClockOnce(t *testing.T) {
	srv, _ := runDefault(t)
	setFaults(t, srv, state.FaultRule{Name: "slow", Panel: "ispmgr", Action: state.FaultAction{Latency: &state.LatencySpec{Fixed: state.Duration(time.Second)}}})
	const workers, each = 8, 5
	errs := make(chan error, workers)
	read := request{"GET", "/ispmgr?" + query("func", "user", "out", "sjson", "authinfo", mgrRoot), nil, nil}
	for i := 0; i < workers; i++ {
		go func() {
			for j := 0; j < each; j++ {
				resp, err := read.raw(srv.URL())
				if err != nil {
					errs <- err
					return
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 || resp.Header.Get("X-Panelsim-Latency") != "1s" {
					errs <- fmt.Errorf("answer %d, latency %q", resp.StatusCode, resp.Header.Get("X-Panelsim-Latency"))
					return
				}
			}
			errs <- nil
		}()
	}
	for i := 0; i < workers; i++ {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if got := srv.Now().Sub(panelsimtest.DefaultStart); got != workers*each*time.Second {
		t.Fatalf("clock moved %s, want %s", got, workers*each*time.Second)
	}
}

// TestFailTaskWaitsForAnOperation: a fail_task rule with times 1 is not
// spent by a request the panel refuses (a bad template, 400); the next
// matching async operation fails, as the issue asks.
func TestFailTaskWaitsForAnOperation(t *testing.T) {
	srv, c := runStory(t, "dci6-os-install-partitioning")
	tok := dciLogin(t, c, "admin@example.com")
	dci(c, "POST", "/api/dci/v3/server/1/operation_os", `{"os_template_id":42}`, tok).Expect(t, 400)
	var ref dciRef
	dci(c, "POST", "/api/dci/v3/server/1/operation_os", `{"os_template_id":2}`, tok).Expect(t, 200).Decode(t, &ref)
	srv.Advance(15 * time.Minute)
	if task := dciTaskGet(t, c, tok, ref.Task); task.Status != "fail" {
		t.Fatalf("the first install that started was not failed: %+v", task)
	}
}

// TestNativeErrorDetail: mgr5 is the one panel whose error envelope has a
// detail (in its JSON renderings); a rule's error.detail fills it. The other
// envelopes have no such field.
func TestNativeErrorDetail(t *testing.T) {
	srv, c := runDefault(t)
	setFaults(t, srv, state.FaultRule{Name: "locked", Panel: "ispmgr",
		Action: state.FaultAction{Error: &state.NativeErrorSpec{Code: "lock", Msg: "Object is locked", Value: "user", Detail: "locked by a backup"}}})
	e, _ := mgrDoc(t, mgr(c, "/ispmgr", "func", "user", "out", "sjson", "authinfo", mgrRoot))["error"].(map[string]any)
	if text(e["detail"]) != "locked by a backup" {
		t.Fatalf("mgr5 detail %v", e["detail"])
	}
}

// TestFaultsOnADedicatedListener: a panel served on its own port
// (--listen ispmgr=ADDR) shares the world, so its rules fire there too.
func TestFaultsOnADedicatedListener(t *testing.T) {
	srv, _ := runDefault(t)
	h, err := srv.Sim().PanelHandler("ispmgr")
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(h)
	defer hs.Close()
	setFaults(t, srv, state.FaultRule{Name: "storm", Panel: "ispmgr", When: state.FaultWhen{Times: 1}, Action: state.FaultAction{Status: 503, Body: "sleeping service"}})
	read := request{"GET", "/manager/ispmgr?" + query("func", "user", "out", "xml", "authinfo", mgrRoot), nil, nil}
	for i, want := range []int{503, 200} {
		resp, err := read.raw(hs.URL)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Fatalf("request %d on the dedicated listener: %d, want %d", i+1, resp.StatusCode, want)
		}
	}
	if n := firings(srv, "storm"); n != 1 {
		t.Fatalf("journal shows %d firings, want 1", n)
	}
}
