package state

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
)

var panels = []string{"dci6", "imserver"}

func TestValidateFaultsNamesTheField(t *testing.T) {
	ok := FaultAction{Status: 503}
	cases := []struct {
		rules []FaultRule
		field string
	}{
		{[]FaultRule{{Action: ok}}, "name"},
		{[]FaultRule{{Name: "a", Action: ok}, {Name: "a", Action: ok}}, "name"},
		{[]FaultRule{{Name: "a", Panel: "nope", Action: ok}}, "panel"},
		{[]FaultRule{{Name: "a"}}, "action"},
		{[]FaultRule{{Name: "a", Action: FaultAction{Status: 503, Reset: true}}}, "action"},
		{[]FaultRule{{Name: "a", Action: FaultAction{Status: 99}}}, "action.status"},
		{[]FaultRule{{Name: "a", Action: FaultAction{Error: &NativeErrorSpec{}}}}, "action.error.code"},
		{[]FaultRule{{Name: "a", Action: FaultAction{Latency: &LatencySpec{}}}}, "action.latency"},
		{[]FaultRule{{Name: "a", Action: FaultAction{Latency: &LatencySpec{Min: Duration(time.Second), Max: 1}}}}, "action.latency.max"},
		{[]FaultRule{{Name: "a", Action: FaultAction{Reset: true, Body: "x"}}}, "action.body"},
		{[]FaultRule{{Name: "a", When: FaultWhen{Probability: 1.5}, Action: ok}}, "when"},
		{[]FaultRule{{Name: "a", When: FaultWhen{After: Duration(time.Hour), Until: Duration(time.Minute)}, Action: ok}}, "when"},
		{[]FaultRule{{Name: "a", When: FaultWhen{Times: -1}, Action: ok}}, "when"},
	}
	for i, c := range cases {
		err := ValidateFaults(c.rules, panels)
		var fe *FaultError
		if !errors.As(err, &fe) || fe.Field != c.field {
			t.Errorf("case %d: err %v, want field %s", i, err, c.field)
		}
	}
	good := []FaultRule{
		{Name: "storm", Panel: "dci6", Match: FaultMatch{Path: "/api/dci/v3/server*"}, When: FaultWhen{Times: 3}, Action: ok},
		{Name: "slow", Action: FaultAction{Latency: &LatencySpec{Min: Duration(time.Second), Max: Duration(2 * time.Second)}}},
		{Name: "fail", Action: FaultAction{FailTask: &FailTaskSpec{Step: "partitioning"}}},
	}
	if err := ValidateFaults(good, panels); err != nil {
		t.Fatal(err)
	}
}

func faultWorld(t *testing.T, rules ...FaultRule) *World {
	t.Helper()
	w := newTestWorld(t, nil, ClockMode{}, nil)
	if err := ValidateFaults(rules, panels); err != nil {
		t.Fatal(err)
	}
	w.SetFaults(rules)
	return w
}

var req = RequestInfo{World: "t", Panel: "dci6", Method: "GET", Path: "/api/dci/v3/server", Op: "GET /api/dci/v3/server"}

func TestFaultTimesCapsFirings(t *testing.T) {
	w := faultWorld(t, FaultRule{Name: "storm", Match: FaultMatch{Path: "/api/dci/v3/server*"}, When: FaultWhen{Times: 2}, Action: FaultAction{Status: 503}})
	var fired int
	for i := 0; i < 5; i++ {
		if _, ok := w.MatchFault(req); ok {
			fired++
		}
	}
	if fired != 2 {
		t.Fatalf("fired %d times, want 2", fired)
	}
	w.SetFaults(w.Faults()) // replacing rules resets their counts
	if _, ok := w.MatchFault(req); !ok {
		t.Fatal("count survived SetFaults")
	}
}

func TestFaultAfterUntilWindowInVirtualTime(t *testing.T) {
	w := faultWorld(t, FaultRule{Name: "win", When: FaultWhen{After: Duration(10 * time.Minute), Until: Duration(20 * time.Minute)}, Action: FaultAction{Status: 503}})
	check := func(at time.Duration, want bool) {
		t.Helper()
		if _, err := w.Set(t0.Add(at)); err != nil {
			t.Fatal(err)
		}
		if _, ok := w.MatchFault(req); ok != want {
			t.Fatalf("at %s fired=%v, want %v", at, ok, want)
		}
	}
	check(0, false)
	check(9*time.Minute, false)
	check(10*time.Minute, true)
	check(19*time.Minute, true)
	check(20*time.Minute, false)
}

