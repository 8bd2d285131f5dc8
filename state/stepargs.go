package state

import (
	"bytes"
	"encoding"
	"encoding/json"
	"reflect"
	"strings"
	"sync"
)

// keptArgs is the value a step keeps beside its JSON args (Step.val): args
// itself when decoding raw into a value of its type is sure to give it back
// exactly, else nil (the step decodes raw when it runs, as a restored one
// does).
func keptArgs(args any, raw []byte) any {
	if args == nil || !plainArgs(reflect.TypeOf(args)) {
		return nil
	}
	// json.Marshal writes invalid UTF-8 as \ufffd, which decodes to U+FFFD,
	// not to the bytes given. A valid U+FFFD is written as itself, so the
	// escape appears only for invalid bytes (or a string holding the six
	// characters `\ufffd`, whose backslash is escaped: a harmless miss).
	if bytes.Contains(raw, []byte(`\ufffd`)) {
		return nil
	}
	return args
}

var plainCache sync.Map // reflect.Type -> bool

// plainArgs says whether a JSON round trip (Marshal then Unmarshal into a
// zero value of t) gives back every value of t exactly, strings aside
// (keptArgs checks their UTF-8): a bool, integer or string kind, or a
// struct of such fields, with no custom (un)marshalling, every field
// exported, not embedded, not hidden by `json:"-"`, tagged at most
// omitempty, and named so that no two fields fold to one JSON key. Floats
// are left out (-0 under omitempty comes back as 0), and so are pointers,
// slices, maps and interfaces: a kept value is shared by a world's clones,
// so it must hold nothing mutable.
func plainArgs(t reflect.Type) bool {
	if v, ok := plainCache.Load(t); ok {
		return v.(bool)
	}
	ok := plainType(t, 0)
	plainCache.Store(t, ok)
	return ok
}

var (
	jsonMarshaler   = reflect.TypeFor[json.Marshaler]()
	jsonUnmarshaler = reflect.TypeFor[json.Unmarshaler]()
	textMarshaler   = reflect.TypeFor[encoding.TextMarshaler]()
	textUnmarshaler = reflect.TypeFor[encoding.TextUnmarshaler]()
)

func plainType(t reflect.Type, depth int) bool {
	if depth > 4 {
		return false
	}
	pt := reflect.PointerTo(t)
	for _, m := range []reflect.Type{jsonMarshaler, jsonUnmarshaler, textMarshaler, textUnmarshaler} {
		if t.Implements(m) || pt.Implements(m) {
			return false
		}
	}
	switch t.Kind() {
	case reflect.Bool, reflect.String,
		reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return true
	case reflect.Struct:
		keys := map[string]bool{}
		for i := range t.NumField() {
			f := t.Field(i)
			if !f.IsExported() || f.Anonymous {
				return false
			}
			name, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name == "-" || (opts != "" && opts != "omitempty") {
				return false
			}
			if name == "" {
				name = f.Name
			}
			if !plainKey(name) {
				return false
			}
			key := strings.ToLower(name)
			if keys[key] {
				return false
			}
			keys[key] = true
			if !plainType(f.Type, depth+1) {
				return false
			}
		}
		return true
	}
	return false
}

// plainKey says a JSON key is ASCII letters, digits, '_' and '-' only, so
// encoding/json takes the tag as written and its case folding is ToLower's.
func plainKey(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return s != ""
}
