package state

import (
	"errors"
	"fmt"
	"regexp"
	"sort"
	"sync"
	"sync/atomic"
	"time"
)

// Builder makes a fresh world named name from origin (a scenario); nil
// origin means the registry's default scenario.
type Builder func(name string, origin any) (*World, error)

// Limits bound a registry, so a shared instance that thousands of CI jobs
// each give a world of their own stays within its memory.
type Limits struct {
	// MaxWorlds caps the worlds alive at once (0: no cap).
	MaxWorlds int
	// IdleTTL is how long a world must go unused before it may be evicted
	// to make room for a new one (0: worlds are never evicted). Eviction
	// happens only when the cap is reached, least recently used first.
	IdleTTL time.Duration
	// Keep names a world that is never evicted (the default world).
	Keep string
	// Wall is the clock idleness is measured on (nil: the system clock).
	// Idleness is about the host's resources, so it is wall time, never a
	// world's virtual time.
	Wall WallClock
	// JournalMemory bounds the bytes the journals of all the registry's
	// worlds hold together (0: no bound but each journal's own): past it, a
	// world adding an entry gives up its own oldest ones (see Journal).
	JournalMemory int64
}

// FullError is the answer for a new world when the registry holds
// MaxWorlds worlds and none has been idle for IdleTTL.
type FullError struct {
	Max     int
	IdleTTL time.Duration
}

func (e *FullError) Error() string {
	idle := "worlds are never evicted (--world-idle-ttl 0)"
	if e.IdleTTL > 0 {
		idle = "none has been idle for " + e.IdleTTL.String()
	}
	return fmt.Sprintf("cannot create a new world: panelsim holds its maximum of %d worlds and %s; delete one (DELETE /_panelsim/worlds/{name}) or raise --max-worlds", e.Max, idle)
}

// IsFull reports whether err is a registry at its cap.
func IsFull(err error) bool {
	var fe *FullError
	return errors.As(err, &fe)
}

// OpRecreated is the journal operation of the entry that opens the journal
// of a world recreated after its eviction.
const OpRecreated = "world.recreated"

// Worlds is the registry of a process's worlds. A world comes into being on
// first use, built from the default scenario, without holding the
// registry's lock: requests to other worlds go on while it is built, and
// requests to the world being built wait for that one build.
type Worlds struct {
	mu      sync.RWMutex
	slots   map[string]*slot
	build   Builder
	limits  Limits
	evicted evictedNames

	evictions atomic.Uint64
	// journals is what the worlds' journals hold together.
	journals *JournalMemory
	// retired holds the coverage of deleted and evicted worlds, so a suite
	// that makes and drops a world per test still sees what it exercised.
	retired *Coverage
	changed Signal
}

// slot is a world in the registry, or one being built (ready not yet
// closed). w and err are written once, before ready is closed.
type slot struct {
	ready chan struct{}
	w     *World
	err   error
	used  atomic.Int64 // wall time of the last use, in Unix nanoseconds
}

func builtSlot(w *World, now int64) *slot {
	sl := &slot{ready: make(chan struct{}), w: w}
	sl.used.Store(now)
	close(sl.ready)
	return sl
}

// NewWorlds makes an empty registry with the given limits.
func NewWorlds(build Builder, limits Limits) *Worlds {
	if limits.Wall == nil {
		limits.Wall = SystemWallClock
	}
	return &Worlds{slots: map[string]*slot{}, build: build, limits: limits, evicted: evictedNames{max: evictedRemembered}, journals: NewJournalMemory(limits.JournalMemory), retired: NewCoverage()}
}

var worldName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)

// ValidName reports whether name can name a world (it appears in URLs).
func ValidName(name string) error {
	if !worldName.MatchString(name) {
		return fmt.Errorf("world name %q: use 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit", name)
	}
	return nil
}

func (ws *Worlds) now() int64 { return ws.limits.Wall().UnixNano() }

// Get returns the named world, creating it from the default scenario on
// first use (and again after it was evicted: its journal then opens with
// an entry saying so). Getting a world counts as using it.
func (ws *Worlds) Get(name string) (*World, error) {
	ws.mu.RLock()
	sl := ws.slots[name]
	ws.mu.RUnlock()
	if sl == nil {
		return ws.create(name)
	}
	return ws.use(sl)
}

func (ws *Worlds) use(sl *slot) (*World, error) {
	<-sl.ready
	if sl.err != nil {
		return nil, sl.err
	}
	sl.used.Store(ws.now())
	return sl.w, nil
}

