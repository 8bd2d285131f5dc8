package dci6

import (
	"fmt"
	"strconv"
)

// The panel's error codes. 3001, 1106 and 3080 are the vendor's (the doc and
// ISPsystem's own client library); the others are our choice where the
// vendor documents none, kept in the same numeric families.
const (
	codeInternal      = 1000 // unexpected failure
	codeBadRequest    = 1001 // body or query does not parse or has a wrong value (names the field)
	codeNoHandler     = 1106 // no request handler for the route (vendor)
	codeUnauthorized  = 3001 // missing, unknown, expired or revoked token (vendor)
	codeBadLogin      = 3002 // wrong email or password: which part is not said
	codeAccessDenied  = 3003 // a @user calling an admin function
	codeBadKey        = 3005 // unknown, used or expired login key
	codeNotFound      = 3080 // instance not found (vendor, ISPsystem lib)
	codeBusy          = 1201 // another operation runs on the server
	codeWrongState    = 1202 // the server's state does not allow the action
	codeIPTaken       = 1301 // the address belongs to another server
	codePoolExhausted = 1302 // no free address left in the pool or network
	codeWrongFamily   = 1303 // the address, network or pool is of the other IP family
	codeInUse         = 1304 // the network still has addresses in use
	codeDuplicate     = 1401 // a user with this email exists
)

// HTTP statuses, spelled out so model code needs no net/http.
const (
	status400 = 400
	status401 = 401
	status403 = 403
	status404 = 404
	status409 = 409
	status500 = 500
)

// statusOf is the HTTP status the panel answers with for a code.
func statusOf(code int) int {
	switch code {
	case codeBadRequest, codeWrongFamily:
		return status400
	case codeUnauthorized, codeBadLogin, codeBadKey:
		return status401
	case codeAccessDenied:
		return status403
	case codeNoHandler, codeNotFound:
		return status404
	case codeBusy, codeWrongState, codeIPTaken, codePoolExhausted, codeInUse, codeDuplicate:
		return status409
	}
	return status500
}

// apiError is an error in the DCI envelope {"error":{"code","msg","value"}}.
// Model code returns it; the renderer turns it into the wire form.
type apiError struct {
	Code  int
	Msg   string
	Value map[string]any
}

func (e *apiError) Error() string { return fmt.Sprintf("%d: %s", e.Code, e.Msg) }

func newError(code int, format string, a ...any) *apiError {
	return &apiError{Code: code, Msg: fmt.Sprintf(format, a...)}
}

// fieldError is a 400 naming the offending field in msg and value.
func fieldError(field, format string, a ...any) *apiError {
	return &apiError{Code: codeBadRequest, Msg: field + ": " + fmt.Sprintf(format, a...), Value: map[string]any{"field": field}}
}

// notFound is the vendor's "instance not found" for an unknown object id.
func notFound(kind string, id any) *apiError {
	return &apiError{Code: codeNotFound, Msg: "Instance not found", Value: map[string]any{"object": kind, "id": id}}
}

func unauthorized() *apiError { return &apiError{Code: codeUnauthorized, Msg: "Unauthorized"} }

func accessDenied() *apiError { return &apiError{Code: codeAccessDenied, Msg: "Access denied"} }

// CheckFaultCode accepts a fault rule's native error code: DCImanager's
// codes are integers (3001, 1106, 3080...).
func (*Panel) CheckFaultCode(code string) error {
	if _, err := strconv.Atoi(code); err != nil {
		return fmt.Errorf("DCImanager 6 error codes are integers such as 3001 (got %q)", code)
	}
	return nil
}
