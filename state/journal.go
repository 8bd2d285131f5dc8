package state

import (
	"strings"
	"sync"
	"time"
)

// DefaultJournalSize is how many requests a world remembers unless told.
const DefaultJournalSize = 10000

// Entry is one request as the journal remembers it: enough to filter on, to
// read what a panel did on the side (Notes, e.g. an SMS key "sent") and to
// replay the request.
type Entry struct {
	Seq     uint64            `json:"seq"`
	Time    time.Time         `json:"time"`
	World   string            `json:"world"`
	Panel   string            `json:"panel,omitempty"`
	Method  string            `json:"method"`
	Path    string            `json:"path"`
	Query   string            `json:"query,omitempty"`
	Op      string            `json:"op,omitempty"`
	Status  int               `json:"status"`
	Fault   string            `json:"fault,omitempty"`
	Notes   []string          `json:"notes,omitempty"`
	Headers map[string]string `json:"headers,omitempty"`
	Body    string            `json:"body,omitempty"`
	// BodyTruncated says Body holds only the first MaxJournalBody bytes.
	BodyTruncated bool `json:"body_truncated,omitempty"`
	// Truncated names the other fields kept cut ("query", "headers.Cookie"):
	// the query past MaxJournalQuery, a header past MaxJournalHeader bytes.
	Truncated []string `json:"truncated,omitempty"`
}

// MaxJournalBody bounds the request body kept per entry, so a full journal
// of large uploads stays within memory.
const MaxJournalBody = 64 << 10

// JournalFilter selects entries; empty fields match anything. Path is a glob.
type JournalFilter struct {
	Panel  string
	Path   string
	Op     string
	Status int
	Fault  string
}

func (f JournalFilter) match(e Entry) bool {
	return (f.Panel == "" || f.Panel == e.Panel) &&
		(f.Path == "" || Glob(f.Path, e.Path)) &&
		(f.Op == "" || f.Op == e.Op) &&
		(f.Status == 0 || f.Status == e.Status) &&
		(f.Fault == "" || f.Fault == e.Fault || (f.Fault == "*" && e.Fault != ""))
}

// Journal is a bounded ring of entries. It has its own lock so recording a
// request never waits on a long model transaction.
type Journal struct {
	mu      sync.Mutex
	entries []Entry
	next    int
	full    bool
	seq     uint64
}

// NewJournal keeps the last size entries (DefaultJournalSize if size <= 0).
func NewJournal(size int) *Journal {
	if size <= 0 {
		size = DefaultJournalSize
	}
	// Scenarios are checked against the bound; this keeps any other caller
	// from allocating a ring the process cannot hold.
	size = min(size, MaxJournalSize)
	return &Journal{entries: make([]Entry, size)}
}

// Add records an entry, giving it the next sequence number.
func (j *Journal) Add(e Entry) uint64 {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.seq++
	e.Seq = j.seq
	j.entries[j.next] = e
	j.next = (j.next + 1) % len(j.entries)
	if j.next == 0 {
		j.full = true
	}
	return e.Seq
}

// List returns the matching entries, oldest first.
func (j *Journal) List(f JournalFilter) []Entry {
	j.mu.Lock()
	defer j.mu.Unlock()
	var out []Entry
	each := func(e Entry) {
		if f.match(e) {
			out = append(out, e)
		}
	}
	if j.full {
		for _, e := range j.entries[j.next:] {
			each(e)
		}
	}
	for _, e := range j.entries[:j.next] {
		each(e)
	}
	return out
}

// Clear forgets every entry; sequence numbers keep counting.
func (j *Journal) Clear() {
	j.mu.Lock()
	defer j.mu.Unlock()
	clear(j.entries)
	j.next, j.full = 0, false
}

// NotesContaining returns the notes of all entries that contain s, oldest
// first: a convenience for tests that read what a panel "sent".
func (j *Journal) NotesContaining(s string) []string {
	var out []string
	for _, e := range j.List(JournalFilter{}) {
		for _, n := range e.Notes {
			if strings.Contains(n, s) {
				out = append(out, n)
			}
		}
	}
	return out
}
