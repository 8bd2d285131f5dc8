package ordered

import (
	"slices"
	"testing"
)

func TestKeysAreSortedAndComplete(t *testing.T) {
	if got := Keys(map[int64]bool{3: true, -1: false, 20: true, 0: true}); !slices.Equal(got, []int64{-1, 0, 3, 20}) {
		t.Errorf("int keys: %v", got)
	}
	if got := Keys(map[string]int{"b": 1, "a": 2, "": 3}); !slices.Equal(got, []string{"", "a", "b"}) {
		t.Errorf("string keys: %q", got)
	}
	if got := Keys(map[string]int(nil)); got == nil || len(got) != 0 {
		t.Errorf("nil map: %#v", got)
	}
}
