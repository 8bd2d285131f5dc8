package dbc

import (
	"sort"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/panelsim/panelsim/sim/simhttp"
	"github.com/panelsim/panelsim/state"
)

// errorCodes are every errcode the panel can send but 0 (errors.go); the
// coverage test checks this list against the constants there.
var errorCodes = []int{
	CodeError, CodeMisc, CodeDefault, CodeInvalidParams, CodeInvalidRequest, CodeMethodNotFound, CodeResponseError,
}

// The terminal states of an async operation, as coverage names them.
const (
	coverDone    = "done"
	coverFailed  = "failed"
	coverStopped = "stopped" // a transfer stopped by upload_stop/download_stop
)

// The async operations besides the VM operations (ops), as coverage names
// them, with the states each can end in. A snapshot's upload to its image
// centre follows snapshot_create and cannot fail; a transfer moves in
// tenths and fails half-way under a fail_task rule, or is stopped; a
// bare-metal power change ends with the machine on or off (a reset ends
// on).
var asyncEnds = map[string][]string{
	"snapshot_upload":        {coverDone},
	transferTask("download"): {coverDone, coverFailed, coverStopped},
	transferTask("upload"):   {coverDone, coverFailed, coverStopped},
	powerTask:                {"on", "off"},
}

// transferTask names an image transfer's kind ("download", "upload") for
// coverage: image_download, image_upload (an upload from the client and
// from a node are one kind).
func transferTask(kind string) string { return "image_" + kind }

// powerTask names a bare-metal power change for coverage.
const powerTask = "bare_metal_power"

// The authentication paths coverage counts: how the node's check_authority
// (and the client's credential precheck before it) took the request.
const (
	authSignature     = "signature"           // the wallet's sr25519 signature of its nonce
	authMultisig      = "multisig"            // enough multisig signers signed their nonces
	authSession       = "session"             // the renter's session_id with its signature
	authBadSignature  = "bad_signature"       // a nonce signature (or too few multisig ones) does not verify
	authReplayedNonce = "replayed_nonce"      // a nonce already used (reject_reused_nonces)
	authBadSession    = "bad_session"         // a session_id unknown or not signed by the renter
	authMissing       = "missing_credentials" // no credentials, or incomplete ones the client refuses
	authNotRenter     = "not_renter"          // a valid signature by a wallet that does not rent the machine
	authRentExpired   = "rent_expired"        // the renter, after the rent ended
)

// coverMissing counts a request refused for its credentials before any
// model call (the client's precheck runs before the world is locked).
func coverMissing(c echo.Context) { simhttp.CoverAuth(c, authMissing) }

// Universe is what the panel can do, from its handler, code and operation tables.
func (*Panel) Universe() state.Universe {
	u := state.Universe{Operations: []string{"version"}}
	for op := range handlers {
		u.Operations = append(u.Operations, op)
	}
	sort.Strings(u.Operations)
	for _, c := range errorCodes {
		u.Codes = append(u.Codes, strconv.Itoa(c))
	}
	for op := range ops {
		u.Tasks = append(u.Tasks, op+"/"+coverDone, op+"/"+coverFailed)
	}
	for kind, ends := range asyncEnds {
		for _, end := range ends {
			u.Tasks = append(u.Tasks, kind+"/"+end)
		}
	}
	sort.Strings(u.Tasks)
	u.Auth = []string{
		authSignature, authMultisig, authSession, authBadSignature, authReplayedNonce,
		authBadSession, authMissing, authNotRenter, authRentExpired,
	}
	return u
}
