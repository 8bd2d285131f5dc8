package state

import (
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"
)

func limitedWorlds(t *testing.T, max int, ttl time.Duration) (*Worlds, *fakeWall, map[string]int) {
	t.Helper()
	wall := &fakeWall{now: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)}
	builds := map[string]int{}
	var mu sync.Mutex
	ws := NewWorlds(func(name string, origin any) (*World, error) {
		mu.Lock()
		builds[name]++
		mu.Unlock()
		return NewWorld(Config{Name: name, Seed: 3, Start: t0, Origin: origin})
	}, Limits{MaxWorlds: max, IdleTTL: ttl, Keep: "default", Wall: wall.read})
	return ws, wall, builds
}

func mustGet(t *testing.T, ws *Worlds, name string) *World {
	t.Helper()
	w, err := ws.Get(name)
	if err != nil {
		t.Fatalf("get %s: %v", name, err)
	}
	return w
}

func TestWorldsEvictTheLeastRecentlyUsedIdleWorldAtTheCap(t *testing.T) {
	ws, wall, builds := limitedWorlds(t, 3, 10*time.Minute)
	mustGet(t, ws, "default")
	mustGet(t, ws, "a")
	b := mustGet(t, ws, "b")
	b.Journal().Add(Entry{Path: "/before"})
	wall.move(5 * time.Minute)
	mustGet(t, ws, "a")
	wall.move(6 * time.Minute) // default and b idle 11m (default is kept), a 6m

	mustGet(t, ws, "c")
	if got := ws.Names(); !reflect.DeepEqual(got, []string{"a", "c", "default"}) || ws.Evictions() != 1 {
		t.Fatalf("after c: worlds %v, %d evictions; want [a c default], 1", got, ws.Evictions())
	}

	_, err := ws.Get("d") // a idle 6m, c 0m: nothing to evict
	if !IsFull(err) || ws.Len() != 3 || ws.Evictions() != 1 {
		t.Fatalf("get d at the cap with nothing idle: %v (%d worlds, %d evictions)", err, ws.Len(), ws.Evictions())
	}
	if msg := err.Error(); !strings.Contains(msg, "maximum of 3 worlds") || !strings.Contains(msg, "idle for 10m0s") || !strings.Contains(msg, "--max-worlds") {
		t.Fatalf("the error does not say what is wrong and what to do: %s", msg)
	}

	wall.move(4 * time.Minute) // a idle 10m, c 4m
	mustGet(t, ws, "d")
	if got := ws.Names(); !reflect.DeepEqual(got, []string{"c", "d", "default"}) || ws.Evictions() != 2 {
		t.Fatalf("after d: worlds %v, %d evictions; want [c d default], 2", got, ws.Evictions())
	}

	wall.move(10 * time.Minute) // c idle 14m, d 10m: c goes first
	again := mustGet(t, ws, "b")
	if again == b || builds["b"] != 2 || ws.Evictions() != 3 {
		t.Fatalf("b was not rebuilt (builds %d, evictions %d)", builds["b"], ws.Evictions())
	}
	entries := again.Journal().List(JournalFilter{})
	if len(entries) != 1 || entries[0].Op != OpRecreated || len(entries[0].Notes) != 1 ||
		!strings.Contains(entries[0].Notes[0], "evicted after 11m0s unused") || !entries[0].Time.Equal(t0) {
		t.Fatalf("the recreated world's journal: %+v", entries)
	}
	if got := again.Journal().List(JournalFilter{Op: OpRecreated}); len(got) != 1 {
		t.Fatalf("filtering on %s finds %d entries", OpRecreated, len(got))
	}
	if names := ws.Names(); !reflect.DeepEqual(names, []string{"b", "d", "default"}) {
		t.Fatalf("worlds %v", names)
	}
}

func TestWorldsWithoutIdleTTLNeverEvict(t *testing.T) {
	ws, wall, _ := limitedWorlds(t, 2, 0)
	mustGet(t, ws, "a")
	mustGet(t, ws, "b")
	wall.move(1000 * time.Hour)
	if _, err := ws.Get("c"); !IsFull(err) || !strings.Contains(err.Error(), "never evicted") {
		t.Fatalf("get c: %v", err)
	}
	if ws.Evictions() != 0 || ws.Len() != 2 {
		t.Fatalf("%d evictions, %d worlds", ws.Evictions(), ws.Len())
	}
	if err := ws.Put(mustNewWorld(t, "c")); !IsFull(err) {
		t.Fatalf("put of a new world past the cap: %v", err)
	}
	if err := ws.Put(mustNewWorld(t, "a")); err != nil {
		t.Fatalf("put replacing a world at the cap: %v", err)
	}
	if !ws.Delete("b") {
		t.Fatal("delete b")
	}
	mustGet(t, ws, "c")
	if got := mustGet(t, ws, "c").Journal().Len(); got != 0 {
		t.Fatalf("a world that was never evicted has %d journal entries", got)
	}
}

func mustNewWorld(t *testing.T, name string) *World {
	t.Helper()
	w, err := NewWorld(Config{Name: name, Seed: 3, Start: t0})
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// TestWorldsBuildOutsideTheRegistryLock: while one world is being built,
// other worlds are served, and every request for the world being built
// waits for that one build.
func TestWorldsBuildOutsideTheRegistryLock(t *testing.T) {
	entered, release := make(chan struct{}), make(chan struct{})
	var mu sync.Mutex
	builds := map[string]int{}
	ws := NewWorlds(func(name string, origin any) (*World, error) {
		mu.Lock()
		builds[name]++
		mu.Unlock()
		if name == "slow" {
			close(entered)
			<-release
		}
		return NewWorld(Config{Name: name, Seed: 3, Start: t0})
	}, Limits{})
	got := make(chan *World, 2)
	for range 2 {
		go func() {
			w, err := ws.Get("slow")
			if err != nil {
				t.Error(err)
			}
			got <- w
		}()
	}
	<-entered
	mustGet(t, ws, "fast")
	if _, ok := ws.Lookup("fast"); !ok {
		t.Fatal("fast world missing")
	}
	if names := ws.Names(); !reflect.DeepEqual(names, []string{"fast"}) {
		t.Fatalf("names while slow is built: %v", names)
	}
	close(release)
	a, b := <-got, <-got
	if a == nil || a != b || builds["slow"] != 1 {
		t.Fatalf("slow built %d times (%p, %p)", builds["slow"], a, b)
	}
}

func TestEvictedNamesAreBounded(t *testing.T) {
	e := evictedNames{max: 3}
	for _, n := range []string{"a", "b", "c", "d", "b", "e"} {
		e.add(n, time.Minute)
	}
	if _, ok := e.take("a"); ok {
		t.Fatal("the oldest name is still remembered past the bound")
	}
	for _, n := range []string{"e", "b", "d"} {
		if _, ok := e.take(n); !ok {
			t.Fatalf("%s forgotten", n)
		}
	}
	if len(e.idle) != 0 {
		t.Fatalf("left %v", e.idle)
	}
}

func TestEvictedNamesStayBoundedUnderChurn(t *testing.T) {
	e := evictedNames{max: 10}
	for i := range 10000 {
		name := string(rune('a' + i%26))
		e.add(name, time.Minute)
		if i%3 == 0 {
			e.take(name)
		}
	}
	if len(e.idle) > 10 || len(e.order) > 2*10+16 {
		t.Fatalf("%d names, %d in order", len(e.idle), len(e.order))
	}
}
