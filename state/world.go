// Package state holds everything a simulated panel remembers: worlds (one
// lock, one virtual clock, one task queue, seeded randomness, a request
// journal and fault rules each), and the registry of worlds in a process.
package state

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/brianvoe/gofakeit/v7"
)

// ErrSeedZero is returned for seed 0, which gofakeit would take as "random"
// and so break determinism.
var ErrSeedZero = errors.New("seed must not be 0 (gofakeit treats 0 as a random seed)")

// Config is what a world is built from. Steps, Timings and States are shared
// by every world of a process and must not be changed after use.
type Config struct {
	Name        string
	Seed        uint64
	Start       time.Time
	Clock       ClockMode
	Wall        WallClock
	JournalSize int
	// Timings holds the duration of every named async step (defaults merged
	// with the scenario's overrides).
	Timings map[string]time.Duration
	// Steps maps a step kind to the code that runs it.
	Steps map[string]StepFunc
	// States makes an empty state value for each panel, to restore into.
	States map[string]func() any
	Faults []FaultRule
	// History is how many finished tasks each panel keeps (Tx.History);
	// a panel missing here keeps DefaultHistory.
	History map[string]int
	// Origin is what the world was built from (its scenario), kept so a
	// reset can rebuild it. The state package never looks inside.
	Origin any
}

// World is one isolated simulation: every model read and write happens in
// Do, under the world's single lock.
type World struct {
	mu     sync.Mutex
	cfg    Config
	now    time.Time
	queue  stepQueue
	seq    uint64
	ids    map[string]int64
	pcg    *rand.PCG
	faker  *gofakeit.Faker
	rnd    *rand.Rand
	faults []FaultRule
	// faultless says faults is empty, so MatchFault can answer without the
	// lock (most worlds have no rules, and every request asks); false, its
	// zero value, only means "look under the lock". Set by noteFaults.
	faultless atomic.Bool
	fired     map[string]int
	panels    map[string]any
	real      *realSync
	// history is each panel's history size (see TrimHistory), for metrics.
	history map[string]HistoryStat

	journal  *Journal
	coverage *Coverage
	changed  Signal

	// memo keeps renderings while nothing changes (see Memo); a clone or a
	// restore starts with none.
	memo memo

	// tx and stepTx are the transactions Do (and Inspect) and a running
	// step hand out, owned by the lock and reused so a request allocates
	// none; see Tx.
	tx, stepTx Tx
}

// NewWorld makes an empty world at cfg.Start; panels seed it afterwards.
func NewWorld(cfg Config) (*World, error) {
	if cfg.Seed == 0 {
		return nil, ErrSeedZero
	}
	if cfg.Start.IsZero() {
		return nil, errors.New("world needs a start time")
	}
	w := &World{
		cfg:     cfg,
		now:     cfg.Start.UTC(),
		ids:     map[string]int64{},
		fired:   map[string]int{},
		panels:  map[string]any{},
		faults:  append([]FaultRule(nil), cfg.Faults...),
		journal: NewJournal(cfg.JournalSize),
		// A fork or a restore starts counting afresh: coverage is what was
		// asked of this world, not state it inherits.
		coverage: NewCoverage(),
		real:     newRealSync(cfg.Clock, cfg.Wall),
	}
	w.setRNG(rand.NewPCG(cfg.Seed, cfg.Seed^0x9e3779b97f4a7c15))
	w.noteFaults()
	return w, nil
}

// noteFaults records whether the world has fault rules, for MatchFault's
// lock-free answer; call it whenever faults is assigned.
func (w *World) noteFaults() { w.faultless.Store(len(w.faults) == 0) }

func (w *World) setRNG(p *rand.PCG) {
	w.pcg = p
	w.faker = gofakeit.NewFaker(p, false)
	w.rnd = rand.New(p)
}

// Name is the world's name in the registry.
func (w *World) Name() string { return w.cfg.Name }

// Config returns the configuration the world was built from.
func (w *World) Config() Config { return w.cfg }

// Journal is the world's request journal.
func (w *World) Journal() *Journal { return w.journal }

// Do runs fn with the world locked; tx is valid only until fn returns.
// In real clock mode the virtual clock first catches up with the wall
// clock, running any steps that fell due. Panels must make all their
// checks before changing anything, so an error returned by fn leaves the
// state as it was.
func (w *World) Do(fn func(tx *Tx) error) error {
	return w.DoScoped(nil, fn)
}

