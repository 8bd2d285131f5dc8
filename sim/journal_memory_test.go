package sim_test

import (
	"strconv"
	"testing"

	"github.com/panelsim/panelsim/internal/simtest"
	"github.com/panelsim/panelsim/panelsimtest"
	"github.com/panelsim/panelsim/state"
)

// The journals of all worlds share --journal-memory: a world that keeps
// sending requests recycles its own journal past the bound, and a quiet
// world keeps what it journaled.
func TestJournalMemoryBoundsEveryWorldTogether(t *testing.T) {
	const bound = 200_000
	srv := panelsimtest.RunT(t, panelsimtest.WithJournalMemory(bound))
	c := simtest.New(t, srv)
	for range 50 {
		c.World("quiet").Get("/api?cmd=get_servers&sess=nope").Expect(t, 200)
	}
	const busy = 3000
	for range busy {
		c.World("busy").Get("/api?cmd=get_servers&sess=nope").Expect(t, 200)
	}
	quiet := srv.World("quiet").Requests(state.JournalFilter{})
	kept := srv.World("busy").Requests(state.JournalFilter{})
	if len(quiet) != 50 {
		t.Fatalf("the quiet world kept %d of its 50 entries", len(quiet))
	}
	if len(kept) == 0 || len(kept) >= busy || kept[len(kept)-1].Seq != busy || kept[0].Seq != uint64(busy-len(kept)+1) {
		t.Fatalf("the busy world kept %d entries (seq %d..%d): want its latest, fewer than %d", len(kept), kept[0].Seq, kept[len(kept)-1].Seq, busy)
	}
	m := scrape(t, c)
	used, err := strconv.ParseInt(m["panelsim_journal_bytes"], 10, 64)
	if err != nil || used > bound || used < bound*9/10 {
		t.Fatalf("panelsim_journal_bytes %q: want near %d, not past it", m["panelsim_journal_bytes"], bound)
	}
	if m["panelsim_journal_memory_max_bytes"] != strconv.Itoa(bound) {
		t.Fatalf("panelsim_journal_memory_max_bytes %q", m["panelsim_journal_memory_max_bytes"])
	}
	c.World("busy").Get("/api?cmd=get_servers&sess=nope").Expect(t, 200) // the process still serves
}
