package state

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// pointerEscaper escapes a reference token of a JSON pointer (RFC 6901).
var pointerEscaper = strings.NewReplacer("~", "~0", "/", "~1")

// PointerToken escapes one key for a JSON pointer (RFC 6901): "~" as "~0"
// and "/" as "~1", so a network name like "10.0.0.0/8" stays one token.
func PointerToken(key string) string { return pointerEscaper.Replace(key) }

// Broken returns a maker of the error at the JSON pointer format and a
// build (keys escaped by the caller with PointerToken), so an invariant
// check names the place once and words each problem found there.
func Broken(format string, a ...any) func(msg string) *DecodeError {
	ptr := fmt.Sprintf(format, a...)
	return func(msg string) *DecodeError { return &DecodeError{Pointer: ptr, Msg: msg} }
}

// KeyedBy checks, in key order, that no object of table m is null and that
// each sits under its own key (field names the key's field in the object:
// "id", "name"). The pointer is /table/key or /table/key/field.
func KeyedBy[K cmp.Ordered, V any](table, field string, m map[K]*V, key func(*V) K) *DecodeError {
	for _, k := range slices.Sorted(maps.Keys(m)) {
		at := "/" + table + "/" + PointerToken(fmt.Sprint(k))
		if m[k] == nil {
			return Broken("%s", at)("null object")
		}
		if got := key(m[k]); got != k {
			return Broken("%s/%s", at, field)(fmt.Sprintf("%s %#v under key %#v", field, got, k))
		}
	}
	return nil
}

// FirstBroken runs an invariant check's parts in order and returns the
// first problem, so the pointer a client gets does not depend on map order.
func FirstBroken(checks ...func() *DecodeError) *DecodeError {
	for _, check := range checks {
		if err := check(); err != nil {
			return err
		}
	}
	return nil
}
