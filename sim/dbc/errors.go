package dbc

import (
	"fmt"
	"strconv"
)

// The DBC error codes (src/dbc/common/error.h of DBC-AIComputingNet).
const (
	// CodeOK is success.
	CodeOK = 0
	// CodeError is ERR_ERROR: the node's task manager refused (bad
	// parameter, wrong VM state, missing snapshot, no log).
	CodeError = 1
	// CodeMisc is RPC_MISC_ERROR: the node did not answer in time.
	CodeMisc = -1
	// CodeDefault is E_DEFAULT: authority failures and unknown task ids.
	CodeDefault = -3
	// CodeInvalidParams is RPC_INVALID_PARAMS: the client refused the body.
	CodeInvalidParams = -25
	// CodeInvalidRequest is RPC_INVALID_REQUEST: bad URI or not POST.
	CodeInvalidRequest = -32600
	// CodeMethodNotFound is RPC_METHOD_NOT_FOUND: unknown route.
	CodeMethodNotFound = -32601
	// CodeResponseError is RPC_RESPONSE_ERROR: the relay failed.
	CodeResponseError = -32701
)

// Error is a DBC error on its way to the envelope. Status is the HTTP
// status; Node says the message came back from the GPU node (compact JSON)
// rather than from the client itself (pretty-printed JSON).
type Error struct {
	Status int
	Code   int
	Msg    string
	Node   bool
}

func (e *Error) Error() string { return strconv.Itoa(e.Code) + ": " + e.Msg }

// The HTTP statuses the DBC client uses (kept here so model code needs no
// net/http).
const (
	statusOK         = 200
	statusBadRequest = 400
	statusNotFound   = 404
	statusInternal   = 500
)

// clientError is a request the client refuses before relaying: HTTP 400, -25.
func clientError(msg string) *Error {
	return &Error{Status: statusBadRequest, Code: CodeInvalidParams, Msg: msg}
}

// uriError is a malformed URI under a known prefix: HTTP 400, -32600.
func uriError(msg string) *Error {
	return &Error{Status: statusBadRequest, Code: CodeInvalidRequest, Msg: msg}
}

// authorityError is the node's refusal: HTTP 200, -3.
func authorityError(reason string) *Error {
	msg := "check authority failed"
	if reason != "" {
		msg += ": " + reason
	}
	return &Error{Status: statusOK, Code: CodeDefault, Msg: msg, Node: true}
}

// nodeDefault is another -3 node error ("task_id not exist").
func nodeDefault(msg string) *Error {
	return &Error{Status: statusOK, Code: CodeDefault, Msg: msg, Node: true}
}

// taskError is the node's task manager refusing: HTTP 200, errcode 1.
func taskError(msg string) *Error {
	return &Error{Status: statusOK, Code: CodeError, Msg: msg, Node: true}
}

// timeoutError is the client giving up on a node that never answers
// (HTTP 500, -1, "<what> timeout").
func timeoutError(what string) *Error {
	return &Error{Status: statusInternal, Code: CodeMisc, Msg: what + " timeout"}
}

// statusForCode is the HTTP status the client uses for a code when a fault
// rule names only the code.
func statusForCode(code int) int {
	switch code {
	case CodeOK, CodeError, CodeDefault:
		return statusOK
	case CodeMethodNotFound:
		return statusNotFound
	case CodeMisc, -21:
		return statusInternal
	}
	return statusBadRequest
}

// Messages the node and client use in several places.
const (
	msgTaskNotExist     = "task_id not exist"
	msgSnapshotNotExist = "snapshot_name not exist"
	msgNoLog            = "task log not exist"
	msgBareMetal        = "bare metal nodes are not supported"
	msgOnlyPost         = "only support POST request"
	msgPeerEmpty        = "peer_nodeid is empty"
)

// CheckFaultCode accepts a fault rule's native error code: the client's
// errcode is an integer (-3, -25, -32600...).
func (*Panel) CheckFaultCode(code string) error {
	if _, err := strconv.Atoi(code); err != nil {
		return fmt.Errorf("DBC errcodes are integers such as -3 (got %q)", code)
	}
	return nil
}
