package openapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
)

// Finding is one place where a request or an answer breaks the contract,
// in a form a person can act on: which part of the message, the JSON
// pointer into its body, what the contract expects and what was there.
type Finding struct {
	// In is "request" or "response".
	In string `json:"in"`
	// Part is what broke: body, status, content-type, header, parameter or
	// route (a request the contract has no operation for).
	Part string `json:"part"`
	// Pointer is the RFC 6901 JSON pointer into the body ("" for the whole
	// body, or when Part is not body).
	Pointer string `json:"pointer"`
	// Expected is what the contract asks for there, e.g. "type integer",
	// "property \"name\"", "one of [on off]".
	Expected string `json:"expected,omitempty"`
	// Actual is what the message had there (JSON, shortened), or "missing".
	Actual string `json:"actual,omitempty"`
	// Message is the validator's reason.
	Message string `json:"message"`
}

// String is the violation on one line, for logs and 502 answers.
func (v Finding) String() string {
	where := v.Part
	if v.Part == "body" {
		where = "body " + v.Pointer
		if v.Pointer == "" {
			where = "body /"
		}
	}
	s := fmt.Sprintf("%s %s: %s", v.In, where, v.Message)
	if v.Expected != "" || v.Actual != "" {
		s += fmt.Sprintf(" (expected %s, got %s)", orDash(v.Expected), orDash(v.Actual))
	}
	return s
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// maxActual bounds the value quoted in Actual, so a violation at the top of
// a large body does not copy the body into the journal.
const maxActual = 200

// Findings turns an error of ValidateRequest or ValidateResponse (in is
// "request" or "response") into findings, one per violation the message
// has (not only the first, which is what strict mode answers); nil for
// nil.
func Findings(in string, err error) []Finding {
	if err == nil {
		return nil
	}
	var v *Violation
	if errors.As(err, &v) && v.all != nil {
		err = v.all
	}
	return findings(in, "", err)
}

// findings walks err down to a list of violations (kin-openapi's
// MultiError, at the top or under the request or answer error that says
// which part of the message it is about) and makes one finding of each.
func findings(in, outer string, err error) []Finding {
	where := outer
	for e := err; e != nil; e = errors.Unwrap(e) {
		switch e := e.(type) {
		case openapi3.MultiError:
			var out []Finding
			for _, each := range e {
				out = append(out, findings(in, where, each)...)
			}
			return out
		case *openapi3filter.RequestError, *openapi3filter.ResponseError:
			if p := part(e); p != "" {
				where = p
			}
		}
	}
	return []Finding{finding(in, where, err)}
}

// finding is one violation; outer is the part of the message the error
// around it named, for an error that does not say it itself.
func finding(in, outer string, err error) Finding {
	v := Finding{In: in, Part: part(err), Message: reason(err)}
	if errors.Is(err, ErrNoRoute) {
		v.Part, v.Message = "route", err.Error()
		return v
	}
	if v.Part == "" {
		v.Part = outer
	}
	var se *openapi3.SchemaError
	if errors.As(err, &se) {
		v.Pointer, v.Expected, v.Actual = schemaPlace(se)
		v.Message = se.Reason
	}
	if v.Part == "" {
		v.Part = "body"
	}
	return v
}

// part says which part of the message an error is about.
func part(err error) string {
	var unknown unknownParam
	if errors.As(err, &unknown) {
		return "parameter query " + string(unknown)
	}
	var re *openapi3filter.RequestError
	if errors.As(err, &re) {
		switch {
		case re.Parameter != nil:
			return "parameter " + re.Parameter.In + " " + re.Parameter.Name
		case re.RequestBody != nil:
			return "body"
		}
		return ""
	}
	var rs *openapi3filter.ResponseError
	if errors.As(err, &rs) {
		switch {
		case strings.HasPrefix(rs.Reason, "status"):
			return "status"
		case strings.Contains(rs.Reason, "Content-Type") || strings.Contains(rs.Reason, "content type"):
			return "content-type"
		case strings.HasPrefix(rs.Reason, "response header"):
			return "header"
		}
		return "body"
	}
	return ""
}

// reason is the validator's own reason without the schema dump.
func reason(err error) string {
	var re *openapi3filter.RequestError
	if errors.As(err, &re) && re.Reason != "" {
		return re.Reason
	}
	var rs *openapi3filter.ResponseError
	if errors.As(err, &rs) && rs.Reason != "" {
		return rs.Reason
	}
	return err.Error()
}

var (
	missingProperty = regexp.MustCompile(`property "([^"]*)" is missing`)
	extraProperty   = regexp.MustCompile(`property "([^"]*)" is unsupported`)
)

// schemaPlace is the pointer, the expectation and the value of a schema
// error. A missing or an unexpected property points at the property itself
// rather than at the object holding it.
func schemaPlace(se *openapi3.SchemaError) (pointer, expected, actual string) {
	path := se.JSONPointer()
	if m := missingProperty.FindStringSubmatch(se.Reason); m != nil {
		return pointerOf(withLast(path, m[1])), fmt.Sprintf("property %q", m[1]), "missing"
	}
	if m := extraProperty.FindStringSubmatch(se.Reason); m != nil {
		return pointerOf(withLast(path, m[1])), "no such property", fmt.Sprintf("property %q", m[1])
	}
	return pointerOf(path), expectation(se), shorten(se.Value)
}

// withLast ends path with the property name (kin-openapi puts it there for
// some keywords and not for others).
func withLast(path []string, name string) []string {
	if len(path) > 0 && path[len(path)-1] == name {
		return path
	}
	return append(path, name)
}

func expectation(se *openapi3.SchemaError) string {
	s := se.Schema
	if s == nil {
		return se.SchemaField
	}
	switch se.SchemaField {
	case "type":
		if s.Type != nil {
			return "type " + strings.Join(s.Type.Slice(), " or ")
		}
	case "enum":
		return "one of " + shorten(s.Enum)
	case "nullable":
		return "not null"
	case "format":
		return "format " + s.Format
	case "pattern":
		return "pattern " + s.Pattern
	case "minimum", "maximum", "minLength", "maxLength", "minItems", "maxItems":
		return se.SchemaField + " " + limit(s, se.SchemaField)
	}
	return se.SchemaField
}

func limit(s *openapi3.Schema, field string) string {
	switch field {
	case "minimum":
		if s.Min != nil {
			return fmt.Sprint(*s.Min)
		}
	case "maximum":
		if s.Max != nil {
			return fmt.Sprint(*s.Max)
		}
	case "minLength":
		return fmt.Sprint(s.MinLength)
	case "maxLength":
		if s.MaxLength != nil {
			return fmt.Sprint(*s.MaxLength)
		}
	case "minItems":
		return fmt.Sprint(s.MinItems)
	case "maxItems":
		if s.MaxItems != nil {
			return fmt.Sprint(*s.MaxItems)
		}
	}
	return "?"
}

// pointerOf encodes path segments as an RFC 6901 pointer.
func pointerOf(path []string) string {
	var b strings.Builder
	for _, p := range path {
		b.WriteByte('/')
		b.WriteString(strings.NewReplacer("~", "~0", "/", "~1").Replace(p))
	}
	return b.String()
}

func shorten(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	if len(b) > maxActual {
		return string(b[:maxActual]) + "…"
	}
	return string(b)
}
