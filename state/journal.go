package state

import (
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"
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
//
// Besides its own bound in entries, a journal in a registry shares the
// process's JournalMemory: once every journal together holds more than
// that, the journal adding an entry gives up its own oldest ones, so a
// world's traffic recycles that world's memory and the process's journals
// never outgrow the bound however many worlds fill theirs.
type Journal struct {
	mu sync.Mutex
	// ring holds n entries from head on (wrapping); len(ring) is the room,
	// grown up to max as entries arrive. sizes[i] is ring[i]'s footprint,
	// reckoned once.
	ring    []Entry
	sizes   []int64
	head, n int
	max     int
	bytes   int64          // the footprint of the entries held
	mem     *JournalMemory // nil: bounded by max alone
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
	if j.n == j.max {
		j.dropOldest()
	}
	if j.n == len(j.ring) {
		j.grow()
	}
	i := j.at(j.n)
	size := e.footprint()
	j.ring[i], j.sizes[i] = e, size
	j.n++
	j.bytes += size
	if j.mem != nil {
		j.mem.used.Add(size)
		for j.n > 1 && j.mem.over() {
			j.dropOldest()
		}
	}
	return e.Seq
}

// dropOldest forgets the oldest entry (the journal holds at least one).
func (j *Journal) dropOldest() {
	size := j.sizes[j.head]
	j.ring[j.head], j.sizes[j.head] = Entry{}, 0
	j.head = (j.head + 1) % len(j.ring)
	j.n--
	j.bytes -= size
	if j.mem != nil {
		j.mem.used.Add(-size)
	}
}

// grow makes room for one more entry, doubling the room but never past the
// bound (append alone would overshoot it by up to half).
func (j *Journal) grow() {
	room := min(max(2*len(j.ring), journalFirstCap), j.max)
	ring, sizes := make([]Entry, room), make([]int64, room)
	for i := range j.n {
		at := j.at(i)
		ring[i], sizes[i] = j.ring[at], j.sizes[at]
	}
	j.ring, j.sizes, j.head = ring, sizes, 0
}

// at is the ring index of the i-th entry held, oldest first.
func (j *Journal) at(i int) int { return (j.head + i) % len(j.ring) }

// each calls fn with every entry held, oldest first.
func (j *Journal) each(fn func(e *Entry)) {
	for i := range j.n {
		fn(&j.ring[j.at(i)])
	}
}

// Len is the number of entries held now.
func (j *Journal) Len() int {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.n
}

// Cap is the number of entries the journal has room for now (it grows up
// to its bound as entries arrive).
func (j *Journal) Cap() int {
	j.mu.Lock()
	defer j.mu.Unlock()
	return len(j.ring)
}

// Bytes is the memory the journal's entries hold, as JournalMemory counts it.
func (j *Journal) Bytes() int64 {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.bytes
}

// List returns the matching entries, oldest first.
func (j *Journal) List(f JournalFilter) []Entry {
	return j.Since(0, f, 0)
}

// Clear forgets every entry and gives back their memory; sequence numbers
// keep counting.
func (j *Journal) Clear() {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.mem != nil {
		j.mem.used.Add(-j.bytes)
	}
	j.ring, j.sizes, j.head, j.n, j.bytes = nil, nil, 0, 0, 0
}

// share makes the journal count against mem (nil: against nothing), moving
// what it holds from the bound it counted against before; a registry shares
// its JournalMemory with the worlds it holds and takes it back from a world
// it lets go, which a request still in flight may go on journaling into.
func (j *Journal) share(mem *JournalMemory) {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.mem == mem {
		return
	}
	if j.mem != nil {
		j.mem.used.Add(-j.bytes)
	}
	j.mem = mem
	if mem != nil {
		mem.used.Add(j.bytes)
	}
}

// JournalMemory bounds the bytes all the journals of a process hold
// together (see Journal).
type JournalMemory struct {
	max  int64
	used atomic.Int64
}

// NewJournalMemory bounds journals to max bytes together (<= 0: no bound).
func NewJournalMemory(max int64) *JournalMemory {
	return &JournalMemory{max: max}
}

// Used is the bytes the journals sharing m hold now.
func (m *JournalMemory) Used() int64 { return m.used.Load() }

func (m *JournalMemory) over() bool { return m.max > 0 && m.used.Load() > m.max }

// entryOverhead is what an entry costs beyond its strings: the struct in
// the ring and its size beside it. headersOverhead is a small headers map's
// table (one group of eight slots); with it, footprint came within 5% of the
// heap a journal of typical entries took (measured: 727 B an entry).
const (
	entryOverhead   = int64(unsafe.Sizeof(Entry{})) + 8
	headersOverhead = 288
)

// footprint is what the entry holds in memory, near enough to bound a
// process's journals by: its strings and a fixed share for the rest.
func (e *Entry) footprint() int64 {
	n := entryOverhead + int64(len(e.World)+len(e.Panel)+len(e.Method)+len(e.Path)+len(e.Query)+
		len(e.Op)+len(e.Fault)+len(e.Body)+len(e.Answer)+len(e.AnswerType))
	if len(e.Headers) > 0 {
		n += headersOverhead
	}
	for k, v := range e.Headers {
		n += int64(len(k) + len(v))
	}
	for _, s := range e.Notes {
		n += int64(len(s)) + 16
	}
	for _, s := range e.Truncated {
		n += int64(len(s)) + 16
	}
	for _, v := range e.Violations {
		n += int64(len(v.In)+len(v.Part)+len(v.Pointer)+len(v.Expected)+len(v.Actual)+len(v.Message)) + 96
	}
	return n
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