// DoScoped is Do with request-scoped extras (an armed task failure, notes
// for the journal) that the HTTP layer passes through to the model.
func (w *World) DoScoped(scope *Scope, fn func(tx *Tx) error) error {
	return w.transact(scope, false, fn)
}

// ViewScoped is DoScoped for a read: fn may change nothing a memo renders
// (see Memo), so the memos kept stay good, and fn may keep new ones. The
// clock catches up and due steps run as in DoScoped.
func (w *World) ViewScoped(scope *Scope, fn func(tx *Tx) error) error {
	return w.transact(scope, true, fn)
}

func (w *World) transact(scope *Scope, view bool, fn func(tx *Tx) error) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.catchUp()
	if !view {
		w.memo.changed()
	}
	tx := &w.tx
	*tx = Tx{w: w, scope: scope, view: view}
	err := fn(tx)
	*tx = Tx{w: w}
	// Steps due now (a timing of 0: "instant") run before the lock is let
	// go, so the next request already sees them done.
	w.runUntil(w.now)
	if scope != nil {
		scope.At, scope.Timed = w.now, true
	}
	return err
}

// Inspect runs fn with the world locked as it stands: the clock does not
// catch up and no due step runs, before or after. An invariant check uses
// it on a world that may be broken (a restored snapshot being vetted), so
// that no step runs on a dangling reference before the world is refused.
func (w *World) Inspect(fn func(tx *Tx) error) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.memo.changed()
	tx := &w.tx
	*tx = Tx{w: w}
	return fn(tx)
}

// Scope carries request-scoped data into a transaction.
type Scope struct {
	// FailTask, when set, makes the async operation this request starts
	// fail; FailRule names the rule that armed it.
	FailTask *FailTaskSpec
	FailRule string
	// FailFired is set once an operation took the failure.
	FailFired bool
	// Notes collects what the panel did on the side, for the journal.
	Notes []string
	// At is the world's time when the request's last transaction ended
	// (Timed says there was one), so the journal dates the request without
	// taking the world's lock again.
	At    time.Time
	Timed bool
}

func (w *World) catchUp() {
	if d := w.real.due(); d > 0 {
		w.runUntil(w.now.Add(d))
	}
}

// Now is the world's virtual time.
func (w *World) Now() time.Time {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.catchUp()
	return w.now
}

// ClockState is the world's virtual time and the number of steps waiting,
// read under one lock (Now and Pending take it once each).
func (w *World) ClockState() (now time.Time, pending int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.catchUp()
	return w.now, len(w.queue)
}

// Ran is a step that fired during Advance or Set.
type Ran struct {
	At    time.Time `json:"at"`
	Kind  string    `json:"kind"`
	Error string    `json:"error,omitempty"`
}

// Advance moves the clock forward by d, running every step that falls due in
// (due, seq) order with Now() at each step's due time, including steps
// scheduled on the way. It returns when all have run.
func (w *World) Advance(d time.Duration) ([]Ran, error) {
	if d < 0 {
		return nil, fmt.Errorf("cannot advance by a negative duration %s", d)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.catchUp()
	target := w.now.Add(d)
	if err := checkYear(target); err != nil || target.Before(w.now) {
		return nil, fmt.Errorf("cannot advance by %s: the clock cannot pass the year %d", d, maxYear)
	}
	return w.runUntil(target), nil
}

// checkYear keeps the clock where JSON (RFC 3339) can write it: past the
// year 9999 no world could be saved or listed.
func checkYear(t time.Time) error {
	if t.Year() > maxYear {
		return fmt.Errorf("%s is past the year %d, the last a snapshot can hold", t.UTC().Format("2006-01-02"), maxYear)
	}
	return nil
}

// Set moves the clock to t, which must not be before now.
func (w *World) Set(t time.Time) ([]Ran, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.catchUp()
	if t.Before(w.now) {
		return nil, fmt.Errorf("cannot set the clock back: %s is before now (%s)", t.UTC().Format(time.RFC3339), w.now.Format(time.RFC3339))
	}
	if err := checkYear(t); err != nil {
		return nil, err
	}
	return w.runUntil(t.UTC()), nil
}

func (w *World) runUntil(target time.Time) []Ran {
	var ran []Ran
	for {
		step, ok := w.queue.popDue(target)
		if !ok {
			break
		}
		if step.Due.After(w.now) {
			w.now = step.Due
		}
		if ran == nil {
			// Room for a task's few steps at once, rather than growing
			// one by one.
			ran = make([]Ran, 0, 4)
		}
		ran = append(ran, w.runStep(step))
	}
	if len(ran) > 0 || !target.Equal(w.now) {
		w.changed.Notify()
	}
	w.now = target
	return ran
}

func (w *World) runStep(s Step) Ran {
	r := Ran{At: w.now, Kind: s.Kind}
	fn := w.cfg.Steps[s.Kind]
	if fn == nil {
		r.Error = "no handler for step kind " + s.Kind
		return r
	}
	w.memo.changed()
	tx := &w.stepTx
	*tx = Tx{w: w, stepArg: s.val}
	err := fn(tx, s.Args)
	*tx = Tx{w: w}
	if err != nil {
		r.Error = err.Error()
	}
	return r
}

// Pending is the number of steps waiting in the queue.
func (w *World) Pending() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.queue)
}

