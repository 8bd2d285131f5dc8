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

// TestAppendTaskBriefsMatchesEncodingJSON: the hand-written task list is
// encoding/json's, byte for byte, for any strings (escapes, HTML
// characters, invalid UTF-8, U+2028) and codes, nil and empty lists too.
func TestAppendTaskBriefsMatchesEncodingJSON(t *testing.T) {
	r := rand.New(rand.NewPCG(14, 2))
	pieces := []string{"", "a", "task_7", "2026-01-01 00:00:00", "running", `"`, `\`, "<>&", "\n\t\x00\x1f", "\xff", "é", "\u2028", "\u2029", "\ufffd", "日本"}
	str := func() string {
		s := ""
		for i := r.IntN(4); i > 0; i-- {
			s += pieces[r.IntN(len(pieces))]
		}
		return s
	}
	check := func(code int, list []TaskBrief) {
		t.Helper()
		if got, want := Encode(code, list, false), encodeReflective(code, list, false); string(got) != string(want) {
			t.Fatalf("Encode(%d, %q) = %q, encoding/json gives %q", code, list, got, want)
		}
	}
	check(CodeOK, nil)
	check(CodeOK, []TaskBrief{})
	for round := 0; round < 3000; round++ {
		list := make([]TaskBrief, r.IntN(4))
		for i := range list {
			list[i] = TaskBrief{str(), str(), str(), str()}
		}
		check(r.IntN(200)-100, list)
	}
	// Pretty answers still go through encoding/json.
	if got, want := Encode(CodeOK, []TaskBrief{{TaskID: "x"}}, true), encodeReflective(CodeOK, []TaskBrief{{TaskID: "x"}}, true); string(got) != string(want) {
		t.Fatalf("pretty: %q, want %q", got, want)
	}
}