func TestFaultMatchFields(t *testing.T) {
	w := faultWorld(t,
		FaultRule{Name: "other-panel", Panel: "imserver", Action: FaultAction{Status: 500}},
		FaultRule{Name: "post-only", Match: FaultMatch{Method: "post"}, Action: FaultAction{Status: 501}},
		FaultRule{Name: "by-op", Match: FaultMatch{Route: "GET /api/dci/v3/server"}, Action: FaultAction{Status: 502}},
	)
	hit, ok := w.MatchFault(req)
	if !ok || hit.Rule.Name != "by-op" {
		t.Fatalf("hit %+v, want by-op (first matching rule)", hit.Rule.Name)
	}
	post := req
	post.Method = "POST"
	if hit, _ := w.MatchFault(post); hit.Rule.Name != "post-only" {
		t.Fatalf("POST hit %q, want post-only", hit.Rule.Name)
	}
	other := req
	other.World = "else"
	w.SetFaults([]FaultRule{{Name: "w", Match: FaultMatch{World: "t"}, Action: FaultAction{Status: 503}}})
	if _, ok := w.MatchFault(other); ok {
		t.Fatal("a rule for world t fired in another world")
	}
}

func TestFaultProbabilityReplaysUnderASeed(t *testing.T) {
	pattern := func() string {
		w := faultWorld(t, FaultRule{Name: "flaky", When: FaultWhen{Probability: 0.3}, Action: FaultAction{Status: 503}})
		var b strings.Builder
		for i := 0; i < 200; i++ {
			if _, ok := w.MatchFault(req); ok {
				b.WriteByte('x')
			} else {
				b.WriteByte('.')
			}
		}
		return b.String()
	}
	a, b := pattern(), pattern()
	if a != b {
		t.Fatalf("same seed, different firings:\n%s\n%s", a, b)
	}
	n := strings.Count(a, "x")
	if n < 30 || n > 90 {
		t.Fatalf("probability 0.3 fired %d of 200", n)
	}
}

func TestFaultLatencyDrawnWithinBounds(t *testing.T) {
	w := faultWorld(t, FaultRule{Name: "slow", Action: FaultAction{Latency: &LatencySpec{Min: Duration(time.Second), Max: Duration(3 * time.Second)}}})
	for i := 0; i < 50; i++ {
		hit, _ := w.MatchFault(req)
		if hit.Latency < time.Second || hit.Latency > 3*time.Second {
			t.Fatalf("latency %s outside [1s,3s]", hit.Latency)
		}
	}
}

func TestGlob(t *testing.T) {
	cases := []struct {
		p, s string
		want bool
	}{
		{"/api/dci/v3/server*", "/api/dci/v3/server/12/ip", true},
		{"/api/*/server", "/api/dci/v3/server", true},
		{"/api/?", "/api/x", true},
		{"/api/?", "/api/xy", false},
		{"", "", true},
		{"*", "", true},
		{"a*b*c", "aXXbYYc", true},
		{"a*b*c", "aXXbYY", false},
		{"exact", "exactly", false},
	}
	for _, c := range cases {
		if got := Glob(c.p, c.s); got != c.want {
			t.Errorf("Glob(%q, %q) = %v", c.p, c.s, got)
		}
	}
}

