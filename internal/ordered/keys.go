// Package ordered gives maps' contents in a fixed order, for answers and
// reports that must be the same bytes on every run.
package ordered

import (
	"cmp"
	"slices"
)

// Keys lists m's keys in ascending order. It sizes the slice to the map
// at once: slices.Sorted(maps.Keys(m)) grows its slice as it goes, several
// allocations on every list request of a hot path.
func Keys[K cmp.Ordered, V any](m map[K]V) []K {
	keys := make([]K, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
