package imserver

import (
	"fmt"
	"strings"
)

// The IMserver error codes. The vendor publishes only "0027" (without its
// meaning); the rest is panelsim's own table, kept as 4-character strings
// because the vendor sends codes as zero-padded strings, never numbers.
// Every code is answered with HTTP 200 and {"success":false,"data":code}.
const (
	// CodeUnknownCommand: cmd names no command (or /api/<something>).
	CodeUnknownCommand = "0001"
	// CodeMissingParam: a required parameter is absent or empty.
	CodeMissingParam = "0002"
	// CodeBadValue: a parameter has an invalid value, or json= is not a JSON object.
	CodeBadValue = "0003"
	// CodeMethod: an HTTP method other than GET or POST.
	CodeMethod = "0004"
	// CodeNoSession: sess is missing, unknown, closed or expired.
	CodeNoSession = "0010"
	// CodeBadLogin: wrong loginUsername or loginPassword.
	CodeBadLogin = "0011"
	// CodeSMSKeyNeeded: the account uses SMS 2FA and no smskey was given;
	// also the answer to sendkey=1 (the key is sent, no session is made).
	CodeSMSKeyNeeded = "0012"
	// CodeWrongKey: the smskey or passkey is wrong.
	CodeWrongKey = "0013"
	// CodeSMSThrottled: a new SMS key was asked for within 30 s of the last.
	CodeSMSThrottled = "0014"
	// CodeSMSAttempts: the SMS key has been tried 3 times; ask for a new one.
	CodeSMSAttempts = "0015"
	// CodeSMSExpired: the SMS key is older than 15 minutes (or none was sent).
	CodeSMSExpired = "0016"
	// CodePasskeyNeeded: the account uses eToken PASS and no passkey was given.
	CodePasskeyNeeded = "0017"
	// CodeServerNotFound: no such server on the account.
	CodeServerNotFound = "0020"
	// CodeServerBusy: the server already has a queued task.
	CodeServerBusy = "0021"
	// CodeNotFound: no such object (zone, record, network, interface,
	// template, ISO, ticket, contract listing) on the account.
	CodeNotFound = "0023"
	// CodeWrongState: the action is not allowed in the server's (or
	// ticket's) current state. The only code the vendor documents.
	CodeWrongState = "0027"
	// CodeNoBalance: the contract's balance does not cover the price.
	CodeNoBalance = "0030"
	// CodeUnknownPreset: add_server/update_server name an unknown preset or contract.
	CodeUnknownPreset = "0031"
	// CodeExists: the object already exists or conflicts with one (zone
	// name, overlapping subnet, CNAME beside other records).
	CodeExists = "0032"
	// CodeInUse: the object is still in use (a network with interfaces).
	CodeInUse = "0033"
	// CodeWorld: the request names a panelsim world that cannot exist.
	CodeWorld = "0098"
	// CodeInternal: an unexpected failure inside the panel.
	CodeInternal = "0099"
)

// apiError is a model or parser refusal: the vendor code plus a reason for
// people (the wire shows only the code; the reason goes to the journal and
// the X-Panelsim-Reason header).
type apiError struct {
	Code string
	Msg  string
}

func (e *apiError) Error() string { return e.Code + ": " + e.Msg }

// fail makes an apiError with a formatted reason.
func fail(code, format string, a ...any) error {
	return &apiError{Code: code, Msg: fmt.Sprintf(format, a...)}
}

// msgOf is the reason of an apiError, or the error's text.
func msgOf(err error) string {
	if ae, ok := err.(*apiError); ok {
		return ae.Msg
	}
	return err.Error()
}

// CheckFaultCode accepts a fault rule's native error code: IMserver's codes
// are four digits ("0027"), sent as a string in "data"; shorter numbers are
// padded (27 is sent as "0027").
func (*Panel) CheckFaultCode(code string) error {
	if code == "" || len(code) > 4 || strings.Trim(code, "0123456789") != "" {
		return fmt.Errorf("IMserver error codes are up to four digits such as \"0027\" (got %q)", code)
	}
	return nil
}
