package simhttp

import (
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/panelsim/panelsim/state"
)

// answerTee keeps the first state.MaxJournalAnswer bytes of what a panel
// writes, so the journal (and the dashboard) can show the answer beside
// the request. It passes everything through untouched. The bytes go
// straight into a strings.Builder, whose String is the journal's copy:
// one copy of the answer's start, not two.
type answerTee struct {
	http.ResponseWriter
	kept strings.Builder
	cut  bool
}

func (a *answerTee) Write(p []byte) (int, error) {
	if room := state.MaxJournalAnswer - a.kept.Len(); room > 0 {
		if a.kept.Cap() == 0 {
			a.kept.Grow(min(len(p), state.MaxJournalAnswer))
		}
		a.kept.Write(p[:min(room, len(p))])
		a.cut = a.cut || len(p) > room
	} else if len(p) > 0 {
		a.cut = true
	}
	return a.ResponseWriter.Write(p)
}

// Unwrap lets http.ResponseController reach the connection (a fault's
// hang-up hijacks it).
func (a *answerTee) Unwrap() http.ResponseWriter { return a.ResponseWriter }

// keepAnswer starts keeping the request's answer.
func keepAnswer(c echo.Context) {
	w := walkOf(c)
	w.answer.ResponseWriter, w.keeping = c.Response().Writer, true
	c.Response().Writer = &w.answer
}

// answerOf fills the entry's answer from what keepAnswer kept.
func answerOf(c echo.Context, e *state.Entry) {
	w := walkOf(c)
	if !w.keeping {
		return
	}
	tee := &w.answer
	e.Answer, e.AnswerType = tee.kept.String(), c.Response().Header().Get(echo.HeaderContentType)
	if tee.cut {
		e.Truncated = append(e.Truncated, "answer")
	}
}

// Indented says whether echo's c.JSON would indent this request's answer
// (echo's debug mode, or a pretty parameter in the query), so a hand
// encoder knows to leave the answer to c.JSON. A query with neither
// "pretty" nor an escape in it cannot hold the parameter, and is not
// parsed for it.
func Indented(c echo.Context) bool {
	if c.Echo().Debug {
		return true
	}
	q := c.Request().URL.RawQuery
	if !strings.Contains(q, "pretty") && !strings.Contains(q, "%") {
		return false
	}
	return c.QueryParams().Has("pretty")
}
