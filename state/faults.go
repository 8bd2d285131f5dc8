package state

import (
	"fmt"
	"strings"
	"time"
)

// FaultRule makes a panel misbehave on purpose. Rules are evaluated in order
// and the first whose match and timing hold fires its one action.
type FaultRule struct {
	Name   string      `json:"name" yaml:"name"`
	Panel  string      `json:"panel,omitempty" yaml:"panel"`
	Match  FaultMatch  `json:"match,omitempty" yaml:"match"`
	When   FaultWhen   `json:"when,omitempty" yaml:"when"`
	Action FaultAction `json:"action" yaml:"action"`
}

// FaultMatch selects requests. Empty fields match anything. Cmd (IMserver),
// Func (mgr5) and Route (DBC, DCI) all compare against the request's
// operation name as the panel reports it.
type FaultMatch struct {
	Method string `json:"method,omitempty" yaml:"method"`
	Path   string `json:"path,omitempty" yaml:"path"`
	Cmd    string `json:"cmd,omitempty" yaml:"cmd"`
	Func   string `json:"func,omitempty" yaml:"func"`
	Route  string `json:"route,omitempty" yaml:"route"`
	World  string `json:"world,omitempty" yaml:"world"`
}

// FaultWhen limits a rule in virtual time since the scenario start, in how
// often it fires, and by chance drawn from the world's seeded RNG.
type FaultWhen struct {
	After       Duration `json:"after,omitempty" yaml:"after"`
	Until       Duration `json:"until,omitempty" yaml:"until"`
	Times       int      `json:"times,omitempty" yaml:"times"`
	Probability float64  `json:"probability,omitempty" yaml:"probability"`
}

// FaultAction is exactly one thing the rule does.
type FaultAction struct {
	// Status answers with this HTTP status, Body and Headers verbatim.
	Status  int               `json:"status,omitempty" yaml:"status"`
	Body    string            `json:"body,omitempty" yaml:"body"`
	Headers map[string]string `json:"headers,omitempty" yaml:"headers"`
	// Error answers with a native error in the panel's own envelope.
	Error *NativeErrorSpec `json:"error,omitempty" yaml:"error"`
	// Latency delays the real answer.
	Latency *LatencySpec `json:"latency,omitempty" yaml:"latency"`
	// Reset closes the connection without answering.
	Reset bool `json:"reset,omitempty" yaml:"reset"`
	// Empty sends the headers of a 200 and closes without a body.
	Empty bool `json:"empty,omitempty" yaml:"empty"`
	// Malformed sends the real answer cut in half.
	Malformed bool `json:"malformed,omitempty" yaml:"malformed"`
	// FailTask lets the request through but makes the async operation it
	// starts end in the panel's failure state at the named step.
	FailTask *FailTaskSpec `json:"fail_task,omitempty" yaml:"fail_task"`
}

// NativeErrorSpec is a panel error by code and message. Status overrides the
// HTTP status the panel would use for the code.
type NativeErrorSpec struct {
	Code   Code   `json:"code" yaml:"code"`
	Msg    string `json:"msg,omitempty" yaml:"msg"`
	Value  string `json:"value,omitempty" yaml:"value"`
	Detail string `json:"detail,omitempty" yaml:"detail"`
	Status int    `json:"status,omitempty" yaml:"status"`
}

// LatencySpec is a fixed delay or one drawn uniformly from [Min, Max].
type LatencySpec struct {
	Fixed Duration `json:"fixed,omitempty" yaml:"fixed"`
	Min   Duration `json:"min,omitempty" yaml:"min"`
	Max   Duration `json:"max,omitempty" yaml:"max"`
}

// FailTaskSpec names the step at which the operation fails and, optionally,
// the failure information the panel reports.
type FailTaskSpec struct {
	Step string `json:"step,omitempty" yaml:"step"`
	Code Code   `json:"code,omitempty" yaml:"code"`
	Msg  string `json:"msg,omitempty" yaml:"msg"`
}

// FaultError is a rule that cannot be used, with the offending field.
type FaultError struct {
	Index int
	Field string
	Msg   string
}

func (e *FaultError) Error() string {
	return fmt.Sprintf("faults[%d].%s: %s", e.Index, e.Field, e.Msg)
}

