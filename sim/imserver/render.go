package imserver

import (
	"bytes"
	"encoding/json"
	"strconv"
	"sync"
	"time"
)

// panelZone is the panel's time zone: Moscow time, which the vendor's
// Russian panel shows. A fixed zone keeps answers free of tzdata.
var panelZone = time.FixedZone("MSK", 3*60*60)

// timeLayout is how every date is written ("2025-01-01 03:00:00").
const timeLayout = "2006-01-02 15:04:05"

func fmtTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(panelZone).Format(timeLayout)
}

func fmtDate(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(panelZone).Format("2006-01-02")
}

// envelope is the vendor's answer: {"success":…,"data":…,"login":…}.
type envelope struct {
	Success bool   `json:"success"`
	Data    any    `json:"data"`
	Login   string `json:"login"`
}

// loginEnvelope is the login command's answer, with the session in sess.
type loginEnvelope struct {
	Success bool   `json:"success"`
	Sess    string `json:"sess"`
	Login   string `json:"login"`
}

// idString is how action commands answer: the object id as a string
// ({"data":"333"} in the vendor's example).
func idString(id int64) string { return strconv.FormatInt(id, 10) }

// encode writes JSON into b the way a Perl JSON encoder does: no HTML
// escaping, no trailing newline; the bytes returned are b's.
func encode(b *bytes.Buffer, v any) ([]byte, error) {
	enc := json.NewEncoder(b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(b.Bytes(), "\n"), nil
}

// answerBuffers are the buffers answers are encoded into: an answer is
// written (copied onto the wire) before its buffer goes back, so the
// buffers are reused rather than grown anew for each answer.
var answerBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// maxPooledAnswer is the largest buffer kept for reuse, so one huge
// listing does not pin its memory for good.
const maxPooledAnswer = 64 << 10

func putAnswerBuffer(b *bytes.Buffer) {
	if b.Cap() <= maxPooledAnswer {
		b.Reset()
		answerBuffers.Put(b)
	}
}

// errorCode pads a numeric code to the vendor's 4 digits ("27" -> "0027").
func errorCode(code string) string {
	if n, err := strconv.Atoi(code); err == nil && n >= 0 && len(code) < 4 {
		return strconv.Itoa(10000 + n)[1:]
	}
	return code
}
