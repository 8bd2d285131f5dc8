package imserver

import (
	"strconv"
	"sync"

	"github.com/panelsim/panelsim/internal/jsonw"
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
		b = jsonw.AppendString(b, d, false)
	case []StatusView:
		b = appendStatuses(b, d)
	case nil:
		b = append(b, "null"...)
	default:
		return b, false
	}
	b = append(b, `,"login":`...)
	b = jsonw.AppendString(b, env.Login, false)
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
	b = jsonw.AppendString(b, v.Status, false)
	b = append(b, `,"task":`...)
	b = jsonw.AppendString(b, v.Task, false)
	b = append(b, `,"taskid":`...)
	b = strconv.AppendInt(b, v.TaskID, 10)
	b = append(b, `,"error":`...)
	b = jsonw.AppendString(b, v.Error, false)
	return append(b, '}')
}
