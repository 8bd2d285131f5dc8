package sim

import (
	"bytes"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/panelsim/panelsim/sim/simhttp"
	"github.com/panelsim/panelsim/state"
)

// maxEventEntries bounds the entries one wake-up sends; a burst larger
// than that shows its newest entries.
const maxEventEntries = 50

// uiEvents is the dashboard's live feed (server-sent events) for the
// request's world: an "entry" event with each new journal entry (rendered
// as the journal page renders it, matching the page's filters), and a
// "change" event when anything a page shows may have changed (a request,
// the clock, the fault rules, the worlds). It waits on the journal's, the
// world's and the registry's signals: nothing polls.
func (s *Server) uiEvents(c echo.Context) error {
	name := simhttp.WorldName(c)
	w, err := s.uiWorld(c)
	if err != nil {
		return err
	}
	f, _ := journalFilter(c)
	after, _ := strconv.ParseUint(c.QueryParam("after"), 10, 64)
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, "text/event-stream")
	h.Set("Cache-Control", "no-store")
	c.Response().WriteHeader(http.StatusOK)
	// A comment first, so the browser sees the stream open at once.
	if _, err := fmt.Fprint(c.Response(), ": panelsim live\n\n"); err != nil {
		return nil
	}
	c.Response().Flush()
	ctx := c.Request().Context()
	for {
		journal, world, worlds := w.Journal().Changed(), w.Changed(), s.worlds.Changed()
		for _, e := range w.Journal().Since(after, f, maxEventEntries) {
			if err := sendEntry(c, e); err != nil {
				return nil
			}
			after = e.Seq
		}
		c.Response().Flush()
		select {
		case <-ctx.Done():
			return nil
		case <-journal:
		case <-world:
		case <-worlds:
		}
		if now, ok := s.worlds.Lookup(name); ok && now != w {
			// Reset or replaced: a new journal, counting from 1 again.
			w, after = now, 0
			if err := sendEvent(c, "reset", name); err != nil {
				return nil
			}
		}
		if err := sendEvent(c, "change", name); err != nil {
			return nil
		}
	}
}

// sendEntry sends one journal entry as the journal page's row.
func sendEntry(c echo.Context, e state.Entry) error {
	var b bytes.Buffer
	if err := uiTemplates.ExecuteTemplate(&b, "entry", e); err != nil {
		return err
	}
	return sendEvent(c, "entry", b.String())
}

// sendEvent writes one server-sent event; every line of data gets its
// own "data:" field, as the format wants.
func sendEvent(c echo.Context, event, data string) error {
	var b strings.Builder
	b.WriteString("event: " + event + "\n")
	for _, line := range strings.Split(data, "\n") {
		b.WriteString("data: " + line + "\n")
	}
	b.WriteString("\n")
	_, err := c.Response().Write([]byte(b.String()))
	return err
}
