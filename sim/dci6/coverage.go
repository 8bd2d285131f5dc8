package dci6

import (
	"sort"
	"strconv"

	"github.com/panelsim/panelsim/state"
)

// errorCodes are every code the panel can send (errors.go); the coverage
// test checks this list against the constants there.
var errorCodes = []int{
	codeInternal, codeBadRequest, codeNoHandler, codeUnauthorized, codeBadLogin, codeAccessDenied,
	codeBadKey, codeNotFound, codeBusy, codeWrongState, codeIPTaken, codePoolExhausted,
	codeWrongFamily, codeInUse, codeDuplicate,
}

// taskPlans are the steps each kind of task goes through, from the plans
// the model starts them with.
func taskPlans() map[string][]stepPlan {
	plans := map[string][]stepPlan{
		taskOS: osPlan, taskDiag: diagPlan, taskClearHDD: mergePlans(clearPlan, clearNoPlan),
		taskIPAdd: {{"allocate", 1}}, taskIPDelete: {{"delete", 1}},
		"suspend": {{"switch_ports", 1}}, "resume": {{"switch_ports", 1}},
	}
	for action := range powerActions {
		plans[action] = []stepPlan{{action, 1}}
	}
	return plans
}

func mergePlans(a, b []stepPlan) []stepPlan {
	out := append([]stepPlan(nil), a...)
	for _, p := range b {
		seen := false
		for _, q := range out {
			seen = seen || q.name == p.name
		}
		if !seen {
			out = append(out, p)
		}
	}
	return out
}

// The authentication paths coverage counts.
const (
	authPassword = "password"     // POST public/token or v3 auth
	authKey      = "key"          // a one-time login key
	authToken    = "token"        // a request with a valid token
	authExpired  = "token_expiry" // a token past its idle lifetime
)

// Universe is what the panel can do, from its route, code and task tables.
func (p *Panel) Universe() state.Universe {
	var u state.Universe
	seen := map[string]bool{}
	for _, rt := range p.routes() {
		op := p.CanonicalPath(rt.path)
		if !seen[op] {
			seen[op] = true
			u.Operations = append(u.Operations, op)
		}
	}
	for _, c := range errorCodes {
		u.Codes = append(u.Codes, strconv.Itoa(c))
	}
	for kind, plan := range taskPlans() {
		for _, st := range plan {
			u.Tasks = append(u.Tasks, kind+"/"+st.name)
		}
		u.Tasks = append(u.Tasks, kind+"/"+taskComplete, kind+"/"+taskFail)
	}
	sort.Strings(u.Tasks)
	u.Auth = []string{authPassword, authKey, authToken, authExpired}
	return u
}
