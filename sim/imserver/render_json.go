package imserver

import (
	"strconv"
	"sync"
	"unicode/utf8"
)

// The answers clients poll hardest (get_servers_status, and every action's
// id string, and every error) are encoded by hand: encoding/json's
// reflection through the envelope's interface field was a tenth of a
// status poll (issue 14). The bytes are encode's to the last one (no HTML
// escaping, U+FFFD for invalid UTF-8, \u2028 and \u2029 escaped, null for
// a nil list): render_json_test.go encodes random values both ways and
// compares them, and checks by reflection that StatusView has exactly the
// fields appendJSON writes. Anything else goes through encode.

// answerSlice is a pooled buffer for hand-encoded answers: the encoders
// append to a slice (it stays in registers), so the pool keeps the slice
// they grew rather than a bytes.Buffer.
type answerSlice struct{ b []byte }

// answerBytes recycles hand-encoding buffers; like answerBuffers, it
// keeps none grown past maxPooledAnswer.
var answerBytes = sync.Pool{New: func() any { return &answerSlice{b: make([]byte, 0, 1024)} }}

func (s *answerSlice) release() {
	if cap(s.b) <= maxPooledAnswer {
		answerBytes.Put(s)
	}
}

// appendEnvelope writes env as encode does, without the trailing newline;
// ok is false when env's data has no hand encoder and encode must write it.
func appendEnvelope(b []byte, env *envelope) (_ []byte, ok bool) {
	b = append(b, `{"success":`...)
	b = strconv.AppendBool(b, env.Success)
	b = append(b, `,"data":`...)
	switch d := env.Data.(type) {
	case string:
		b = appendJSONString(b, d, false)
	case []StatusView:
		b = appendStatuses(b, d)
	case nil:
		b = append(b, "null"...)
	default:
		return b, false
	}
	b = append(b, `,"login":`...)
	b = appendJSONString(b, env.Login, false)
	return append(b, '}'), true
}

// appendStatuses writes a get_servers_status list (null when nil, as
// encoding/json does).
func appendStatuses(b []byte, list []StatusView) []byte {
	if list == nil {
		return append(b, "null"...)
	}
	b = append(b, '[')
	for i := range list {
		if i > 0 {
			b = append(b, ',')
		}
		b = list[i].appendJSON(b)
	}
	return append(b, ']')
}

// appendJSON writes one status entry with StatusView's json tags, in its
// field order.
func (v *StatusView) appendJSON(b []byte) []byte {
	b = append(b, `{"id":`...)
	b = strconv.AppendInt(b, v.ID, 10)
	b = append(b, `,"status":`...)
	b = appendJSONString(b, v.Status, false)
	b = append(b, `,"task":`...)
	b = appendJSONString(b, v.Task, false)
	b = append(b, `,"taskid":`...)
	b = strconv.AppendInt(b, v.TaskID, 10)
	b = append(b, `,"error":`...)
	b = appendJSONString(b, v.Error, false)
	return append(b, '}')
}

// jsonPlainASCII marks the ASCII bytes a JSON string holds as they are,
// by whether HTML escaping is on: never control bytes, '"' or '\\'; with
// it, not '<', '>' or '&' either.
var jsonPlainASCII = func() (plain [2][utf8.RuneSelf]bool) {
	for c := byte(0x20); c < utf8.RuneSelf; c++ {
		ok := c != '"' && c != '\\'
		plain[0][c] = ok
		plain[1][c] = ok && c != '<' && c != '>' && c != '&'
	}
	return plain
}()

// appendJSONString writes s as a JSON string exactly as encoding/json
// does, with its SetEscapeHTML setting given by escapeHTML: control bytes
// as \b \f \n \r \t or \u00XX, each invalid UTF-8 byte as \ufffd, U+2028
// and U+2029 always escaped, and with escapeHTML <, > and & as \u003c....
// It depends on nothing of this panel, so it can move to a shared place
// (dci6's appendString is the escapeHTML=true case).
func appendJSONString(b []byte, s string, escapeHTML bool) []byte {
	const hex = "0123456789abcdef"
	plain := &jsonPlainASCII[0]
	if escapeHTML {
		plain = &jsonPlainASCII[1]
	}
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if plain[c] {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xF])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
