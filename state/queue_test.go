package state

import (
	"container/heap"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"
)

// refQueue is the queue as it was: stepQueue's order under container/heap.
type refQueue []Step

func (q refQueue) Len() int           { return len(q) }
func (q refQueue) Less(i, j int) bool { return stepQueue(q).Less(i, j) }
func (q refQueue) Swap(i, j int)      { q[i], q[j] = q[j], q[i] }
func (q *refQueue) Push(x any)        { *q = append(*q, x.(Step)) }
func (q *refQueue) Pop() any {
	old := *q
	n := len(old)
	s := old[n-1]
	*q = old[:n-1]
	return s
}

// TestStepQueueMovesAsContainerHeap pushes and pops random steps (repeated
// due times and, as a hand-made snapshot may hold, repeated seqs) in both
// queues: the layouts and the steps popped must stay the same.
func TestStepQueueMovesAsContainerHeap(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 14))
	for round := range 200 {
		var q stepQueue
		var ref refQueue
		for op := range 300 {
			if len(q) == 0 || r.IntN(3) != 0 {
				s := Step{Due: t0.Add(time.Duration(r.IntN(20)) * time.Minute), Seq: uint64(r.IntN(50)), Kind: string(rune('a' + op%26))}
				q.push(s)
				heap.Push(&ref, s)
			} else {
				got, want := q.pop(), heap.Pop(&ref).(Step)
				if !reflect.DeepEqual(got, want) {
					t.Fatalf("round %d op %d: popped %+v, container/heap %+v", round, op, got, want)
				}
			}
			if !reflect.DeepEqual([]Step(q), []Step(ref)) {
				t.Fatalf("round %d op %d: layouts differ", round, op)
			}
		}
	}
}

// TestStepsAllocateNoBoxes: scheduling and running a step costs its JSON
// args and nothing for the queue (once it has grown).
func TestStepsAllocateNoBoxes(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	w := newTestWorld(t, map[string]StepFunc{"s": TypedStep(func(*Tx, int) error { return nil })}, ClockMode{}, nil)
	schedule := func(tx *Tx) error { return tx.After(time.Second, "s", 1) }
	n := testing.AllocsPerRun(100, func() {
		_ = w.Do(schedule)
		_, _ = w.Advance(time.Second)
	})
	// json.Marshal's result, and the ran list of Advance.
	if n > 2 {
		t.Fatalf("a step scheduled and run allocates %v times", n)
	}
}
