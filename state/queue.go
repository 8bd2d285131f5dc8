package state

import (
	"container/heap"
	"encoding/json"
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
type stepQueue []Step

func (q stepQueue) Len() int { return len(q) }
func (q stepQueue) Less(i, j int) bool {
	if !q[i].Due.Equal(q[j].Due) {
		return q[i].Due.Before(q[j].Due)
	}
	return q[i].Seq < q[j].Seq
}
func (q stepQueue) Swap(i, j int) { q[i], q[j] = q[j], q[i] }
func (q *stepQueue) Push(x any)   { *q = append(*q, x.(Step)) }
func (q *stepQueue) Pop() any {
	old := *q
	n := len(old)
	s := old[n-1]
	*q = old[:n-1]
	return s
}

func (q *stepQueue) push(s Step) { heap.Push(q, s) }

// popDue removes and returns the earliest step if it is due at or before t.
func (q *stepQueue) popDue(t time.Time) (Step, bool) {
	if len(*q) == 0 || (*q)[0].Due.After(t) {
		return Step{}, false
	}
	return heap.Pop(q).(Step), true
}

// TypedStep adapts a step function taking its decoded arguments, so a panel
// writes func(tx, args) and never repeats the JSON decoding. A step
// scheduled in this process hands over the value given to tx.After when it
// is an A (see Step.val); one restored from a snapshot decodes its Args.
func TypedStep[A any](fn func(tx *Tx, args A) error) StepFunc {
	return func(tx *Tx, raw json.RawMessage) error {
		if a, ok := tx.stepArg.(A); ok {
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
