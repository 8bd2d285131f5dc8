package simhttp

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/panelsim/panelsim/state"
)

const keyAnswer = "panelsim.answer"

// answerTee keeps the first state.MaxJournalAnswer bytes of what a panel
// writes, so the journal (and the dashboard) can show the answer beside
// the request. It passes everything through untouched.
type answerTee struct {
	http.ResponseWriter
	kept []byte
	cut  bool
}

func (a *answerTee) Write(p []byte) (int, error) {
	if room := state.MaxJournalAnswer - len(a.kept); room > 0 {
		if a.kept == nil {
			a.kept = make([]byte, 0, min(len(p), state.MaxJournalAnswer))
		}
		a.kept = append(a.kept, p[:min(room, len(p))]...)
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
	tee := &answerTee{ResponseWriter: c.Response().Writer}
	c.Response().Writer = tee
	c.Set(keyAnswer, tee)
}

// answerOf fills the entry's answer from what keepAnswer kept.
func answerOf(c echo.Context, e *state.Entry) {
	tee, ok := c.Get(keyAnswer).(*answerTee)
	if !ok {
		return
	}
	e.Answer, e.AnswerType = string(tee.kept), c.Response().Header().Get(echo.HeaderContentType)
	if tee.cut {
		e.Truncated = append(e.Truncated, "answer")
	}
}