func TestParseDuration(t *testing.T) {
	for in, want := range map[string]time.Duration{"15m": 15 * time.Minute, "1h30m": 90 * time.Minute, "2d": 48 * time.Hour, "1d12h": 36 * time.Hour, "0s": 0} {
		if got, err := ParseDuration(in); err != nil || got != want {
			t.Errorf("%q: %s %v", in, got, err)
		}
	}
	for _, bad := range []string{"", "5", "d", "xd", "1d1d", "soon", "1.5d"} {
		if _, err := ParseDuration(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestCodeAcceptsNumbersAndStrings(t *testing.T) {
	var a struct{ Code Code }
	for in, want := range map[string]string{`{"Code":3001}`: "3001", `{"Code":"0027"}`: "0027", `{"Code":-3}`: "-3"} {
		if err := json.Unmarshal([]byte(in), &a); err != nil || string(a.Code) != want {
			t.Errorf("%s: %q %v", in, a.Code, err)
		}
	}
	if err := json.Unmarshal([]byte(`{"Code":{}}`), &a); err == nil {
		t.Error("object accepted as a code")
	}
}

func FuzzGlob(f *testing.F) {
	f.Add("/api/*/server?", "/api/dci/v3/server1")
	f.Add("**a*", "bab")
	f.Fuzz(func(t *testing.T, p, s string) {
		if len(p) > 64 || len(s) > 256 {
			return
		}
		if Glob(p, s) && !strings.ContainsAny(p, "*?") && p != s {
			t.Fatalf("literal %q matched %q", p, s)
		}
	})
}

func FuzzParseDuration(f *testing.F) {
	for _, s := range []string{"15m", "2d", "1d12h", "", "-1s", "9999999d"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDuration(s)
		if err == nil && strings.TrimSpace(s) == "" {
			t.Fatalf("empty %q parsed as %s", s, d)
		}
	})
}

func FuzzFaultRulesJSON(f *testing.F) {
	f.Add(`[{"name":"a","action":{"status":503}}]`)
	f.Add(`[{"name":"b","when":{"after":"1m","times":2,"probability":0.5},"action":{"latency":{"min":"1s","max":"2s"}}}]`)
	f.Add(`[{"name":"c","action":{"error":{"code":3001,"msg":"x"}}}]`)
	f.Fuzz(func(t *testing.T, in string) {
		var rules []FaultRule
		if json.Unmarshal([]byte(in), &rules) != nil {
			return
		}
		if ValidateFaults(rules, panels) != nil {
			return
		}
		w := newTestWorld(t, nil, ClockMode{}, nil)
		w.SetFaults(rules)
		for i := 0; i < 3; i++ {
			if hit, ok := w.MatchFault(req); ok && hit.Latency < 0 {
				t.Fatalf("negative latency %s", hit.Latency)
			}
		}
	})
}

func TestFailTaskRuleFiresWhenAnOperationTakesIt(t *testing.T) {
	w := faultWorld(t, FaultRule{Name: "fail", When: FaultWhen{Times: 1}, Action: FaultAction{FailTask: &FailTaskSpec{Step: "partitioning"}}})
	arm := func() *Scope {
		hit, ok := w.MatchFault(req)
		if !ok {
			return nil
		}
		return &Scope{FailTask: hit.Rule.Action.FailTask, FailRule: hit.Rule.Name}
	}
	refused := arm() // a request the panel refuses before starting anything
	_ = w.DoScoped(refused, func(tx *Tx) error { return nil })
	taken := arm()
	if taken == nil {
		t.Fatal("a refused request used up the rule")
	}
	_ = w.DoScoped(taken, func(tx *Tx) error {
		if tx.TaskFailure() == nil || tx.TaskFailure() != nil {
			t.Error("the failure is not handed out exactly once")
		}
		return nil
	})
	if !taken.FailFired || refused.FailFired {
		t.Fatal("FailFired wrong")
	}
	if arm() != nil {
		t.Fatal("the rule fired again after its one time")
	}
}

// TestFaultRulesFireHoweverTheWorldGotThem holds MatchFault's lock-free
// answer for a world without rules to every way a world gets rules: set,
// cleared, built with them, cloned, restored.
func TestFaultRulesFireHoweverTheWorldGotThem(t *testing.T) {
	rule := FaultRule{Name: "down", Action: FaultAction{Status: 503}}
	fires := func(w *World) bool { _, ok := w.MatchFault(req); return ok }
	w := newTestWorld(t, nil, ClockMode{}, nil)
	if fires(w) {
		t.Fatal("a world without rules fired")
	}
	w.SetFaults([]FaultRule{rule})
	if !fires(w) {
		t.Fatal("SetFaults: the rule does not fire")
	}
	if !fires(w.Clone("c")) {
		t.Fatal("Clone: the rule does not fire")
	}
	snap, err := w.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	restored, err := Restore(w.Config(), snap)
	if err != nil {
		t.Fatal(err)
	}
	if !fires(restored) {
		t.Fatal("Restore: the rule does not fire")
	}
	built, err := NewWorld(Config{Name: "b", Seed: 7, Start: t0, Faults: []FaultRule{rule}})
	if err != nil {
		t.Fatal(err)
	}
	if !fires(built) {
		t.Fatal("NewWorld: the rule does not fire")
	}
	w.SetFaults(nil)
	if fires(w) || fires(w.Clone("d")) {
		t.Fatal("cleared rules still fire")
	}
}