func (ws *Worlds) create(name string) (*World, error) {
	if err := ValidName(name); err != nil {
		return nil, err
	}
	ws.mu.Lock()
	if sl := ws.slots[name]; sl != nil {
		ws.mu.Unlock()
		return ws.use(sl)
	}
	if err := ws.makeRoom(); err != nil {
		ws.mu.Unlock()
		return nil, err
	}
	sl := &slot{ready: make(chan struct{})}
	ws.slots[name] = sl
	idle, wasEvicted := ws.evicted.take(name)
	ws.mu.Unlock()

	w, err := ws.build(name, nil)
	ws.mu.Lock()
	if err == nil && ws.slots[name] == sl {
		w.journal.share(ws.journals)
	}
	sl.w, sl.err = w, err
	if err != nil && ws.slots[name] == sl {
		delete(ws.slots, name)
	}
	close(sl.ready)
	ws.mu.Unlock()
	ws.changed.Notify()
	if err == nil && wasEvicted {
		w.Journal().Add(Entry{Time: w.Now(), World: name, Op: OpRecreated, Notes: []string{fmt.Sprintf(
			"this world was evicted after %s unused (the process holds at most %d worlds) and is recreated from its scenario: its earlier state and requests are gone",
			idle.Round(time.Second), ws.limits.MaxWorlds)}})
	}
	return ws.use(sl)
}

// makeRoom (under the lock) evicts the least recently used idle world if
// the registry is at its cap, or says why it cannot.
func (ws *Worlds) makeRoom() error {
	if ws.limits.MaxWorlds <= 0 || len(ws.slots) < ws.limits.MaxWorlds {
		return nil
	}
	full := &FullError{Max: ws.limits.MaxWorlds, IdleTTL: ws.limits.IdleTTL}
	if ws.limits.IdleTTL <= 0 {
		return full
	}
	now := ws.now()
	victim, oldest := "", now-int64(ws.limits.IdleTTL)
	for name, sl := range ws.slots {
		if sl.w == nil || name == ws.limits.Keep {
			continue // being built, or kept
		}
		// Ties go to the smaller name, so a run can be replayed.
		if used := sl.used.Load(); used < oldest || (used == oldest && (victim == "" || name < victim)) {
			victim, oldest = name, used
		}
	}
	if victim == "" {
		return full
	}
	ws.retire(ws.slots[victim].w)
	delete(ws.slots, victim)
	ws.evicted.add(victim, time.Duration(now-oldest))
	ws.evictions.Add(1)
	return nil
}

// Lookup returns an existing world without creating it (nor counting as a
// use of it).
func (ws *Worlds) Lookup(name string) (*World, bool) {
	ws.mu.RLock()
	sl := ws.slots[name]
	ws.mu.RUnlock()
	if sl == nil {
		return nil, false
	}
	<-sl.ready
	return sl.w, sl.err == nil
}

