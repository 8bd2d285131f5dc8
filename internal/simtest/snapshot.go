package simtest

import (
	"bytes"
	"encoding/json"
	"maps"
	"net/http"
	"slices"
	"testing"
)

// Snapshot is a world's snapshot (GET /_panelsim/state) as loose JSON, for
// restore tests that break it on purpose. Numbers stay json.Number, so an
// unedited snapshot goes back exactly as it came.
type Snapshot map[string]any

// Snapshot takes the world's snapshot.
func (c *Client) Snapshot(t testing.TB) Snapshot {
	t.Helper()
	return DecodeSnapshot(t, c.Get("/_panelsim/state").Expect(t, http.StatusOK).Body)
}

// Panel is one panel's state in the snapshot.
func (s Snapshot) Panel(name string) map[string]any {
	return s["panels"].(map[string]any)[name].(map[string]any)
}

// Object is one object of a panel's table (kind) by its key.
func (s Snapshot) Object(panel, kind, key string) map[string]any {
	return s.Panel(panel)[kind].(map[string]any)[key].(map[string]any)
}

// Queue is the snapshot's pending steps.
func (s Snapshot) Queue() []any {
	q, _ := s["queue"].([]any)
	return q
}

// Restore PUTs the snapshot back and returns the answer's status and, for
// a refusal, the JSON pointer it names.
func (c *Client) Restore(t testing.TB, s Snapshot) (status int, field string) {
	t.Helper()
	body, err := json.Marshal(s)
	if err != nil {
		t.Fatalf("the snapshot does not encode: %v", err)
	}
	r := c.JSON(http.MethodPut, "/_panelsim/state", body)
	if r.Status == http.StatusOK {
		return r.Status, ""
	}
	var answer struct{ Error, Field string }
	r.Decode(t, &answer)
	return r.Status, answer.Field
}

// RestoreRefused PUTs a broken snapshot: it must be refused (400) with the
// JSON pointer of its problem, and the world must stay exactly as it was.
func (c *Client) RestoreRefused(t testing.TB, s Snapshot, pointer string) {
	t.Helper()
	before := c.Get("/_panelsim/state").Expect(t, http.StatusOK).Body
	if status, field := c.Restore(t, s); status != http.StatusBadRequest || field != pointer {
		t.Errorf("the restore answered %d at %q, want 400 at %q", status, field, pointer)
	}
	if after := c.Get("/_panelsim/state").Expect(t, http.StatusOK).Body; !bytes.Equal(before, after) {
		t.Error("a refused restore changed the world")
	}
}

// DecodeSnapshot reads a snapshot taken before (a fuzz target's base, so
// each input breaks a fresh copy).
func DecodeSnapshot(t testing.TB, body []byte) Snapshot {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var s Snapshot
	if err := dec.Decode(&s); err != nil {
		t.Fatalf("the snapshot does not decode: %v", err)
	}
	return s
}

// EditOne sets one field of the key-th object (in key order) of one of a
// panel's tables, or of the queue (kind "queue"), and says whether there
// was such an object. A field the object lacks picks one of its fields by
// the name's length, so that (the strict decoder refusing unknown fields)
// every fuzz input reaches the model.
func (s Snapshot) EditOne(panel, kind string, key int, field string, v any) bool {
	var objs []any
	if kind == "queue" {
		objs = s.Queue()
	} else {
		m, _ := s.Panel(panel)[kind].(map[string]any)
		for _, k := range slices.Sorted(maps.Keys(m)) {
			objs = append(objs, m[k])
		}
	}
	if len(objs) == 0 {
		return false
	}
	obj, ok := objs[key%len(objs)].(map[string]any)
	if !ok || len(obj) == 0 {
		return false
	}
	if _, has := obj[field]; !has {
		fields := slices.Sorted(maps.Keys(obj))
		field = fields[len(field)%len(fields)]
	}
	obj[field] = v
	return true
}

// RestoredOrRefused PUTs a snapshot a fuzz target broke and says whether
// it was taken; a refusal must be the native 400, nothing else.
func (c *Client) RestoredOrRefused(t testing.TB, s Snapshot) bool {
	t.Helper()
	status, _ := c.Restore(t, s)
	if status != http.StatusOK && status != http.StatusBadRequest {
		t.Fatalf("a broken snapshot's restore answered %d, want 200 or 400", status)
	}
	return status == http.StatusOK
}
