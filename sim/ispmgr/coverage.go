package ispmgr

import (
	"sort"

	"github.com/labstack/echo/v4"

	"github.com/panelsim/panelsim/sim/simhttp"
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

// formats are every out= format a func is answered in (render.go): each
// func renders one document in any of them, so each is its own answer to
// exercise. fmtHTML stands for the browser page, which an absent out= and
// any out= the panel does not know both get.
var formats = []format{fmtXML, fmtDevel, fmtText, fmtSJSON, fmtJSON, fmtJSONData, fmtXJSON, fmtPrint, fmtHTML}

// OperationVariant is the request's func and the format it is answered
// in, "out=json": coverage counts "user?out=json" and "user?out=xml"
// apart, while the journal and fault rules name the func alone
// (Operation). The browser page counts as out=html.
func (*Panel) OperationVariant(c echo.Context) (string, string) {
	p := requestParams(c)
	return p.Get("func"), outVariant(parseFormat(p.Get("out")))
}

// outVariant is a format's variant name ("out=json"), built once per
// format so naming a request's variant costs nothing.
func outVariant(f format) string {
	if v, ok := outVariants[f]; ok {
		return v
	}
	return "out=" + string(f)
}

var outVariants = func() map[format]string {
	m := make(map[format]string, len(formats))
	for _, f := range formats {
		m[f] = "out=" + string(f)
	}
	return m
}()

// Universe is what the panel can do, from both products' func tables, the
// formats and its error types: an operation is a func in one out= format
// ("user?out=xml", see OperationVariant).
func (*Panel) Universe() state.Universe {
	u := state.Universe{Codes: errorTypes}
	seen := map[string]bool{"auth": true}
	funcs := []string{"auth"}
	for _, table := range []map[string]funcSpec{ispFuncs, ipFuncs} {
		for fn := range table {
			if !seen[fn] {
				seen[fn] = true
				funcs = append(funcs, fn)
			}
		}
	}
	for _, fn := range funcs {
		for _, f := range formats {
			u.Operations = append(u.Operations, simhttp.CoverOp(fn, outVariant(f)))
		}
	}
	sort.Strings(u.Operations)
	u.Auth = []string{authPassword, authKey, authInfo, authSession, authExpired, authSu}
	return u
}
