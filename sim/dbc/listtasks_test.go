package dbc

import (
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"
	"time"
)

// TestTasksOfMatchesSortedTasks: a wallet's VMs come in sortedTasks'
// order, ties of creation time included, whichever wallets the node's
// other VMs have.
func TestTasksOfMatchesSortedTasks(t *testing.T) {
	r := rand.New(rand.NewPCG(14, 1))
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	wallets := []string{"a", "b", "c"}
	for round := 0; round < 2000; round++ {
		n := &Node{Tasks: map[string]*Task{}}
		for i := r.IntN(20); i > 0; i-- {
			id := strconv.Itoa(r.IntN(50))
			n.Tasks[id] = &Task{ID: id, Wallet: wallets[r.IntN(len(wallets))], Created: base.Add(time.Duration(r.IntN(4)) * time.Second)}
		}
		for _, w := range wallets {
			var want []*Task
			for _, task := range n.sortedTasks() {
				if task.Wallet == w {
					want = append(want, task)
				}
			}
			var got []*Task
			for _, k := range n.tasksOf(w, nil) {
				got = append(got, k.t)
			}
			if !slices.Equal(got, want) {
				t.Fatalf("tasksOf(%q) = %v, sortedTasks gives %v", w, got, want)
			}
		}
	}
}
