package state

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
	jsonv1 "github.com/go-json-experiment/json/v1"
)

// DecodeError is JSON that cannot be taken as it is, with the JSON pointer
// (RFC 6901) of the first problem: "/worlds/default/panels/dci6/servrs".
type DecodeError struct {
	Pointer string
	Msg     string
}

func (e *DecodeError) Error() string {
	if e.Pointer == "" {
		return e.Msg
	}
	return e.Pointer + ": " + e.Msg
}

// At puts the error under prefix, a pointer to where the decoded value sat
// in a larger document.
func (e *DecodeError) At(prefix string) *DecodeError {
	return &DecodeError{Pointer: prefix + e.Pointer, Msg: e.Msg}
}

// DecodeStrict decodes data into v with encoding/json, refusing unknown
// fields, wrong types and anything after the value. The decoded value is
// encoding/json's, as everywhere else in panelsim; only to name the place
// of a failure is data decoded again, into a throwaway value, with
// encoding/json/v2 (github.com/go-json-experiment/json, its mirror), whose
// errors carry a JSON pointer.
func DecodeStrict(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil {
		if _, terr := dec.Token(); terr == nil {
			err = errors.New("trailing data after the value")
		}
	}
	if err == nil {
		return nil
	}
	return &DecodeError{Pointer: pointerOf(data, v), Msg: message(err)}
}

func message(err error) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return fmt.Sprintf("cannot take a JSON %s as %s", te.Value, te.Type)
	}
	return err.Error()
}

// pointerOf finds where data fails to decode into a value of v's type.
func pointerOf(data []byte, v any) string {
	t := reflect.TypeOf(v)
	if t == nil || t.Kind() != reflect.Pointer {
		return ""
	}
	fresh := reflect.New(t.Elem()).Interface()
	// encoding/json's semantics (durations as nanoseconds, case-insensitive
	// names, ...) with v2's errors, so it fails where encoding/json did.
	err := jsonv2.Unmarshal(data, fresh, jsonv1.DefaultOptionsV1(), jsonv1.ReportErrorsWithLegacySemantics(false),
		jsonv2.RejectUnknownMembers(true))
	var se *jsonv2.SemanticError
	if errors.As(err, &se) {
		return string(se.JSONPointer)
	}
	var syn *jsontext.SyntacticError
	if errors.As(err, &syn) {
		return string(syn.JSONPointer)
	}
	return ""
}
