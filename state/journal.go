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
	// Answer is the start of the answer's body (MaxJournalAnswer bytes) and
	// AnswerType its Content-Type, so a request can be read beside its answer.
	Answer     string `json:"answer,omitempty"`
	AnswerType string `json:"answer_type,omitempty"`
	// Truncated names the other fields kept cut ("query", "headers.Cookie"):
	// the query past MaxJournalQuery, a header past MaxJournalHeader bytes.
	Truncated []string `json:"truncated,omitempty"`
	// Violations are the places where the request or its answer broke the
	// contract (proxy mode checks both).
	Violations []Violation `json:"violations,omitempty"`
}

// Violation is one contract violation of a journaled exchange: In is
// "request" or "response", Part what broke (body, status, route, ...),
// Pointer the RFC 6901 pointer into the body.
type Violation struct {
	In       string `json:"in"`
	Part     string `json:"part"`
	Pointer  string `json:"pointer"`
	Expected string `json:"expected,omitempty"`
	Actual   string `json:"actual,omitempty"`
	Message  string `json:"message"`
}

// MaxJournalAnswer bounds the answer kept per entry: enough to read an
// error envelope or the head of a list, small beside a full journal.
const MaxJournalAnswer = 2 << 10

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
	// Violation keeps only entries with at least one contract violation.
	Violation bool
}

func (f JournalFilter) match(e Entry) bool {
	return (f.Panel == "" || f.Panel == e.Panel) &&
		(f.Path == "" || Glob(f.Path, e.Path)) &&
		(f.Op == "" || f.Op == e.Op) &&
		(f.Status == 0 || f.Status == e.Status) &&
		(f.Fault == "" || f.Fault == e.Fault || (f.Fault == "*" && e.Fault != "")) &&
		(!f.Violation || len(e.Violations) > 0)
}

// Journal is a bounded ring of entries. It has its own lock so recording a
// request never waits on a long model transaction. It grows as entries
// arrive and becomes a ring only once it holds its bound, so an idle world
// costs a few bytes rather than a full ring (ten thousand worlds in one
// process would otherwise hold mostly empty journals, and the GC scans them).
type Journal struct {
	mu      sync.Mutex
	entries []Entry // oldest at next once len == max
	max     int
	next    int
	seq     uint64
	changed Signal
}

// journalFirstCap is the room a journal takes on its first entry.
const journalFirstCap = 8

// NewJournal keeps the last size entries (DefaultJournalSize if size <= 0).
// It allocates nothing until the first entry.
func NewJournal(size int) *Journal {
	if size <= 0 {
		size = DefaultJournalSize
	}
	// Scenarios are checked against the bound; this keeps any other caller
	// from asking for a ring the process cannot hold.
	return &Journal{max: min(size, MaxJournalSize)}
}

// Add records an entry, giving it the next sequence number.
func (j *Journal) Add(e Entry) uint64 {
	j.mu.Lock()
	defer j.mu.Unlock()
	defer j.changed.Notify()
	j.seq++
	e.Seq = j.seq
	if len(j.entries) < j.max {
		j.grow()
		j.entries = append(j.entries, e)
		return e.Seq
	}
	j.entries[j.next] = e
	j.next = (j.next + 1) % j.max
	return e.Seq
}

// grow makes room for one more entry, doubling the capacity but never past
// the bound (append alone would overshoot it by up to half).
func (j *Journal) grow() {
	if len(j.entries) < cap(j.entries) {
		return
	}
	n := min(max(2*cap(j.entries), journalFirstCap), j.max)
	grown := make([]Entry, len(j.entries), n)
	copy(grown, j.entries)
	j.entries = grown
}

// Len is the number of entries held now.
func (j *Journal) Len() int {
	j.mu.Lock()
	defer j.mu.Unlock()
	return len(j.entries)
}

// Cap is the number of entries the journal has room for now (it grows up
// to its bound as entries arrive).
func (j *Journal) Cap() int {
	j.mu.Lock()
	defer j.mu.Unlock()
	return cap(j.entries)
}

// List returns the matching entries, oldest first.
func (j *Journal) List(f JournalFilter) []Entry {
	j.mu.Lock()
	defer j.mu.Unlock()
	var out []Entry
	for _, part := range [][]Entry{j.entries[j.next:], j.entries[:j.next]} {
		for _, e := range part {
			if f.match(e) {
				out = append(out, e)
			}
		}
	}
	return out
}

// Clear forgets every entry and gives back their memory; sequence numbers
// keep counting.
func (j *Journal) Clear() {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.entries, j.next = nil, 0
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
