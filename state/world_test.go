package state

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"
)

var t0 = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)

// recorder is a world whose only step kind appends its args to a log.
type recorder struct {
	log []string
}

func newTestWorld(t testing.TB, steps map[string]StepFunc, mode ClockMode, wall WallClock) *World {
	t.Helper()
	w, err := NewWorld(Config{Name: "t", Seed: 7, Start: t0, Clock: mode, Wall: wall, Steps: steps,
		States: map[string]func() any{"p": func() any { return &map[string]int{} }}})
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func (r *recorder) steps() map[string]StepFunc {
	return map[string]StepFunc{
		"rec": func(tx *Tx, args json.RawMessage) error {
			var s string
			_ = json.Unmarshal(args, &s)
			r.log = append(r.log, fmt.Sprintf("%s@%s", s, tx.Now().Sub(t0)))
			return nil
		},
		"chain": func(tx *Tx, args json.RawMessage) error {
			var n int
			_ = json.Unmarshal(args, &n)
			r.log = append(r.log, fmt.Sprintf("chain%d@%s", n, tx.Now().Sub(t0)))
			if n < 3 {
				return tx.After(time.Minute, "chain", n+1)
			}
			return nil
		},
		"boom": func(tx *Tx, args json.RawMessage) error { return errors.New("boom") },
	}
}

func TestAdvanceRunsStepsInDueOrderWithNowAtDue(t *testing.T) {
	r := &recorder{}
	w := newTestWorld(t, r.steps(), ClockMode{}, nil)
	_ = w.Do(func(tx *Tx) error {
		_ = tx.After(30*time.Second, "rec", "c")
		_ = tx.After(10*time.Second, "rec", "a")
		_ = tx.After(20*time.Second, "rec", "b")
		return nil
	})
	ran, err := w.Advance(25 * time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"a@10s", "b@20s"}; !reflect.DeepEqual(r.log, want) {
		t.Fatalf("ran %v, want %v", r.log, want)
	}
	if len(ran) != 2 || ran[0].Kind != "rec" || !ran[1].At.Equal(t0.Add(20*time.Second)) {
		t.Fatalf("ran list %+v", ran)
	}
	if got := w.Now(); !got.Equal(t0.Add(25 * time.Second)) {
		t.Fatalf("now %s, want start+25s", got)
	}
	if w.Pending() != 1 {
		t.Fatalf("pending %d, want 1", w.Pending())
	}
}

func TestSameDueStepsRunInSchedulingOrder(t *testing.T) {
	r := &recorder{}
	w := newTestWorld(t, r.steps(), ClockMode{}, nil)
	_ = w.Do(func(tx *Tx) error {
		for _, s := range []string{"first", "second", "third", "fourth"} {
			_ = tx.After(time.Minute, "rec", s)
		}
		return nil
	})
	_, _ = w.Advance(time.Minute)
	want := []string{"first@1m0s", "second@1m0s", "third@1m0s", "fourth@1m0s"}
	if !reflect.DeepEqual(r.log, want) {
		t.Fatalf("ran %v, want %v", r.log, want)
	}
}

func TestStepsScheduledDuringAdvanceRunInTheSamePass(t *testing.T) {
	r := &recorder{}
	w := newTestWorld(t, r.steps(), ClockMode{}, nil)
	_ = w.Do(func(tx *Tx) error { return tx.After(time.Minute, "chain", 1) })
	ran, _ := w.Advance(10 * time.Minute)
	want := []string{"chain1@1m0s", "chain2@2m0s", "chain3@3m0s"}
	if !reflect.DeepEqual(r.log, want) || len(ran) != 3 {
		t.Fatalf("ran %v, want %v", r.log, want)
	}
	// A chain whose next step falls beyond the target stays pending.
	r.log = nil
	_ = w.Do(func(tx *Tx) error { return tx.After(time.Minute, "chain", 2) })
	_, _ = w.Advance(90 * time.Second)
	if len(r.log) != 1 || w.Pending() != 1 {
		t.Fatalf("ran %v pending %d, want one run and one pending", r.log, w.Pending())
	}
}

func TestFailingStepIsReportedAndTheRestRun(t *testing.T) {
	r := &recorder{}
	w := newTestWorld(t, r.steps(), ClockMode{}, nil)
	_ = w.Do(func(tx *Tx) error {
		_ = tx.After(time.Second, "boom", nil)
		return tx.After(2*time.Second, "rec", "after")
	})
	ran, _ := w.Advance(time.Minute)
	if len(ran) != 2 || ran[0].Error != "boom" || len(r.log) != 1 {
		t.Fatalf("ran %+v log %v", ran, r.log)
	}
}

func TestAfterRejectsUnknownKind(t *testing.T) {
	w := newTestWorld(t, (&recorder{}).steps(), ClockMode{}, nil)
	err := w.Do(func(tx *Tx) error { return tx.After(time.Second, "nope", nil) })
	if err == nil || !strings.Contains(err.Error(), "nope") {
		t.Fatalf("err %v, want unknown step kind", err)
	}
}

func TestSetRefusesToGoBack(t *testing.T) {
	w := newTestWorld(t, nil, ClockMode{}, nil)
	if _, err := w.Advance(time.Hour); err != nil {
		t.Fatal(err)
	}
	if _, err := w.Set(t0); err == nil {
		t.Fatal("setting the clock back was accepted")
	}
	if _, err := w.Advance(-time.Second); err == nil {
		t.Fatal("negative advance was accepted")
	}
	if _, err := w.Set(t0.Add(2 * time.Hour)); err != nil || !w.Now().Equal(t0.Add(2*time.Hour)) {
		t.Fatalf("set forward: %v, now %s", err, w.Now())
	}
}

// fakeWall is a wall clock the test moves by hand.
type fakeWall struct {
	mu  sync.Mutex
	now time.Time
}

func (f *fakeWall) read() time.Time { f.mu.Lock(); defer f.mu.Unlock(); return f.now }
func (f *fakeWall) move(d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.now = f.now.Add(d)
}

func TestRealModeFollowsTheWallClockTimesN(t *testing.T) {
	wall := &fakeWall{now: time.Date(2030, 5, 5, 0, 0, 0, 0, time.UTC)}
	r := &recorder{}
	w := newTestWorld(t, r.steps(), ClockMode{Real: true, Factor: 60}, wall.read)
	_ = w.Do(func(tx *Tx) error { return tx.After(10*time.Minute, "rec", "job") })
	wall.move(5 * time.Second) // 5 min virtual
	if got := w.Now(); !got.Equal(t0.Add(5 * time.Minute)) {
		t.Fatalf("after 5 wall seconds at x60: now %s", got)
	}
	if len(r.log) != 0 {
		t.Fatal("step ran early")
	}
	wall.move(6 * time.Second) // 11 min virtual
	_ = w.Do(func(tx *Tx) error { return nil })
	if want := []string{"job@10m0s"}; !reflect.DeepEqual(r.log, want) {
		t.Fatalf("ran %v, want %v", r.log, want)
	}
	// Advance still works on top of real time.
	_, _ = w.Advance(time.Hour)
	if got := w.Now(); !got.Equal(t0.Add(71 * time.Minute)) {
		t.Fatalf("now %s, want start+71m", got)
	}
}

func TestParseClockMode(t *testing.T) {
	for in, want := range map[string]ClockMode{
		"manual": {}, "real": {Real: true, Factor: 1}, "real:60": {Real: true, Factor: 60}, "real:0.5": {Real: true, Factor: 0.5},
	} {
		got, err := ParseClockMode(in)
		if err != nil || got != want {
			t.Errorf("%q: %+v %v", in, got, err)
		}
		if got.String() != in {
			t.Errorf("%q renders as %q", in, got.String())
		}
	}
	for _, bad := range []string{"", "fast", "real:", "real:0", "real:-1", "real:x", "real:1e9"} {
		if _, err := ParseClockMode(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestSeedZeroIsRejected(t *testing.T) {
	_, err := NewWorld(Config{Seed: 0, Start: t0})
	if !errors.Is(err, ErrSeedZero) {
		t.Fatalf("err %v, want ErrSeedZero", err)
	}
}

func TestSameSeedSameFakerStream(t *testing.T) {
	names := func() []string {
		w := newTestWorld(t, nil, ClockMode{}, nil)
		var out []string
		_ = w.Do(func(tx *Tx) error {
			for i := 0; i < 5; i++ {
				out = append(out, tx.Faker().Name(), tx.Faker().IPv4Address())
			}
			return nil
		})
		return out
	}
	if a, b := names(), names(); !reflect.DeepEqual(a, b) {
		t.Fatalf("same seed gave %v and %v", a, b)
	}
}

func TestForkIsIndependentAndContinuesTheSameStream(t *testing.T) {
	r := &recorder{}
	parent := newTestWorld(t, r.steps(), ClockMode{}, nil)
	_ = parent.Do(func(tx *Tx) error {
		m := map[string]int{"a": 1}
		tx.SetState("p", &m)
		tx.NextID("server")
		return tx.After(time.Minute, "rec", "x")
	})
	child, err := parent.Fork("child")
	if err != nil {
		t.Fatal(err)
	}
	_ = child.Do(func(tx *Tx) error {
		m := tx.State("p").(*map[string]int)
		(*m)["a"] = 99
		if id := tx.NextID("server"); id != 2 {
			t.Errorf("child id %d, want 2", id)
		}
		return nil
	})
	_, _ = child.Advance(time.Hour)
	_ = parent.Do(func(tx *Tx) error {
		if m := tx.State("p").(*map[string]int); (*m)["a"] != 1 {
			t.Errorf("parent sees the child's change: %v", *m)
		}
		return nil
	})
	if parent.Pending() != 1 || child.Pending() != 0 || !parent.Now().Equal(t0) {
		t.Fatalf("clocks not independent: parent pending %d now %s, child pending %d", parent.Pending(), parent.Now(), child.Pending())
	}
	var pn, cn string
	_ = parent.Do(func(tx *Tx) error { pn = tx.Faker().Name(); return nil })
	_ = child.Do(func(tx *Tx) error { cn = tx.Faker().Name(); return nil })
	if pn != cn {
		t.Fatalf("fork does not continue the parent's random stream: %q vs %q", pn, cn)
	}
}

func TestSnapshotRoundTrip(t *testing.T) {
	r := &recorder{}
	w := newTestWorld(t, r.steps(), ClockMode{}, nil)
	_ = w.Do(func(tx *Tx) error {
		m := map[string]int{"a": 1, "b": 2}
		tx.SetState("p", &m)
		_ = tx.After(time.Minute, "rec", "one")
		return tx.After(time.Second, "rec", "two")
	})
	w.SetFaults([]FaultRule{{Name: "f", Action: FaultAction{Status: 503}}})
	s1, err := w.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	w2, err := Restore(w.Config(), s1)
	if err != nil {
		t.Fatal(err)
	}
	s2, _ := w2.Snapshot()
	a, _ := json.Marshal(s1)
	b, _ := json.Marshal(s2)
	if string(a) != string(b) {
		t.Fatalf("snapshot changed through restore:\n%s\n%s", a, b)
	}
	if _, err := Restore(w.Config(), &Snapshot{Seed: 1, Start: t0, RNG: []byte("bad")}); err == nil {
		t.Fatal("a snapshot with a broken rng state was restored")
	}
}

func TestConcurrentWorldsUnderRace(t *testing.T) {
	ws := NewWorlds(func(name string, origin any) (*World, error) {
		return NewWorld(Config{Name: name, Seed: 3, Start: t0, Steps: (&recorder{}).steps()})
	}, Limits{})
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			w, err := ws.Get(fmt.Sprintf("w%d", i%4))
			if err != nil {
				t.Error(err)
				return
			}
			for j := 0; j < 50; j++ {
				_ = w.Do(func(tx *Tx) error { tx.NextID("x"); return tx.After(time.Second, "rec", "s") })
				_, _ = w.Advance(time.Second)
				w.Journal().Add(Entry{Method: "GET"})
			}
		}(i)
	}
	wg.Wait()
	if got := len(ws.Names()); got != 4 {
		t.Fatalf("%d worlds, want 4", got)
	}
}

func TestWorldsRegistry(t *testing.T) {
	builds := 0
	ws := NewWorlds(func(name string, origin any) (*World, error) {
		builds++
		return NewWorld(Config{Name: name, Seed: 3, Start: t0, Origin: origin})
	}, Limits{})
	if _, err := ws.Get("bad name!"); err == nil {
		t.Fatal("bad world name accepted")
	}
	a, _ := ws.Get("a")
	if again, _ := ws.Get("a"); again != a || builds != 1 {
		t.Fatal("Get built the world twice")
	}
	if _, err := ws.Fork("a", "a"); err == nil {
		t.Fatal("fork onto an existing world accepted")
	}
	if _, err := ws.Fork("a", "b"); err != nil {
		t.Fatal(err)
	}
	_, _ = a.Advance(time.Hour)
	fresh, err := ws.Rebuild("a", nil)
	if err != nil || fresh == a || !fresh.Now().Equal(t0) {
		t.Fatalf("rebuild: %v, now %s", err, fresh.Now())
	}
	if !ws.Delete("b") || ws.Delete("b") {
		t.Fatal("delete reports wrongly")
	}
	if got := ws.Names(); !reflect.DeepEqual(got, []string{"a"}) {
		t.Fatalf("names %v", got)
	}
}

func TestStepsDueNowRunWhenTheTransactionEnds(t *testing.T) {
	r := &recorder{}
	w := newTestWorld(t, r.steps(), ClockMode{}, nil)
	_ = w.Do(func(tx *Tx) error {
		_ = tx.After(0, "rec", "instant")
		_ = tx.After(time.Second, "rec", "later")
		if len(r.log) != 0 {
			t.Error("a step ran inside the transaction that scheduled it")
		}
		return nil
	})
	if want := []string{"instant@0s"}; !reflect.DeepEqual(r.log, want) || w.Pending() != 1 {
		t.Fatalf("ran %v pending %d, want the instant step only", r.log, w.Pending())
	}
}
