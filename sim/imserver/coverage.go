package imserver

import (
	"sort"

	"github.com/panelsim/panelsim/state"
)

// errorCodes are every code the panel can send (errors.go); the coverage
// test checks this list against the constants there.
var errorCodes = []string{
	CodeUnknownCommand, CodeMissingParam, CodeBadValue, CodeMethod, CodeNoSession, CodeBadLogin,
	CodeSMSKeyNeeded, CodeWrongKey, CodeSMSThrottled, CodeSMSAttempts, CodeSMSExpired,
	CodePasskeyNeeded, CodeServerNotFound, CodeServerBusy, CodeNotFound, CodeWrongState,
	CodeNoBalance, CodeUnknownPreset, CodeExists, CodeInUse, CodeWorld, CodeInternal,
}

// The terminal states of a server task, as coverage names them.
const (
	coverDone   = "done"
	coverFailed = "failed"
)

// The authentication paths coverage counts.
const (
	authPassword = "password"       // login without a second factor
	authSMS      = "sms_key"        // login with a live SMS key
	authPasskey  = "passkey"        // login with an eToken PASS key
	authSession  = "session"        // a command with a live session
	authExpired  = "session_expiry" // a session past its lifetime
)

// Universe is what the panel can do, from its command, code and action tables.
func (*Panel) Universe() state.Universe {
	u := state.Universe{Codes: errorCodes}
	for name := range commands {
		u.Operations = append(u.Operations, name)
	}
	sort.Strings(u.Operations)
	for cmd := range actions {
		u.Tasks = append(u.Tasks, cmd+"/"+coverDone, cmd+"/"+coverFailed)
	}
	sort.Strings(u.Tasks)
	u.Auth = []string{authPassword, authSMS, authPasskey, authSession, authExpired}
	return u
}
