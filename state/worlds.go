package state

import (
	"fmt"
	"regexp"
	"sort"
	"sync"
)

// Builder makes a fresh world named name from origin (a scenario); nil
// origin means the registry's default scenario.
type Builder func(name string, origin any) (*World, error)

// Worlds is the registry of a process's worlds. A world comes into being on
// first use, built from the default scenario.
type Worlds struct {
	mu     sync.Mutex
	worlds map[string]*World
	build  Builder
}

// NewWorlds makes an empty registry.
func NewWorlds(build Builder) *Worlds {
	return &Worlds{worlds: map[string]*World{}, build: build}
}

var worldName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)

// ValidName reports whether name can name a world (it appears in URLs).
func ValidName(name string) error {
	if !worldName.MatchString(name) {
		return fmt.Errorf("world name %q: use 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit", name)
	}
	return nil
}

// Get returns the named world, creating it from the default scenario on
// first use.
func (ws *Worlds) Get(name string) (*World, error) {
	ws.mu.Lock()
	defer ws.mu.Unlock()
	if w, ok := ws.worlds[name]; ok {
		return w, nil
	}
	if err := ValidName(name); err != nil {
		return nil, err
	}
	w, err := ws.build(name, nil)
	if err != nil {
		return nil, err
	}
	ws.worlds[name] = w
	return w, nil
}

// Lookup returns an existing world without creating it.
func (ws *Worlds) Lookup(name string) (*World, bool) {
	ws.mu.Lock()
	defer ws.mu.Unlock()
	w, ok := ws.worlds[name]
	return w, ok
}

// Names lists the existing worlds in order.
func (ws *Worlds) Names() []string {
	ws.mu.Lock()
	defer ws.mu.Unlock()
	names := make([]string, 0, len(ws.worlds))
	for n := range ws.worlds {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Rebuild replaces the named world by a fresh one built from origin (nil:
// the world's own origin, i.e. a reset). Nothing changes on error.
func (ws *Worlds) Rebuild(name string, origin any) (*World, error) {
	if err := ValidName(name); err != nil {
		return nil, err
	}
	ws.mu.Lock()
	old := ws.worlds[name]
	ws.mu.Unlock()
	if origin == nil && old != nil {
		origin = old.cfg.Origin
	}
	w, err := ws.build(name, origin)
	if err != nil {
		return nil, err
	}
	ws.Put(w)
	return w, nil
}

// Put installs w under its own name, replacing any world of that name.
func (ws *Worlds) Put(w *World) {
	ws.mu.Lock()
	defer ws.mu.Unlock()
	ws.worlds[w.Name()] = w
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
	ws.Put(w)
	return w, nil
}

// Delete removes a world; it reports whether it existed.
func (ws *Worlds) Delete(name string) bool {
	ws.mu.Lock()
	defer ws.mu.Unlock()
	_, ok := ws.worlds[name]
	delete(ws.worlds, name)
	return ok
}
