package state

import (
	"sort"
	"sync"
)

// The dimensions coverage counts along. A panel declares its universe in
// the same terms (Universe), so a count and its denominator always name the
// same thing.
const (
	CoverOp     = "op"     // the request's operation identity (route, cmd, func)
	CoverStatus = "status" // the HTTP status sent
	CoverCode   = "code"   // the native error code sent
	CoverTask   = "task"   // an async operation reached a state: "kind/state"
	CoverAuth   = "auth"   // an authentication path was taken
	CoverFault  = "fault"  // a fault rule fired (Name is the rule's name)
	CoverAction = "action" // a fault action was applied (status, error, latency...)
)

// CoverKey names one thing coverage counts: a panel, a dimension and the
// thing itself ("/api/dci/v3/server", "3001", "operation_os/complete").
type CoverKey struct {
	Panel string `json:"panel"`
	Dim   string `json:"dim"`
	Name  string `json:"name"`
}

// Other is the name counts go under once a world has seen MaxCoverKeys
// distinct keys, so a client inventing names (cmd=a1, cmd=a2, ...) cannot
// grow the counts without bound.
const Other = "(other)"

// MaxCoverKeys bounds the distinct keys a world counts.
const MaxCoverKeys = 4096

// Coverage counts what a world has been asked and has answered: counts, not
// entries, so it costs a few map increments per request whatever the
// journal's size. It has its own lock, taken once per request, so counting
// never waits on a model transaction.
type Coverage struct {
	mu     sync.Mutex
	counts map[CoverKey]int64
	// taskNames keeps each "kind/state" CoverTask has counted, so counting
	// it again builds no string (a task reaches a state on every step).
	taskNames map[[2]string]string
}

// NewCoverage returns empty counts.
func NewCoverage() *Coverage {
	return &Coverage{counts: map[CoverKey]int64{}, taskNames: map[[2]string]string{}}
}

// Add counts each key once.
func (c *Coverage) Add(keys ...CoverKey) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, k := range keys {
		c.addLocked(k, 1)
	}
}

func (c *Coverage) addLocked(k CoverKey, n int64) {
	// Only a full table asks whether k is new: below the cap every key is
	// counted under its name, in one map operation.
	if len(c.counts) >= MaxCoverKeys {
		if _, seen := c.counts[k]; !seen {
			k.Name = Other
		}
	}
	c.counts[k] += n
}

// Counts is a copy of the counts.
func (c *Coverage) Counts() CoverCounts {
	c.mu.Lock()
	defer c.mu.Unlock()
	return CoverCounts(cloneMap(c.counts))
}

// Merge adds other's counts to c (a deleted world's into the retired
// counts, a replaced world's into its successor).
func (c *Coverage) Merge(other CoverCounts) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for k, n := range other {
		c.addLocked(k, n)
	}
}

// Reset forgets every count.
func (c *Coverage) Reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	clear(c.counts)
}

// CoverCounts is a snapshot of counts.
type CoverCounts map[CoverKey]int64

// Sum adds up several snapshots (the merged view across worlds).
func Sum(all ...CoverCounts) CoverCounts {
	out := CoverCounts{}
	for _, cs := range all {
		for k, n := range cs {
			out[k] += n
		}
	}
	return out
}

// Get is the count of one key (0 if never counted).
func (cs CoverCounts) Get(panel, dim, name string) int64 {
	return cs[CoverKey{Panel: panel, Dim: dim, Name: name}]
}

// Names lists the names counted in a panel's dimension, sorted.
func (cs CoverCounts) Names(panel, dim string) []string {
	var out []string
	for k := range cs {
		if k.Panel == panel && k.Dim == dim {
			out = append(out, k.Name)
		}
	}
	sort.Strings(out)
	return out
}

// Universe is what a panel can do, declared from the tables it serves from
// (its route table, its error codes, its task plans), so a coverage report's
// denominator is exactly what the panel serves.
type Universe struct {
	// Operations are the operation identities the panel answers (the same
	// names as Entry.Op and a fault rule's match).
	Operations []string
	// Codes are the native error codes the panel can send.
	Codes []string
	// Tasks are the async operation states, as "kind/state": every step a
	// task can reach, and its terminal states.
	Tasks []string
	// Auth are the authentication paths (password, key, expiry, 2FA...).
	Auth []string
}

// CoverTask counts an async operation reaching a state ("operation_os",
// "reboot" or "complete"); the name must be in the panel's Universe.Tasks.
func (tx *Tx) CoverTask(panel, kind, state string) {
	tx.w.coverage.addTask(panel, kind, state)
}

// addTask is Add(CoverKey{panel, CoverTask, kind + "/" + state}), the name
// built once per world.
func (c *Coverage) addTask(panel, kind, state string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	name, ok := c.taskNames[[2]string{kind, state}]
	if !ok {
		name = kind + "/" + state
		if len(c.taskNames) < MaxCoverKeys {
			c.taskNames[[2]string{kind, state}] = name
		}
	}
	c.addLocked(CoverKey{Panel: panel, Dim: CoverTask, Name: name}, 1)
}

// CoverAuth counts an authentication path taken; the name must be in the
// panel's Universe.Auth.
func (tx *Tx) CoverAuth(panel, path string) {
	tx.w.coverage.Add(CoverKey{Panel: panel, Dim: CoverAuth, Name: path})
}

// Coverage is the world's coverage counts.
func (w *World) Coverage() *Coverage { return w.coverage }

// FaultActions are the kinds of fault action, as Kind names them.
var FaultActions = []string{"status", "error", "latency", "reset", "empty", "malformed", "fail_task"}

// Kind names the action's one kind ("status", "error", ... "fail_task").
func (a FaultAction) Kind() string {
	switch {
	case a.Status != 0:
		return "status"
	case a.Error != nil:
		return "error"
	case a.Latency != nil:
		return "latency"
	case a.Reset:
		return "reset"
	case a.Empty:
		return "empty"
	case a.Malformed:
		return "malformed"
	case a.FailTask != nil:
		return "fail_task"
	}
	return ""
}