// ValidateFaults checks a whole rule list; panels is the set of panel names
// that may be named. The first problem is returned and nothing should be
// applied when there is one.
func ValidateFaults(rules []FaultRule, panels []string) error {
	if len(rules) > MaxFaultRules {
		return &FaultError{Index: MaxFaultRules, Field: "name", Msg: fmt.Sprintf("too many fault rules: %d (at most %d)", len(rules), MaxFaultRules)}
	}
	seen := map[string]bool{}
	for i, r := range rules {
		bad := func(field, format string, a ...any) error {
			return &FaultError{Index: i, Field: field, Msg: fmt.Sprintf(format, a...)}
		}
		if r.Name == "" {
			return bad("name", "a rule needs a name")
		}
		if seen[r.Name] {
			return bad("name", "duplicate rule name %q", r.Name)
		}
		seen[r.Name] = true
		if r.Panel != "" && !contains(panels, r.Panel) {
			return bad("panel", "unknown panel %q (want one of %s)", r.Panel, strings.Join(panels, ", "))
		}
		if err := validateWhen(r.When); err != "" {
			return bad("when", "%s", err)
		}
		if field, err := validateAction(r.Action); err != "" {
			return bad("action"+field, "%s", err)
		}
	}
	return nil
}

func validateWhen(w FaultWhen) string {
	switch {
	case w.After < 0 || w.Until < 0:
		return "after and until must not be negative"
	case w.Until != 0 && w.Until <= w.After:
		return "until must be later than after"
	case w.Times < 0:
		return "times must not be negative"
	case w.Probability < 0 || w.Probability > 1:
		return "probability must be between 0 and 1"
	}
	return ""
}

func validateAction(a FaultAction) (field, msg string) {
	n := 0
	for _, set := range []bool{a.Status != 0, a.Error != nil, a.Latency != nil, a.Reset, a.Empty, a.Malformed, a.FailTask != nil} {
		if set {
			n++
		}
	}
	if n != 1 {
		return "", "exactly one of status, error, latency, reset, empty, malformed, fail_task is required"
	}
	if (a.Body != "" || len(a.Headers) > 0) && a.Status == 0 {
		return ".body", "body and headers go with status"
	}
	switch {
	case a.Status != 0 && (a.Status < 100 || a.Status > 599):
		return ".status", "status must be an HTTP status between 100 and 599"
	case a.Error != nil && a.Error.Code == "":
		return ".error.code", "a native error needs a code"
	case a.Error != nil && a.Error.Status != 0 && (a.Error.Status < 100 || a.Error.Status > 599):
		return ".error.status", "status must be an HTTP status between 100 and 599"
	case a.Latency != nil:
		return validateLatency(*a.Latency)
	}
	return "", ""
}

func validateLatency(l LatencySpec) (field, msg string) {
	switch {
	case l.Fixed < 0 || l.Min < 0 || l.Max < 0:
		return ".latency", "latency must not be negative"
	case l.Fixed != 0 && (l.Min != 0 || l.Max != 0):
		return ".latency", "give fixed or min/max, not both"
	case l.Fixed == 0 && l.Max == 0:
		return ".latency", "give fixed or max"
	case l.Max != 0 && l.Max < l.Min:
		return ".latency.max", "max must not be less than min"
	}
	return "", ""
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// RequestInfo is what a fault rule can see of a request.
type RequestInfo struct {
	World  string
	Panel  string
	Method string
	Path   string
	// Op is the panel's operation name: IMserver cmd, mgr5 func, DBC route.
	Op string
}

// matches reports whether the rule's match and time window select the
// request, elapsed being the virtual time since the scenario start.
func (r FaultRule) matches(req RequestInfo, elapsed time.Duration) bool {
	m := r.Match
	switch {
	case r.Panel != "" && r.Panel != req.Panel,
		m.World != "" && m.World != req.World,
		m.Method != "" && !strings.EqualFold(m.Method, req.Method),
		m.Path != "" && !Glob(m.Path, req.Path),
		m.Cmd != "" && !Glob(m.Cmd, req.Op),
		m.Func != "" && !Glob(m.Func, req.Op),
		m.Route != "" && !Glob(m.Route, req.Op),
		elapsed < r.When.After.D(),
		r.When.Until != 0 && elapsed >= r.When.Until.D():
		return false
	}
	return true
}

// Glob matches s against a pattern where * is any run of characters
// (slashes included) and ? is one byte. It backtracks only to the last star
// seen, so it takes at most len(pattern)*len(s) steps whatever the pattern
// (a recursive matcher is exponential in the number of stars, and runs under
// the world's and the journal's locks).
func Glob(pattern, s string) bool {
	p, i := 0, 0
	star, resume := -1, 0 // the last star's index in pattern, and where in s it resumes
	for i < len(s) {
		switch {
		case p < len(pattern) && pattern[p] == '*':
			star, resume = p, i
			p++
		case p < len(pattern) && (pattern[p] == '?' || pattern[p] == s[i]):
			p, i = p+1, i+1
		case star >= 0:
			// Let the last star take one more byte and retry from there.
			resume++
			p, i = star+1, resume
		default:
			return false
		}
	}
	for p < len(pattern) && pattern[p] == '*' {
		p++
	}
	return p == len(pattern)
}
