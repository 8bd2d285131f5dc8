package dci6

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
)

// This file holds the request parsers (no echo): bodies arrive as JSON
// whatever their Content-Type, since the vendor's curl examples send them
// with -d (form-encoded by curl's default).

type loginRequest struct {
	Email    *string `json:"email"`
	Password *string `json:"password"`
}

func (r loginRequest) check() error {
	if r.Email == nil || *r.Email == "" {
		return fieldError("email", "is required")
	}
	if r.Password == nil {
		return fieldError("password", "is required")
	}
	return nil
}

type keyRequest struct {
	Key *string `json:"key"`
}

type issueTokenRequest struct {
	ExpiresAt   *string `json:"expires_at"`
	Description string  `json:"description"`
}

type ownerRequest struct {
	Owner *int64 `json:"owner"`
}

// parseJSONBody decodes a JSON object body into v. An empty body is {}.
// Errors name the field: a syntax error is "body", a wrong type its field.
func parseJSONBody(data []byte, v any) error {
	data = bytes.TrimSpace(data)
	if len(data) == 0 {
		return nil
	}
	if data[0] != '{' {
		return fieldError("body", "must be a JSON object")
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			field := te.Field
			if field == "" {
				field = "body"
			}
			return fieldError(field, "want %s, got %s", jsonKind(te.Type.Kind().String()), te.Value)
		}
		return fieldError("body", "not valid JSON: %v", err)
	}
	if dec.More() {
		return fieldError("body", "not valid JSON: data after the object")
	}
	return nil
}

// jsonKind names a Go kind the way a JSON client thinks of it.
func jsonKind(k string) string {
	switch {
	case strings.HasPrefix(k, "int"), strings.HasPrefix(k, "uint"), strings.HasPrefix(k, "float"):
		return "a number"
	case k == "string":
		return "a string"
	case k == "bool":
		return "a boolean"
	case k == "slice":
		return "an array"
	case k == "map", k == "struct":
		return "an object"
	}
	return k
}

// settingValue reads {"value": ...} where the value may be a string (the
// doc's form), a number or a boolean.
func settingValue(data []byte) (string, error) {
	var req struct {
		Value any `json:"value"`
	}
	if err := parseJSONBody(data, &req); err != nil {
		return "", err
	}
	switch v := req.Value.(type) {
	case string:
		return v, nil
	case bool:
		return strconv.FormatBool(v), nil
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64), nil
	case nil:
		return "", fieldError("value", "is required")
	}
	return "", fieldError("value", "want a string, got %s", fmt.Sprintf("%T", req.Value))
}

// parseID reads a positive decimal object id.
func parseID(s string) (int64, bool) {
	id, err := strconv.ParseInt(s, 10, 64)
	return id, err == nil && id > 0
}

// unescapePath undoes URL encoding of a path segment (an email as
// client%40example.com).
func unescapePath(s string) string {
	if u, err := url.PathUnescape(s); err == nil {
		return u
	}
	return s
}
