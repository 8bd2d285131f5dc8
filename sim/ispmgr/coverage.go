package ispmgr

import (
	"sort"

	"github.com/panelsim/panelsim/state"
)

// errorTypes are every error type the panel can send (errors.go); the
// coverage test checks this list against the constants there.
var errorTypes = []string{errAuth, errExists, errMissed, errValue, errAccess, errNotFound, errLimit, errInternal, errUsed}

// The authentication paths coverage counts.
const (
	authPassword = "password"       // func=auth with username and password
	authKey      = "key"            // func=auth with a one-time key
	authInfo     = "authinfo"       // authinfo=user:password on the call itself
	authSession  = "session"        // auth=<sid> or the session cookie
	authExpired  = "session_expiry" // a session past its idle lifetime
	authSu       = "su"             // an admin acting as another user
)

// Universe is what the panel can do, from both products' func tables and
// its error types. A func is one operation whatever its out= format.
func (*Panel) Universe() state.Universe {
	u := state.Universe{Codes: errorTypes}
	seen := map[string]bool{"auth": true}
	u.Operations = []string{"auth"}
	for _, table := range []map[string]funcSpec{ispFuncs, ipFuncs} {
		for fn := range table {
			if !seen[fn] {
				seen[fn] = true
				u.Operations = append(u.Operations, fn)
			}
		}
	}
	sort.Strings(u.Operations)
	u.Auth = []string{authPassword, authKey, authInfo, authSession, authExpired, authSu}
	return u
}
