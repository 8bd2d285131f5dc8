package state

import (
	"errors"
	"testing"
)

func TestDecodeStrictNamesThePlaceOfTheFirstProblem(t *testing.T) {
	type server struct {
		ID   int64  `json:"id"`
		Name string `json:"name"`
	}
	type doc struct {
		Servers map[string]*server `json:"servers"`
		List    []server           `json:"list"`
		When    Duration           `json:"when"`
	}
	for in, want := range map[string]string{
		`{"servrs":{}}`:                 "/servrs",
		`{"servers":{"a":{"nme":"x"}}}`: "/servers/a/nme",
		`{"list":[{},{"id":"seven"}]}`:  "/list/1/id",
		`{"when":"soon"}`:               "/when",
		`{"list":[{"name":5}]}`:         "/list/0/name",
		`{"servers":{"a":{"id":1.5}}}`:  "/servers/a/id",
		`{"list":[]} {"list":[]}`:       "",
		`{"servers":{"a":{"id":1}}`:     "",
	} {
		var d doc
		err := DecodeStrict([]byte(in), &d)
		var de *DecodeError
		if !errors.As(err, &de) {
			t.Errorf("%s: accepted (%v)", in, err)
			continue
		}
		if want != "" && de.Pointer != want {
			t.Errorf("%s: pointer %q, want %q (%v)", in, de.Pointer, want, err)
		}
	}
	var d doc
	if err := DecodeStrict([]byte(`{"servers":{"a":{"ID":3,"name":"x"}},"when":"5m"} `), &d); err != nil || d.Servers["a"].ID != 3 {
		t.Fatalf("valid document refused: %v %+v", err, d)
	}
}
