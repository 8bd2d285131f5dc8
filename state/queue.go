package state

import (
	"encoding/json"
	"reflect"
	"sort"
	"time"
)

// Step is one pending piece of an async operation. It is plain data (a kind
// and JSON arguments) rather than a closure so a world's queue can be
// snapshotted, forked and restored like the rest of its state.
type Step struct {
	Due  time.Time       `json:"due"`
	Seq  uint64          `json:"seq"`
	Kind string          `json:"kind"`
	Args json.RawMessage `json:"args,omitempty"`
	// val is the Go value given to tx.After, kept beside Args when decoding
	// Args would give it back exactly (see plainArgs), so TypedStep can skip
	// the decoding; nil for a step restored from a snapshot, which decodes
	// Args. It is never serialised. Only plain values (no pointer, slice,
	// map or interface inside) are kept, so a copy of the queue (Clone)
	// shares nothing mutable: args are passed by value.
	val any
}

// StepFunc runs a due step inside the world's transaction. It must not call
// World.Do (the lock is already held); it may schedule further steps with
// tx.After, which run in the same Advance pass when they fall due.
type StepFunc func(tx *Tx, args json.RawMessage) error

// stepQueue is a min-heap ordered by (Due, Seq): ties run in scheduling order.
// It is container/heap's algorithm written for Steps (the same moves, so
// the same layout and order, even for a restored queue with a repeated
// seq), without boxing every pushed and popped Step in an interface: two
// allocations per step of the hot write loops (issue 14).
type stepQueue []Step

func (q stepQueue) Less(i, j int) bool {
	if !q[i].Due.Equal(q[j].Due) {
		return q[i].Due.Before(q[j].Due)
	}
	return q[i].Seq < q[j].Seq
}

// push adds s (heap.Push: append, then sift up).
func (q *stepQueue) push(s Step) {
	*q = append(*q, s)
	h := *q
	for j := len(h) - 1; ; {
		i := (j - 1) / 2 // parent
		if i == j || !h.Less(j, i) {
			break
		}
		h[i], h[j] = h[j], h[i]
		j = i
	}
}

// pop removes the earliest step (heap.Pop: swap it last, sift the new
// root down, cut the last).
func (q *stepQueue) pop() Step {
	h := *q
	n := len(h) - 1
	h[0], h[n] = h[n], h[0]
	for i := 0; ; {
		j1 := 2*i + 1
		if j1 >= n || j1 < 0 { // j1 < 0 after int overflow
			break
		}
		j := j1 // left child
		if j2 := j1 + 1; j2 < n && h.Less(j2, j1) {
			j = j2 // right child
		}
		if !h.Less(j, i) {
			break
		}
		h[i], h[j] = h[j], h[i]
		i = j
	}
	s := h[n]
	h[n] = Step{} // the backing array keeps no args alive
	*q = h[:n]
	return s
}

// popDue removes and returns the earliest step if it is due at or before t.
func (q *stepQueue) popDue(t time.Time) (Step, bool) {
	if len(*q) == 0 || (*q)[0].Due.After(t) {
		return Step{}, false
	}
	return q.pop(), true
}

// TypedStep adapts a step function taking its decoded arguments, so a panel
// writes func(tx, args) and never repeats the JSON decoding. A step
// scheduled in this process hands over the value given to tx.After when it
// is an A (see Step.val); one restored from a snapshot decodes its Args.
func TypedStep[A any](fn func(tx *Tx, args A) error) StepFunc {
	// An interface A (any, say) would take a kept value as it is, where
	// decoding gives a map: only a concrete A takes kept values.
	concrete := reflect.TypeFor[A]().Kind() != reflect.Interface
	return func(tx *Tx, raw json.RawMessage) error {
		if a, ok := tx.stepArg.(A); ok && concrete {
			return fn(tx, a)
		}
		var a A
		if err := json.Unmarshal(raw, &a); err != nil {
			return err
		}
		return fn(tx, a)
	}
}

// PendingSteps lists the steps waiting in the queue in a snapshot's order
// (due, then scheduling order), so an invariant check can name a step by
// its place in the snapshot's queue.
func (tx *Tx) PendingSteps() []Step {
	steps := append([]Step(nil), tx.w.queue...)
	sort.Slice(steps, stepQueue(steps).Less)
	return steps
}
