package state

import "maps"

// minPurge is the size below which a map of sessions is never swept.
const minPurge = 64

// Purge remembers, for one map of sessions or tokens, the size at which it
// is next swept. Keep it unexported in a panel's state: it is not state
// worth saving (a restored world sweeps at its first login).
type Purge struct{ next int }

// PurgeDead deletes m's dead entries once m has doubled in size since the
// last sweep. Call it where entries are added (a login): a run of logins
// costs amortised O(1) each, and a map holds at most about twice its live
// entries, however many logins a world has seen. Which entries are dead is
// the panel's rule on the virtual clock (idle or fixed expiry).
func PurgeDead[K comparable, V any](p *Purge, m map[K]V, dead func(V) bool) {
	if len(m) < max(p.next, minPurge) {
		return
	}
	maps.DeleteFunc(m, func(_ K, v V) bool { return dead(v) })
	p.next = 2 * len(m)
}
