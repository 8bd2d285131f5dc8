package sim_test

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/panelsim/panelsim/internal/simtest"
	"github.com/panelsim/panelsim/panelsimtest"
	"github.com/panelsim/panelsim/state"
)

type handWall struct {
	mu  sync.Mutex
	now time.Time
}

func (w *handWall) read() time.Time { w.mu.Lock(); defer w.mu.Unlock(); return w.now }
func (w *handWall) move(d time.Duration) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.now = w.now.Add(d)
}

// TestPastTheWorldCapEveryPanelAnswersNatively: with the cap reached and
// nothing idle, a request for a new world gets each panel's own error
// envelope (and the control plane's), naming the problem; once a world has
// been idle long enough it is evicted, and coming back to it recreates it
// with a journal that says so.
func TestPastTheWorldCapEveryPanelAnswersNatively(t *testing.T) {
	wall := &handWall{now: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)}
	srv := panelsimtest.RunT(t, panelsimtest.WithWorldLimits(3, time.Minute), panelsimtest.WithWallClock(wall.read))
	c := simtest.New(t, srv)
	c.World("a").Get("/_panelsim/clock").Expect(t, 200)
	c.World("b").Get("/_panelsim/clock").Expect(t, 200)

	full := c.World("c")
	answers := map[string]*simtest.Response{
		"dci6":     full.Get("/api/dci/v3/server"),
		"imserver": full.Get("/api?cmd=get_servers&sess=x"),
		"ispmgr":   full.Get("/ispmgr?func=user&out=json"),
		"dbc":      full.JSON("POST", "/api/v1/tasks", `{}`),
		"control":  full.Get("/_panelsim/clock"),
	}
	for panel, r := range answers {
		if panel != "imserver" && panel != "dbc" && !strings.Contains(string(r.Body), "maximum of 3 worlds") {
			t.Errorf("%s: the answer does not name the problem: %d %s", panel, r.Status, r.Body)
		}
	}
	answers["dci6"].Expect(t, 503)
	answers["ispmgr"].Expect(t, 503)
	answers["control"].Expect(t, 503)
	if got := answers["control"].Map(t); got["field"] != "world" {
		t.Errorf("control plane error %v", got)
	}
	if names := srv.Sim().Worlds().Names(); len(names) != 3 || srv.Sim().Worlds().Evictions() != 0 {
		t.Fatalf("worlds %v after refusals", names)
	}

	wall.move(2 * time.Minute)
	c.World("b").Get("/_panelsim/clock").Expect(t, 200) // a is now the least recently used
	wall.move(time.Second)
	c.World("c").Get("/api/dci/v3/server").Expect(t, 401)
	if _, ok := srv.Sim().Worlds().Lookup("a"); ok || srv.Sim().Worlds().Evictions() != 1 {
		t.Fatal("world a was not evicted for c")
	}
	wall.move(2 * time.Minute)
	var journal []state.Entry
	c.World("a").Get("/_panelsim/requests").Expect(t, 200).Decode(t, &journal)
	if len(journal) != 1 || journal[0].Op != state.OpRecreated || len(journal[0].Notes) != 1 || !strings.Contains(journal[0].Notes[0], "evicted after 2m1s unused") {
		t.Fatalf("the recreated world's journal: %+v", journal)
	}
	if _, ok := srv.Sim().Worlds().Lookup("b"); ok || srv.Sim().Worlds().Evictions() != 2 {
		t.Fatal("world b (least recently used) was not evicted for a")
	}
}