// Names lists the existing worlds in order.
func (ws *Worlds) Names() []string {
	ws.mu.RLock()
	defer ws.mu.RUnlock()
	names := make([]string, 0, len(ws.slots))
	for n, sl := range ws.slots {
		if sl.w != nil {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	return names
}

// Each calls fn for every existing world, in no order, outside the
// registry's lock (for metrics).
func (ws *Worlds) Each(fn func(*World)) {
	ws.mu.RLock()
	worlds := make([]*World, 0, len(ws.slots))
	for _, sl := range ws.slots {
		if sl.w != nil {
			worlds = append(worlds, sl.w)
		}
	}
	ws.mu.RUnlock()
	for _, w := range worlds {
		fn(w)
	}
}

// Len is the number of worlds alive (and being built).
func (ws *Worlds) Len() int {
	ws.mu.RLock()
	defer ws.mu.RUnlock()
	return len(ws.slots)
}

// Evictions is how many idle worlds were evicted to make room so far.
func (ws *Worlds) Evictions() uint64 { return ws.evictions.Load() }

// Limits are the registry's bounds.
func (ws *Worlds) Limits() Limits { return ws.limits }

// Rebuild replaces the named world by a fresh one built from origin (nil:
// the world's own origin, i.e. a reset). Nothing changes on error.
func (ws *Worlds) Rebuild(name string, origin any) (*World, error) {
	if err := ValidName(name); err != nil {
		return nil, err
	}
	old, _ := ws.Lookup(name)
	if origin == nil && old != nil {
		origin = old.cfg.Origin
	}
	w, err := ws.build(name, origin)
	if err != nil {
		return nil, err
	}
	if err := ws.Put(w); err != nil {
		return nil, err
	}
	return w, nil
}

// Put installs w under its own name, replacing any world of that name; a
// new name must fit under the cap like any new world. The replaced world's
// coverage carries over: a reset or a restore does not forget what the
// suite exercised.
func (ws *Worlds) Put(w *World) error {
	ws.mu.Lock()
	defer ws.mu.Unlock()
	old, exists := ws.slots[w.Name()]
	if !exists {
		if err := ws.makeRoom(); err != nil {
			return err
		}
	}
	if exists && old.w != nil && old.w != w {
		w.coverage.Merge(old.w.coverage.Counts())
		old.w.journal.share(nil)
	}
	w.journal.share(ws.journals)
	ws.evicted.take(w.Name())
	ws.slots[w.Name()] = builtSlot(w, ws.now())
	ws.changed.Notify()
	return nil
}

// Fork copies world src (created if need be) to a new world dst.
func (ws *Worlds) Fork(src, dst string) (*World, error) {
	if err := ValidName(dst); err != nil {
		return nil, err
	}
	if _, exists := ws.Lookup(dst); exists {
		return nil, fmt.Errorf("world %q already exists", dst)
	}
	parent, err := ws.Get(src)
	if err != nil {
		return nil, err
	}
	w, err := parent.Fork(dst)
	if err != nil {
		return nil, err
	}
	if err := ws.Put(w); err != nil {
		return nil, err
	}
	return w, nil
}

// Delete removes a world; it reports whether it existed.
func (ws *Worlds) Delete(name string) bool {
	ws.mu.Lock()
	defer ws.mu.Unlock()
	sl, ok := ws.slots[name]
	if ok && sl.w == nil {
		return false // still being built: its creator will return it
	}
	if ok {
		ws.retire(sl.w)
	}
	delete(ws.slots, name)
	ws.evicted.take(name)
	ws.changed.Notify()
	return ok
}

// retire lets a deleted or evicted world go: its coverage stays counted,
// its journal no longer counts against the registry's JournalMemory.
func (ws *Worlds) retire(w *World) {
	ws.retired.Merge(w.coverage.Counts())
	w.journal.share(nil)
}

// JournalBytes is the memory all the worlds' journals hold together.
func (ws *Worlds) JournalBytes() int64 { return ws.journals.Used() }

// Retired is the coverage of the worlds deleted or evicted so far.
func (ws *Worlds) Retired() *Coverage { return ws.retired }

// evictedRemembered bounds how many evicted names a registry remembers (to
// say so when one comes back); past it, the oldest are forgotten.
const evictedRemembered = 100000

// evictedNames remembers evicted worlds (and how long they had been idle)
// until they come back, in a bounded FIFO: past max names the oldest
// eviction is forgotten.
type evictedNames struct {
	max   int
	seq   uint64
	idle  map[string]eviction
	order []eviction // oldest first; stale once the name came back or left again
}

type eviction struct {
	name string
	seq  uint64
	idle time.Duration
}

func (e *evictedNames) add(name string, idle time.Duration) {
	if e.idle == nil {
		e.idle = map[string]eviction{}
	}
	e.seq++
	ev := eviction{name: name, seq: e.seq, idle: idle}
	e.idle[name] = ev
	e.order = append(e.order, ev)
	for len(e.idle) > e.max && len(e.order) > 0 {
		e.forget(e.order[0])
		e.order = e.order[1:]
	}
	if len(e.order) > 2*e.max+16 {
		e.compact()
	}
}

func (e *evictedNames) current(ev eviction) bool { return e.idle[ev.name].seq == ev.seq }

func (e *evictedNames) forget(ev eviction) {
	if e.current(ev) {
		delete(e.idle, ev.name)
	}
}

// compact drops the stale part of order.
func (e *evictedNames) compact() {
	kept := make([]eviction, 0, len(e.idle))
	for _, ev := range e.order {
		if e.current(ev) {
			kept = append(kept, ev)
		}
	}
	e.order = kept
}

func (e *evictedNames) take(name string) (time.Duration, bool) {
	ev, ok := e.idle[name]
	delete(e.idle, name)
	return ev.idle, ok
}
