package state

import (
	"cmp"
	"fmt"
	"reflect"
	"slices"
	"strings"
)

// NullObject finds the first null a decoded state holds where an object
// belongs (a map value or list item of pointer type) and returns its JSON
// pointer. Every panel's tables map keys to objects: a null one would be
// dereferenced by the first handler or check that reads it, so restores
// refuse it for every panel here rather than in each panel's check.
func NullObject(v any) (pointer string, found bool) {
	return nullObject(reflect.ValueOf(v))
}

func nullObject(v reflect.Value) (string, bool) {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			return nullObject(v.Elem())
		}
	case reflect.Struct:
		t := v.Type()
		for i := range t.NumField() {
			if name, ok := jsonName(t.Field(i)); ok {
				if p, found := nullObject(v.Field(i)); found {
					return "/" + PointerToken(name) + p, true
				}
			}
		}
	case reflect.Map:
		keys := v.MapKeys()
		slices.SortFunc(keys, func(a, b reflect.Value) int { return cmp.Compare(fmt.Sprint(a), fmt.Sprint(b)) })
		for _, k := range keys {
			if p, found := nullItem(v.MapIndex(k)); found {
				return "/" + PointerToken(fmt.Sprint(k)) + p, true
			}
		}
	case reflect.Slice, reflect.Array:
		for i := range v.Len() {
			if p, found := nullItem(v.Index(i)); found {
				return fmt.Sprintf("/%d%s", i, p), true
			}
		}
	}
	return "", false
}

// nullItem checks a map value or list item: a nil pointer is the null
// object itself (found at the item's own place), anything else is walked.
func nullItem(v reflect.Value) (string, bool) {
	if v.Kind() == reflect.Pointer && v.IsNil() {
		return "", true
	}
	return nullObject(v)
}

// jsonName is the name encoding/json gives a struct field, false for a
// field it skips (unexported or tagged "-").
func jsonName(f reflect.StructField) (string, bool) {
	if !f.IsExported() {
		return "", false
	}
	name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
	switch name {
	case "-":
		return "", false
	case "":
		return f.Name, true
	}
	return name, true
}
