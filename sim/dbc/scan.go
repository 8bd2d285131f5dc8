package dbc

import (
	"bytes"
	"encoding/json"
	"unicode/utf8"
)

// member is one member of a scanned object: its name, the bytes between
// its quotes (never an escape: see scanObject; so an ASCII name is
// exactly the name Unmarshal decodes), and its value.
type member struct {
	name  []byte
	value json.RawMessage
}

// members are an object's members in the order they came; get finds a
// name as a map[string]json.RawMessage filled by json.Unmarshal would
// (the last of a repeated name wins).
type members []member

func (ms members) get(name string) (json.RawMessage, bool) {
	for i := len(ms) - 1; i >= 0; i-- {
		if string(ms[i].name) == name {
			return ms[i].value, true
		}
	}
	return nil, false
}

// maxScanDepth bounds scanObject's nesting; deeper bodies (encoding/json
// allows 10000) take the reflective path.
const maxScanDepth = 256

// scanObject checks b as json.Valid does and splits its top-level object
// in the same pass, appending the members to buf. It answers false when
// b is not a valid JSON document whose value is an object, and also when
// a member name holds an escape or the nesting is deeper than
// maxScanDepth: the caller then reads b the reflective way, which words
// the error (or decodes the escaped name). True means json.Valid(b) and
// the members objectMembers(b) would give.
func scanObject(b []byte, buf members) (members, bool) {
	s := scanner{b: b}
	i := skipSpace(b, 0)
	if i == len(b) || b[i] != '{' {
		return nil, false
	}
	i = skipSpace(b, i+1)
	if i < len(b) && b[i] == '}' {
		i++
	} else {
		for {
			if i == len(b) || b[i] != '"' {
				return nil, false
			}
			end, escaped := s.str(i)
			if end < 0 || escaped {
				return nil, false
			}
			name := b[i+1 : end-1]
			i = skipSpace(b, end)
			if i == len(b) || b[i] != ':' {
				return nil, false
			}
			i = skipSpace(b, i+1)
			vend := s.value(i, 1)
			if vend < 0 {
				return nil, false
			}
			buf = append(buf, member{name, b[i:vend:vend]})
			i = skipSpace(b, vend)
			if i == len(b) {
				return nil, false
			}
			if b[i] == '}' {
				i++
				break
			}
			if b[i] != ',' {
				return nil, false
			}
			i = skipSpace(b, i+1)
		}
	}
	if skipSpace(b, i) != len(b) {
		return nil, false
	}
	if buf == nil {
		buf = members{}
	}
	return buf, true
}

// scanner checks JSON values by encoding/json's grammar; each method
// answers the index just past what it read, or -1.
type scanner struct{ b []byte }

// value reads the value at b[i], depth being the nesting it is in.
func (s scanner) value(i, depth int) int {
	b := s.b
	if i >= len(b) {
		return -1
	}
	switch c := b[i]; {
	case c == '"':
		end, _ := s.str(i)
		return end
	case c == '{' || c == '[':
		if depth >= maxScanDepth {
			return -1
		}
		return s.composite(i, depth+1)
	case c == '-' || (c >= '0' && c <= '9'):
		return s.number(i)
	case c == 't':
		return s.literal(i, "true")
	case c == 'f':
		return s.literal(i, "false")
	case c == 'n':
		return s.literal(i, "null")
	}
	return -1
}

func (s scanner) literal(i int, word string) int {
	if !bytes.HasPrefix(s.b[i:], []byte(word)) {
		return -1
	}
	return i + len(word)
}

// composite reads the object or array at b[i].
func (s scanner) composite(i, depth int) int {
	b := s.b
	object := b[i] == '{'
	closer := byte(']')
	if object {
		closer = '}'
	}
	i = skipSpace(b, i+1)
	if i < len(b) && b[i] == closer {
		return i + 1
	}
	for {
		if object {
			if i >= len(b) || b[i] != '"' {
				return -1
			}
			end, _ := s.str(i)
			if end < 0 {
				return -1
			}
			i = skipSpace(b, end)
			if i >= len(b) || b[i] != ':' {
				return -1
			}
			i = skipSpace(b, i+1)
		}
		if i = s.value(i, depth); i < 0 {
			return -1
		}
		i = skipSpace(b, i)
		if i >= len(b) {
			return -1
		}
		if b[i] == closer {
			return i + 1
		}
		if b[i] != ',' {
			return -1
		}
		i = skipSpace(b, i+1)
	}
}

// str reads the string at b[i] ('"'), and whether it holds an escape.
// Like encoding/json's scanner it refuses control bytes and bad escapes
// but takes any byte from 0x20 up, valid UTF-8 or not.
func (s scanner) str(i int) (int, bool) {
	b := s.b
	escaped := false
	for i++; i < len(b); i++ {
		switch c := b[i]; {
		case c == '"':
			return i + 1, escaped
		case c < 0x20:
			return -1, false
		case c == '\\':
			escaped = true
			if i++; i >= len(b) {
				return -1, false
			}
			switch b[i] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			case 'u':
				if i+4 >= len(b) {
					return -1, false
				}
				for _, h := range b[i+1 : i+5] {
					if !isHex(h) {
						return -1, false
					}
				}
				i += 4
			default:
				return -1, false
			}
		}
	}
	return -1, false
}

func isHex(c byte) bool {
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}

// number reads -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? at b[i].
func (s scanner) number(i int) int {
	b := s.b
	digits := func(i int) int {
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
		return i
	}
	if b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case i < len(b) && b[i] >= '1' && b[i] <= '9':
		i = digits(i + 1)
	default:
		return -1
	}
	if i < len(b) && b[i] == '.' {
		j := digits(i + 1)
		if j == i+1 {
			return -1
		}
		i = j
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		j := digits(i)
		if j == i {
			return -1
		}
		i = j
	}
	return i
}

// plainString is the string a JSON string without escapes and of valid
// UTF-8 decodes to (the bytes between its quotes); false for any other
// raw value.
func plainString(raw []byte) (string, bool) {
	if n := len(raw); n >= 2 && raw[0] == '"' && raw[n-1] == '"' {
		if in := raw[1 : n-1]; bytes.IndexByte(in, '\\') < 0 && utf8.Valid(in) {
			return string(in), true
		}
	}
	return "", false
}

// plainStrings decodes an array of plain strings and nulls (a null is "")
// as json.Unmarshal into a []string does; false for any other value or
// element, which the caller decodes the reflective way. raw is a member
// of a checked document; the strings are appended to buf (non-nil, so an
// empty array is an empty slice, as Unmarshal makes it).
func plainStrings(raw json.RawMessage, buf []string) ([]string, bool) {
	if len(raw) == 0 || raw[0] != '[' {
		return nil, false
	}
	out := buf
	for i := 1; ; {
		i = skipSpace(raw, i)
		switch raw[i] {
		case ']':
			return out, true
		case ',':
			i++
		case '"':
			end := stringEnd(raw, i)
			s, ok := plainString(raw[i:end])
			if !ok {
				return nil, false
			}
			out = append(out, s)
			i = end
		case 'n':
			out = append(out, "")
			i += len("null")
		default:
			return nil, false
		}
	}
}
