package dbc

import "encoding/json"

// objectMembers splits a JSON object into its members, as json.Unmarshal
// into a map[string]json.RawMessage does (the last of a repeated name
// wins), but without reflection or a copy of each member: a member is
// the slice of b it spans, capped so an append cannot reach past it. b
// must be a valid JSON document (json.Valid) whose value is an object;
// the caller checks both, so the scan here need not.
func objectMembers(b []byte) map[string]json.RawMessage {
	doc := map[string]json.RawMessage{}
	i := skipSpace(b, 0) + 1 // past '{'
	for {
		i = skipSpace(b, i)
		if b[i] == '}' {
			return doc
		}
		end := stringEnd(b, i)
		name, _ := stringValue(b[i:end])      // a string: the document was checked
		i = skipSpace(b, skipSpace(b, end)+1) // past ':'
		end = valueEnd(b, i)
		doc[name] = b[i:end:end]
		i = skipSpace(b, end)
		if b[i] == '}' {
			return doc
		}
		i++ // past ','
	}
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// stringEnd is the index just past the string starting at b[i] ('"').
func stringEnd(b []byte, i int) int {
	for i++; ; i++ {
		switch b[i] {
		case '\\':
			i++
		case '"':
			return i + 1
		}
	}
}

// valueEnd is the index just past the value starting at b[i].
func valueEnd(b []byte, i int) int {
	switch b[i] {
	case '"':
		return stringEnd(b, i)
	case '{', '[':
		depth := 0
		for ; ; i++ {
			switch b[i] {
			case '"':
				i = stringEnd(b, i) - 1
			case '{', '[':
				depth++
			case '}', ']':
				if depth--; depth == 0 {
					return i + 1
				}
			}
		}
	}
	// A number, true, false or null: up to the next delimiter.
	for i < len(b) {
		switch b[i] {
		case ',', '}', ']', ' ', '\t', '\n', '\r':
			return i
		}
		i++
	}
	return i
}
