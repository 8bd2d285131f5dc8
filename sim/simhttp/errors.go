// Package simhttp is the HTTP glue every panel shares: world selection, the
// request journal, fault injection, contract validation, native error
// rendering and the route table a panel registers into. Panels keep their
// wire formats; this package keeps the walk of a request the same for all.
package simhttp

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/labstack/echo/v4"
)

// ErrorKind says why the shared machinery (not the panel's own handlers)
// produced an error, so the panel can choose its native code for it.
type ErrorKind int

// The kinds of error the shared machinery raises.
const (
	// KindPanel is an error a panel handler raised with its own code.
	KindPanel ErrorKind = iota
	// KindNotFound is an unknown route under the panel's prefixes.
	KindNotFound
	// KindMethod is a known path with a method the panel does not serve.
	KindMethod
	// KindBadRequest is a request the contract validator or parser refused.
	KindBadRequest
	// KindInternal is a recovered panic or an unexpected failure.
	KindInternal
	// KindInjected is a native error a fault rule asked for.
	KindInjected
	// KindWorld is a request naming a world that cannot exist.
	KindWorld
)

// Error is an error on its way to a panel's native renderer. Code, Msg,
// Value and Detail mean what the panel's own error envelope means by them;
// Status 0 lets the panel pick the HTTP status for the code.
type Error struct {
	Kind   ErrorKind
	Status int
	Code   string
	Msg    string
	Value  string
	Detail string
	// Data carries panel-specific extras (e.g. mgr5 error params).
	Data map[string]string
	// Param names the parameter the contract found wrong, when one is.
	Param string
	// Missing names the required parameter a request lacks, when the
	// contract refused it for that (a panel with a native "missing
	// parameter" code answers that code).
	Missing string
}

func (e *Error) Error() string {
	if e.Code != "" {
		return fmt.Sprintf("%s: %s", e.Code, e.Msg)
	}
	return e.Msg
}

// Errorf makes an Error of a kind with a formatted message.
func Errorf(kind ErrorKind, format string, a ...any) *Error {
	return &Error{Kind: kind, Msg: fmt.Sprintf(format, a...)}
}

// AsError turns whatever a handler returned into an *Error: an *Error as it
// is, echo's HTTP errors by their status, anything else as internal.
func AsError(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	var he *echo.HTTPError
	if errors.As(err, &he) {
		msg := fmt.Sprint(he.Message)
		switch he.Code {
		case http.StatusNotFound:
			return &Error{Kind: KindNotFound, Msg: msg}
		case http.StatusMethodNotAllowed:
			return &Error{Kind: KindMethod, Msg: msg}
		case http.StatusBadRequest, http.StatusUnsupportedMediaType, http.StatusRequestEntityTooLarge:
			return &Error{Kind: KindBadRequest, Msg: msg}
		}
		return &Error{Kind: KindInternal, Status: he.Code, Msg: msg}
	}
	return &Error{Kind: KindInternal, Msg: err.Error()}
}
