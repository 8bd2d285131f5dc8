package state

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// sized is an entry whose footprint is exactly n bytes (n > entryOverhead).
func sized(path string, n int64) Entry {
	e := Entry{Path: path}
	e.Body = strings.Repeat("x", int(n-e.footprint()))
	return e
}

func paths(j *Journal) []string {
	var out []string
	for _, e := range j.List(JournalFilter{}) {
		out = append(out, e.Path)
	}
	return out
}

func TestJournalsShareOneMemoryBound(t *testing.T) {
	const size = 1000
	mem := NewJournalMemory(10 * size)
	a, b := NewJournal(100), NewJournal(100)
	a.share(mem)
	b.share(mem)
	for i := range 6 {
		a.Add(sized(fmt.Sprintf("/a%d", i), size))
	}
	for i := range 4 {
		b.Add(sized(fmt.Sprintf("/b%d", i), size))
	}
	if mem.Used() != 10*size || a.Len() != 6 || b.Len() != 4 {
		t.Fatalf("at the bound: %d bytes used, a %d, b %d entries", mem.Used(), a.Len(), b.Len())
	}
	// Past the bound the journal adding gives up its own oldest entries:
	// b's traffic recycles b's memory, a keeps what it has.
	b.Add(sized("/b4", size))
	b.Add(sized("/b5", 2*size))
	if got := fmt.Sprint(paths(b)); got != "[/b3 /b4 /b5]" || a.Len() != 6 || mem.Used() != 10*size {
		t.Fatalf("b holds %s, a %d entries, %d bytes used; want [/b3 /b4 /b5], 6, %d", got, a.Len(), mem.Used(), 10*size)
	}
	// An entry larger than the whole bound is kept alone: a journal always
	// holds its latest request.
	b.Add(sized("/huge", 20*size))
	if got := fmt.Sprint(paths(b)); got != "[/huge]" || b.Bytes() != 20*size || mem.Used() != 26*size {
		t.Fatalf("after a huge entry b holds %s (%d bytes), %d used", got, b.Bytes(), mem.Used())
	}
	a.Add(sized("/a6", size))
	if a.Len() != 1 || mem.Used() != 21*size {
		t.Fatalf("a adding past the bound kept %d entries, %d used; want 1, %d", a.Len(), mem.Used(), 21*size)
	}
	b.Clear()
	if mem.Used() != size || b.Bytes() != 0 {
		t.Fatalf("clear gave back %d bytes of b's, %d used", b.Bytes(), mem.Used())
	}
	a.share(nil)
	if mem.Used() != 0 || a.Bytes() != size {
		t.Fatalf("a let go still counts %d bytes (a holds %d)", mem.Used(), a.Bytes())
	}
	a.Add(sized("/a7", size)) // no longer counted
	if mem.Used() != 0 {
		t.Fatalf("a journal let go still counts: %d", mem.Used())
	}
}

func TestJournalCountBoundKeepsBytesExact(t *testing.T) {
	j := NewJournal(3)
	mem := NewJournalMemory(0) // no bound in bytes: only counted
	j.share(mem)
	for i := range 10 {
		j.Add(sized(fmt.Sprintf("/p%d", i), int64(500+i)))
	}
	if got := fmt.Sprint(paths(j)); got != "[/p7 /p8 /p9]" || j.Bytes() != 507+508+509 || mem.Used() != j.Bytes() {
		t.Fatalf("holds %s, %d bytes, %d counted", got, j.Bytes(), mem.Used())
	}
}

func TestRegistryCountsTheJournalsOfTheWorldsItHolds(t *testing.T) {
	wall := &fakeWall{now: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)}
	ws := NewWorlds(func(name string, origin any) (*World, error) {
		return NewWorld(Config{Name: name, Seed: 3, Start: t0, Origin: origin})
	}, Limits{MaxWorlds: 2, IdleTTL: time.Minute, Keep: "default", Wall: wall.read, JournalMemory: 4000})
	a := mustGet(t, ws, "a")
	b := mustGet(t, ws, "b")
	a.Journal().Add(sized("/a", 1500))
	b.Journal().Add(sized("/b", 1000))
	if ws.JournalBytes() != 2500 {
		t.Fatalf("%d bytes counted, want 2500", ws.JournalBytes())
	}
	wall.move(2 * time.Minute)
	mustGet(t, ws, "c") // evicts a (ties go to the smaller name)
	if _, ok := ws.Lookup("a"); ok || ws.JournalBytes() != 1000 {
		t.Fatalf("after evicting a: %d bytes counted, want 1000", ws.JournalBytes())
	}
	b2, err := ws.Rebuild("b", nil) // a reset replaces b: its journal goes with it
	if err != nil || ws.JournalBytes() != 0 {
		t.Fatalf("after resetting b: %v, %d bytes counted", err, ws.JournalBytes())
	}
	b2.Journal().Add(sized("/b2", 700))
	if ws.JournalBytes() != 700 {
		t.Fatalf("the new b's entry: %d bytes counted, want 700", ws.JournalBytes())
	}
	if !ws.Delete("b") || ws.JournalBytes() != 0 {
		t.Fatalf("after deleting b: %d bytes counted", ws.JournalBytes())
	}
}
