package state

import "sort"

// Changed returns a channel closed when the next entry is added (the
// dashboard's live tail waits on it).
func (j *Journal) Changed() <-chan struct{} { return j.changed.Changed() }

// Since returns up to limit entries with a sequence number above seq that
// match f, oldest first (the newest ones when more match).
func (j *Journal) Since(seq uint64, f JournalFilter, limit int) []Entry {
	j.mu.Lock()
	defer j.mu.Unlock()
	var out []Entry
	j.each(func(e *Entry) {
		if e.Seq > seq && f.match(*e) {
			out = append(out, *e)
		}
	})
	if limit > 0 && len(out) > limit {
		out = out[len(out)-limit:]
	}
	return out
}

// Changed returns a channel closed when the world's clock moves or its
// fault rules change.
func (w *World) Changed() <-chan struct{} { return w.changed.Changed() }

// PendingSteps lists up to limit steps waiting in the queue, soonest first.
func (w *World) PendingSteps(limit int) []Step {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.catchUp()
	steps := append([]Step(nil), w.queue...)
	sort.Slice(steps, stepQueue(steps).Less)
	if limit > 0 && len(steps) > limit {
		steps = steps[:limit]
	}
	return steps
}

// Changed returns a channel closed when a world is created, replaced or
// deleted.
func (ws *Worlds) Changed() <-chan struct{} { return ws.changed.Changed() }
