package state

import (
	"maps"
	"reflect"
	"slices"
	"sync"
)

// Clone returns an independent copy of w named name: the same virtual time,
// queue, ids, fault rules and fire counts, the same position in the seeded
// random stream, a deep copy of every panel's state and an empty journal.
// A clone of a freshly seeded world answers every request with the bytes a
// world seeded anew would, at a fraction of the cost: this is how a server
// makes its worlds (the scenario is decoded and seeded once, into a
// pristine world that is never served, and every world is a clone of it).
func (w *World) Clone(name string) *World {
	w.mu.Lock()
	defer w.mu.Unlock()
	cfg := w.cfg
	cfg.Name = name
	c := &World{
		cfg:     cfg,
		now:     w.now,
		queue:   slices.Clone(w.queue),
		seq:     w.seq,
		ids:     maps.Clone(w.ids),
		faults:  slices.Clone(w.faults),
		fired:   maps.Clone(w.fired),
		history: maps.Clone(w.history),
		panels:  make(map[string]any, len(w.panels)),
		journal: NewJournal(cfg.JournalSize),
		real:    newRealSync(cfg.Clock, cfg.Wall),
		// Coverage is what was asked of this world, not state it inherits.
		coverage: NewCoverage(),
	}
	pcg := *w.pcg
	c.setRNG(&pcg)
	c.noteFaults()
	for name, st := range w.panels {
		c.panels[name] = deepCopy(st)
	}
	return c
}

// deepCopy copies a panel's state: every pointer, map, slice and interface
// reachable through exported fields is copied, and two pointers to one
// value in the original point to one value in the copy. Unexported fields
// are copied as they are (time.Time's location, say): panel state keeps
// everything it owns in exported fields anyway, since snapshots are JSON.
// Panel states are big graphs of small objects, so the walk follows a plan
// made once per type rather than asking reflect about fields every time.
func deepCopy(v any) any {
	if v == nil {
		return nil
	}
	src := reflect.ValueOf(v)
	dst := reflect.New(src.Type()).Elem()
	c := copier{seen: map[seenKey]reflect.Value{}}
	c.into(dst, src, planFor(src.Type()))
	return dst.Interface()
}

type copier struct {
	seen map[seenKey]reflect.Value
}

// seenKey is a pointer already copied: its address and type (a struct and
// its first field share an address).
type seenKey struct {
	at uintptr
	t  reflect.Type
}

// into sets dst (settable, of src's type) to a deep copy of src.
func (c *copier) into(dst, src reflect.Value, p *plan) {
	if !p.deep {
		dst.Set(src)
		return
	}
	switch p.kind {
	case reflect.Pointer:
		c.pointer(dst, src, p)
	case reflect.Map:
		c.mapping(dst, src, p)
	case reflect.Slice:
		if src.IsNil() {
			dst.Set(src)
			return
		}
		n := reflect.MakeSlice(src.Type(), src.Len(), src.Len())
		if !p.elem.deep {
			reflect.Copy(n, src)
		} else {
			for i := range src.Len() {
				c.into(n.Index(i), src.Index(i), p.elem)
			}
		}
		dst.Set(n)
	case reflect.Array:
		for i := range src.Len() {
			c.into(dst.Index(i), src.Index(i), p.elem)
		}
	case reflect.Interface:
		if src.IsNil() {
			dst.Set(src)
			return
		}
		e := src.Elem()
		ep := planFor(e.Type())
		if !ep.deep {
			dst.Set(src)
			return
		}
		n := reflect.New(e.Type()).Elem()
		c.into(n, e, ep)
		dst.Set(n)
	case reflect.Struct:
		dst.Set(src)
		for _, f := range p.fields {
			c.into(dst.Field(f.index), src.Field(f.index), f.plan)
		}
	}
}

func (c *copier) pointer(dst, src reflect.Value, p *plan) {
	if src.IsNil() {
		dst.Set(src)
		return
	}
	key := seenKey{src.Pointer(), src.Type()}
	if done, ok := c.seen[key]; ok {
		dst.Set(done)
		return
	}
	n := reflect.New(src.Type().Elem())
	c.seen[key] = n
	c.into(n.Elem(), src.Elem(), p.elem)
	dst.Set(n)
}

func (c *copier) mapping(dst, src reflect.Value, p *plan) {
	if src.IsNil() {
		dst.Set(src)
		return
	}
	t := src.Type()
	n := reflect.MakeMapWithSize(t, src.Len())
	// One key and two value cells serve every entry: SetMapIndex copies.
	k, kc := reflect.New(t.Key()).Elem(), reflect.New(t.Key()).Elem()
	v, vc := reflect.New(t.Elem()).Elem(), reflect.New(t.Elem()).Elem()
	for it := src.MapRange(); it.Next(); {
		k.SetIterKey(it)
		v.SetIterValue(it)
		key, val := k, v
		if p.key.deep {
			c.into(kc, k, p.key)
			key = kc
		}
		if p.elem.deep {
			c.into(vc, v, p.elem)
			val = vc
		}
		n.SetMapIndex(key, val)
	}
	dst.Set(n)
}

// plan is how to copy a value of one type: whether it holds anything a
// plain assignment would share (a pointer, map, slice or interface reached
// through exported fields), and the plans of what it holds.
type plan struct {
	deep   bool
	kind   reflect.Kind
	elem   *plan       // pointer, slice, array, map value
	key    *plan       // map key
	fields []fieldPlan // struct: the exported fields that hold references
}

type fieldPlan struct {
	index int
	plan  *plan
}

var (
	plans  sync.Map // reflect.Type -> *plan, complete ones only
	planMu sync.Mutex
)

func planFor(t reflect.Type) *plan {
	if p, ok := plans.Load(t); ok {
		return p.(*plan)
	}
	planMu.Lock()
	defer planMu.Unlock()
	building := map[reflect.Type]*plan{}
	p := buildPlan(t, building)
	for t, p := range building {
		plans.Store(t, p)
	}
	return p
}

// buildPlan plans t; building holds the plans under way, so a recursive
// type (a tree of pointers) ends the walk at itself.
func buildPlan(t reflect.Type, building map[reflect.Type]*plan) *plan {
	if p, ok := plans.Load(t); ok {
		return p.(*plan)
	}
	if p, ok := building[t]; ok {
		return p
	}
	p := &plan{kind: t.Kind()}
	building[t] = p
	// References are deep before their insides are planned, so a type
	// reached again through itself already says so.
	switch p.kind {
	case reflect.Pointer, reflect.Slice, reflect.Map, reflect.Interface:
		p.deep = true
	}
	switch p.kind {
	case reflect.Pointer, reflect.Slice:
		p.elem = buildPlan(t.Elem(), building)
	case reflect.Map:
		p.key, p.elem = buildPlan(t.Key(), building), buildPlan(t.Elem(), building)
	case reflect.Array:
		p.elem = buildPlan(t.Elem(), building)
		p.deep = p.elem.deep
	case reflect.Struct:
		for i := range t.NumField() {
			f := t.Field(i)
			if fp := buildPlan(f.Type, building); f.IsExported() && fp.deep {
				p.fields = append(p.fields, fieldPlan{index: i, plan: fp})
			}
		}
		p.deep = len(p.fields) > 0
	}
	return p
}