// Faults returns a copy of the world's fault rules.
func (w *World) Faults() []FaultRule {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]FaultRule(nil), w.faults...)
}

// SetFaults replaces the rules (already validated) and their fire counts.
func (w *World) SetFaults(rules []FaultRule) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.faults = append([]FaultRule(nil), rules...)
	w.noteFaults()
	w.fired = map[string]int{}
	w.changed.Notify()
}

// FaultHit is a rule that fired for a request, with its drawn latency.
type FaultHit struct {
	Rule    FaultRule
	Latency time.Duration
}

// MatchFault finds the first rule that fires for req. Random draws come from
// the world's seeded generator, so a seed replays the same firings.
//
// A world without rules answers at once, without its lock: the clock
// catching up (real mode) matters only to a rule's time window, and the
// request's own transaction catches it up anyway.
func (w *World) MatchFault(req RequestInfo) (FaultHit, bool) {
	if w.faultless.Load() {
		return FaultHit{}, false
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.catchUp()
	elapsed := w.now.Sub(w.cfg.Start)
	for _, r := range w.faults {
		if !r.matches(req, elapsed) {
			continue
		}
		if r.When.Times > 0 && w.fired[r.Name] >= r.When.Times {
			continue
		}
		if r.When.Probability > 0 && w.rnd.Float64() >= r.When.Probability {
			continue
		}
		// A fail_task rule fires when an operation takes the failure (see
		// Tx.TaskFailure), not when a request that may be refused matches.
		if r.Action.FailTask == nil {
			w.fired[r.Name]++
		}
		return FaultHit{Rule: r, Latency: w.drawLatency(r.Action.Latency)}, true
	}
	return FaultHit{}, false
}

func (w *World) drawLatency(l *LatencySpec) time.Duration {
	if l == nil {
		return 0
	}
	if l.Fixed > 0 {
		return l.Fixed.D()
	}
	// Drawn in whole milliseconds: readable in headers and journals.
	span := (l.Max.D() - l.Min.D()) / time.Millisecond
	if span <= 0 {
		return l.Min.D()
	}
	return l.Min.D() + time.Duration(w.rnd.Int64N(int64(span)+1))*time.Millisecond
}

// Tx is a world seen from inside its lock. The world reuses its Tx for
// every transaction: a Tx is valid only during the fn (or step) it is
// handed to and must not be kept past it.
type Tx struct {
	w     *World
	scope *Scope
	// stepArg is the running step's Step.val (nil outside a step), for
	// TypedStep.
	stepArg any
	// view says the transaction is a read (ViewScoped), the only kind
	// that keeps memos.
	view bool
}

// Now is the virtual time of the transaction (a step's due time inside a step).
func (tx *Tx) Now() time.Time { return tx.w.now }

// Start is the scenario start time.
func (tx *Tx) Start() time.Time { return tx.w.cfg.Start }

// WorldName names the world.
func (tx *Tx) WorldName() string { return tx.w.cfg.Name }

// After schedules a step of the given kind d from now with args encoded as
// JSON. The step runs under the lock during a later Advance or catch-up; its
// StepFunc must not call World.Do. Args are taken by value: a plain value
// (see plainArgs) is kept as given and handed to a TypedStep as it is, any
// other is decoded afresh from its JSON when the step runs.
func (tx *Tx) After(d time.Duration, kind string, args any) error {
	if _, ok := tx.w.cfg.Steps[kind]; !ok {
		return fmt.Errorf("unknown step kind %q", kind)
	}
	if d < 0 {
		d = 0
	}
	raw, err := json.Marshal(args)
	if err != nil {
		return fmt.Errorf("step %s: %w", kind, err)
	}
	tx.w.seq++
	tx.w.queue.push(Step{Due: tx.w.now.Add(d), Seq: tx.w.seq, Kind: kind, Args: raw, val: keptArgs(args, raw)})
	return nil
}

// NextID returns the next id of a kind, counting from 1.
func (tx *Tx) NextID(kind string) int64 {
	tx.w.ids[kind]++
	return tx.w.ids[kind]
}

// ReserveID makes sure NextID(kind) never returns id or anything below it,
// for objects seeded with explicit ids.
func (tx *Tx) ReserveID(kind string, id int64) {
	if tx.w.ids[kind] < id {
		tx.w.ids[kind] = id
	}
}

// Faker is the world's seeded generator of names, addresses and the like.
func (tx *Tx) Faker() *gofakeit.Faker { return tx.w.faker }

// Rand is the world's seeded random source (the same stream as Faker).
func (tx *Tx) Rand() *rand.Rand { return tx.w.rnd }

// Timing is the configured duration of a named async step; unknown names
// are a programming error and return 0 (instant) so the simulation goes on.
func (tx *Tx) Timing(name string) time.Duration { return tx.w.cfg.Timings[name] }

// State returns the state a panel stored with SetState, or nil.
func (tx *Tx) State(panel string) any { return tx.w.panels[panel] }

// SetState stores a panel's state (a pointer to a JSON-serialisable value).
func (tx *Tx) SetState(panel string, v any) { tx.w.panels[panel] = v }

// TaskFailure returns, once, the failure a fault rule armed for the async
// operation this request starts; nil when there is none. Taking it is what
// counts as the rule firing (for its `times`), so a request the panel
// refuses before starting anything leaves the rule armed for the next one.
func (tx *Tx) TaskFailure() *FailTaskSpec {
	if tx.scope == nil || tx.scope.FailTask == nil {
		return nil
	}
	f := tx.scope.FailTask
	tx.scope.FailTask, tx.scope.FailFired = nil, true
	if tx.scope.FailRule != "" {
		tx.w.fired[tx.scope.FailRule]++
	}
	return f
}

// Note records something the panel did on the side (an SMS key "sent", a
// mail "delivered") in the request's journal entry.
func (tx *Tx) Note(format string, a ...any) {
	if tx.scope != nil {
		tx.scope.Notes = append(tx.scope.Notes, fmt.Sprintf(format, a...))
	}
}

// PanelState is the typed form of Tx.State: it returns the panel's state as
// *T, panicking if a panel stored something else (a programming error).
func PanelState[T any](tx *Tx, panel string) *T {
	v, _ := tx.State(panel).(*T)
	if v == nil {
		v = new(T)
		tx.SetState(panel, v)
	}
	return v
}

// Snapshot is a world's whole state as JSON-friendly data.
type Snapshot struct {
	Name   string                     `json:"name"`
	Seed   uint64                     `json:"seed"`
	Start  time.Time                  `json:"start"`
	Now    time.Time                  `json:"now"`
	Seq    uint64                     `json:"seq"`
	IDs    map[string]int64           `json:"ids"`
	RNG    []byte                     `json:"rng"`
	Queue  []Step                     `json:"queue"`
	Faults []FaultRule                `json:"faults"`
	Fired  map[string]int             `json:"fired"`
	Panels map[string]json.RawMessage `json:"panels"`
}

// Snapshot captures the world's current state.
func (w *World) Snapshot() (*Snapshot, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.catchUp()
	rng, err := w.pcg.MarshalBinary()
	if err != nil {
		return nil, err
	}
	s := &Snapshot{
		Name: w.cfg.Name, Seed: w.cfg.Seed, Start: w.cfg.Start, Now: w.now, Seq: w.seq,
		IDs: cloneMap(w.ids), RNG: rng, Queue: append(make([]Step, 0, len(w.queue)), w.queue...),
		Faults: append([]FaultRule(nil), w.faults...), Fired: cloneMap(w.fired),
		Panels: map[string]json.RawMessage{},
	}
	sort.Slice(s.Queue, stepQueue(s.Queue).Less)
	for i := range s.Queue {
		// A snapshot is what its JSON says: a world restored from it
		// decodes its steps' args, and so does the snapshot itself.
		s.Queue[i].val = nil
	}
	for name, st := range w.panels {
		raw, err := json.Marshal(st)
		if err != nil {
			return nil, fmt.Errorf("snapshot of %s: %w", name, err)
		}
		s.Panels[name] = raw
	}
	return s, nil
}

// Restore builds a world from a snapshot with cfg's behaviour (steps,
// timings, clock); cfg.Name wins over the snapshot's name so a snapshot can
// be restored under another name (a fork).
func Restore(cfg Config, s *Snapshot) (*World, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	cfg.Seed, cfg.Start = s.Seed, s.Start
	if cfg.Name == "" {
		cfg.Name = s.Name
	}
	w, err := NewWorld(cfg)
	if err != nil {
		return nil, err
	}
	pcg := &rand.PCG{}
	if err := pcg.UnmarshalBinary(s.RNG); err != nil {
		return nil, &DecodeError{Pointer: "/rng", Msg: err.Error()}
	}
	w.setRNG(pcg)
	w.now, w.seq, w.ids, w.fired = s.Now.UTC(), s.Seq, cloneMap(s.IDs), cloneMap(s.Fired)
	if w.ids == nil {
		w.ids = map[string]int64{}
	}
	if w.fired == nil {
		w.fired = map[string]int{}
	}
	w.faults = append([]FaultRule(nil), s.Faults...)
	w.noteFaults()
	for i, st := range s.Queue {
		if _, ok := cfg.Steps[st.Kind]; !ok {
			return nil, &DecodeError{Pointer: fmt.Sprintf("/queue/%d/kind", i), Msg: fmt.Sprintf("unknown step kind %q", st.Kind)}
		}
		w.queue.push(st)
	}
	for _, name := range slices.Sorted(maps.Keys(s.Panels)) {
		mk := cfg.States[name]
		if mk == nil {
			return nil, &DecodeError{Pointer: "/panels/" + name, Msg: fmt.Sprintf("unknown panel %q", name)}
		}
		v := mk()
		if err := DecodeStrict(s.Panels[name], v); err != nil {
			var de *DecodeError
			errors.As(err, &de)
			return nil, de.At("/panels/" + name)
		}
		if ptr, found := NullObject(v); found {
			return nil, &DecodeError{Pointer: "/panels/" + name + ptr, Msg: "null object"}
		}
		w.panels[name] = v
	}
	return w, nil
}

// maxYear is the last year a snapshot (JSON, RFC 3339) can hold.
const maxYear = 9999

// check refuses a snapshot that cannot be a world: no seed, no start, a now
// before the start or past what RFC 3339 can write.
func (s *Snapshot) check() error {
	bad := func(ptr, msg string) error { return &DecodeError{Pointer: ptr, Msg: msg} }
	switch {
	case s.Seed == 0:
		return bad("/seed", ErrSeedZero.Error())
	case s.Start.IsZero():
		return bad("/start", "a snapshot needs its start time")
	case s.Now.Before(s.Start):
		return bad("/now", "now is before the start")
	case s.Now.Year() > maxYear:
		return bad("/now", fmt.Sprintf("now is past the year %d", maxYear))
	}
	for i, st := range s.Queue {
		if st.Due.Year() > maxYear {
			return bad(fmt.Sprintf("/queue/%d/due", i), fmt.Sprintf("due past the year %d", maxYear))
		}
	}
	return nil
}

// Fork makes an independent copy of the world under a new name, with its
// own clock starting at the parent's current time.
func (w *World) Fork(name string) (*World, error) {
	s, err := w.Snapshot()
	if err != nil {
		return nil, err
	}
	cfg := w.cfg
	cfg.Name = name
	return Restore(cfg, s)
}

func cloneMap[K comparable, V any](m map[K]V) map[K]V {
	out := make(map[K]V, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}
