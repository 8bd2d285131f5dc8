package sim

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"reflect"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/panelsim/panelsim/internal/jsonw"
	"github.com/panelsim/panelsim/state"
)

// randClockString draws from the strings encoding/json escapes or
// replaces, and from random bytes.
func randClockString(r *rand.Rand) string {
	if r.IntN(4) == 0 {
		b := make([]byte, r.IntN(20))
		for i := range b {
			b[i] = byte(r.UintN(256))
		}
		return string(b)
	}
	return jsonw.TrickyStrings[r.IntN(len(jsonw.TrickyStrings))]
}

// randClockTime is a zero time, a whole second, a time with nanoseconds
// (trailing zeros to cut or not), in UTC, a named or unnamed offset
// (seconds included, which RFC 3339 cannot write), sometimes outside the
// years encoding/json writes.
func randClockTime(r *rand.Rand) time.Time {
	if r.IntN(10) == 0 {
		return time.Time{}
	}
	year := 1970 + r.IntN(100)
	switch r.IntN(20) {
	case 0:
		year = 9999
	case 1:
		year = 10000 + r.IntN(10)
	case 2:
		year = -r.IntN(3)
	case 3:
		year = r.IntN(10)
	}
	ns := 0
	switch r.IntN(4) {
	case 1:
		ns = r.IntN(1e9)
	case 2:
		ns = r.IntN(1000) * 1e6
	case 3:
		ns = 1
	}
	loc := time.UTC
	switch r.IntN(5) {
	case 1:
		loc = time.FixedZone("X", (r.IntN(48)-24)*1800)
	case 2:
		loc = time.FixedZone("", r.IntN(200000)-100000)
	case 3:
		loc = time.FixedZone("CET", 3600)
	}
	return time.Date(year, time.Month(1+r.IntN(12)), 1+r.IntN(28), r.IntN(24), r.IntN(60), r.IntN(60), ns, loc)
}

func randClockView(r *rand.Rand) clockView {
	v := clockView{World: randClockString(r), Now: randClockTime(r), Start: randClockTime(r),
		Mode: randClockString(r), Pending: r.IntN(1000) - r.IntN(10), RanCount: r.IntN(5000) - r.IntN(10)}
	if r.IntN(8) != 0 {
		v.Ran = make([]state.Ran, r.IntN(5))
		for i := range v.Ran {
			v.Ran[i] = state.Ran{At: randClockTime(r), Kind: randClockString(r)}
			if r.IntN(2) == 0 {
				v.Ran[i].Error = randClockString(r)
			}
		}
	}
	return v
}

// TestClockViewEncodesAsEncodingJSON holds the hand encoder to
// encoding/json's Encoder, byte for byte, and to refusing what it refuses.
func TestClockViewEncodesAsEncodingJSON(t *testing.T) {
	r := rand.New(rand.NewPCG(14, 60))
	refused := 0
	for range 20000 {
		v := randClockView(r)
		var want bytes.Buffer
		werr := json.NewEncoder(&want).Encode(v)
		got, ok := v.appendJSON([]byte(nil))
		if werr != nil {
			refused++
			if ok {
				t.Fatalf("encoding/json refuses %#v (%v), the hand encoder wrote %s", v, werr, got)
			}
			continue
		}
		if !ok {
			t.Fatalf("the hand encoder refused %#v, encoding/json wrote %s", v, want.Bytes())
		}
		if got = append(got, '\n'); !bytes.Equal(got, want.Bytes()) {
			t.Fatalf("for %#v\nhand:          %s\nencoding/json: %s", v, got, want.Bytes())
		}
	}
	if refused == 0 || refused > 10000 {
		t.Fatalf("%d of 20000 views refused: the draw misses a case", refused)
	}
}

// TestWriteClockViewAnswersAsEchoJSON compares whole answers (status,
// headers, body) of writeClockView and echo's c.JSON, with ?pretty, in
// debug mode and with a content type already set.
func TestWriteClockViewAnswersAsEchoJSON(t *testing.T) {
	r := rand.New(rand.NewPCG(15, 61))
	answer := func(debug bool, target string, preset bool, write func(c echo.Context) error) *httptest.ResponseRecorder {
		e := echo.New()
		e.Debug = debug
		rec := httptest.NewRecorder()
		c := e.NewContext(httptest.NewRequest(http.MethodPost, target, nil), rec)
		if preset {
			c.Response().Header().Set(echo.HeaderContentType, "text/plain")
		}
		if err := write(c); err != nil {
			rec.Header().Set("X-Test-Error", err.Error())
		}
		return rec
	}
	for i := range 3000 {
		v := randClockView(r)
		debug, preset := i%7 == 0, i%11 == 0
		target := []string{"/_panelsim/clock/advance", "/_panelsim/clock/advance?pretty", "/x?a=1&pretty=0", "/x?a=1"}[i%4]
		status := []int{200, 201}[i%2]
		want := answer(debug, target, preset, func(c echo.Context) error { return c.JSON(status, v) })
		got := answer(debug, target, preset, func(c echo.Context) error { return writeClockView(c, status, &v) })
		if got.Code != want.Code || !reflect.DeepEqual(got.Header(), want.Header()) || !bytes.Equal(got.Body.Bytes(), want.Body.Bytes()) {
			t.Fatalf("%s debug %v: writeClockView answered %d %v %q, c.JSON %d %v %q", target, debug,
				got.Code, got.Header(), got.Body, want.Code, want.Header(), want.Body)
		}
	}
}

type otherSerializer struct{ echo.DefaultJSONSerializer }

// TestHandEncodesOnlyWhereEchoWritesCompactJSON keeps the hand encoder in
// use where it can be (echo's defaults), and out of the way elsewhere.
func TestHandEncodesOnlyWhereEchoWritesCompactJSON(t *testing.T) {
	for _, c := range []struct {
		target string
		debug  bool
		ser    echo.JSONSerializer
		want   bool
	}{
		{"/_panelsim/clock/advance", false, nil, true},
		{"/_panelsim/clock/advance?a=1", false, nil, true},
		{"/_panelsim/clock/advance?pretty", false, nil, false},
		{"/_panelsim/clock/advance?a=1&pretty=0", false, nil, false},
		{"/_panelsim/clock/advance", true, nil, false},
		{"/_panelsim/clock/advance", false, echo.DefaultJSONSerializer{}, true},
		{"/_panelsim/clock/advance", false, otherSerializer{}, false},
	} {
		e := echo.New()
		e.Debug = c.debug
		if c.ser != nil {
			e.JSONSerializer = c.ser
		}
		ctx := e.NewContext(httptest.NewRequest(http.MethodPost, c.target, nil), httptest.NewRecorder())
		if got := handEncodes(ctx); got != c.want {
			t.Errorf("%s debug %v serializer %T: handEncodes = %v, want %v", c.target, c.debug, e.JSONSerializer, got, c.want)
		}
	}
}
