package state

import (
	"fmt"
	"testing"
)

func TestJournalKeepsTheNewestEntriesInOrder(t *testing.T) {
	j := NewJournal(3)
	for i := 1; i <= 5; i++ {
		j.Add(Entry{Path: fmt.Sprintf("/p%d", i), Status: 200})
	}
	got := j.List(JournalFilter{})
	if len(got) != 3 || got[0].Path != "/p3" || got[2].Path != "/p5" || got[2].Seq != 5 {
		t.Fatalf("got %+v", got)
	}
	j.Clear()
	if len(j.List(JournalFilter{})) != 0 {
		t.Fatal("clear left entries")
	}
	if seq := j.Add(Entry{}); seq != 6 {
		t.Fatalf("seq %d after clear, want 6", seq)
	}
}

func TestJournalDefaultSize(t *testing.T) {
	j := NewJournal(0)
	for i := 0; i < DefaultJournalSize+10; i++ {
		j.Add(Entry{})
	}
	if n := len(j.List(JournalFilter{})); n != DefaultJournalSize {
		t.Fatalf("kept %d, want %d", n, DefaultJournalSize)
	}
}

func TestJournalFilter(t *testing.T) {
	j := NewJournal(10)
	j.Add(Entry{Panel: "dci6", Path: "/api/dci/v3/server", Status: 200})
	j.Add(Entry{Panel: "imserver", Path: "/api", Op: "login", Status: 200, Notes: []string{"sms key 123456 sent"}})
	j.Add(Entry{Panel: "dci6", Path: "/api/dci/v3/server/1", Status: 503, Fault: "storm"})
	cases := []struct {
		f    JournalFilter
		want int
	}{
		{JournalFilter{Panel: "dci6"}, 2},
		{JournalFilter{Path: "/api/dci/*"}, 2},
		{JournalFilter{Op: "login"}, 1},
		{JournalFilter{Status: 503}, 1},
		{JournalFilter{Fault: "*"}, 1},
		{JournalFilter{Fault: "other"}, 0},
	}
	for _, c := range cases {
		if got := len(j.List(c.f)); got != c.want {
			t.Errorf("%+v: %d entries, want %d", c.f, got, c.want)
		}
	}
	if notes := j.NotesContaining("sms key"); len(notes) != 1 {
		t.Fatalf("notes %v", notes)
	}
}

func TestJournalGrowsAsEntriesArriveUpToItsBound(t *testing.T) {
	j := NewJournal(100)
	if j.Cap() != 0 {
		t.Fatalf("a new journal holds room for %d entries, want 0", j.Cap())
	}
	wantCaps := map[int]int{1: 8, 8: 8, 9: 16, 33: 64, 65: 100, 100: 100, 250: 100}
	for i := 1; i <= 250; i++ {
		j.Add(Entry{Path: fmt.Sprintf("/p%d", i)})
		if want, ok := wantCaps[i]; ok && j.Cap() != want {
			t.Fatalf("after %d entries: room for %d, want %d", i, j.Cap(), want)
		}
	}
	got := j.List(JournalFilter{})
	if len(got) != 100 || j.Len() != 100 || got[0].Path != "/p151" || got[99].Path != "/p250" || got[99].Seq != 250 {
		t.Fatalf("kept %d entries (%s..%s)", len(got), got[0].Path, got[len(got)-1].Path)
	}
	j.Clear()
	if j.Cap() != 0 || j.Len() != 0 {
		t.Fatalf("clear kept room for %d entries", j.Cap())
	}
}
