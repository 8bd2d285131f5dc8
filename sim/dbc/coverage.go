package dbc

import (
	"sort"
	"strconv"

	"github.com/panelsim/panelsim/state"
)

// errorCodes are every errcode the panel can send but 0 (errors.go); the
// coverage test checks this list against the constants there.
var errorCodes = []int{
	CodeError, CodeMisc, CodeDefault, CodeInvalidParams, CodeInvalidRequest, CodeMethodNotFound, CodeResponseError,
}

// The terminal states of a VM operation, as coverage names them.
const (
	coverDone   = "done"
	coverFailed = "failed"
)

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
	sort.Strings(u.Tasks)
	return u
}
