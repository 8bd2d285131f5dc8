package state

import "testing"

func TestNullObjectNamesTheFirstNullByPointer(t *testing.T) {
	type disk struct{ Name string }
	type vm struct {
		Disks []*disk `json:"disks"`
		Note  *string `json:"note,omitempty"`
		Extra any     `json:"extra"`
	}
	type panel struct {
		VMs    map[string]*vm `json:"vms"`
		hidden map[string]*vm
	}
	cases := []struct {
		name  string
		state panel
		want  string
	}{
		{"whole", panel{VMs: map[string]*vm{"a": {Disks: []*disk{{"sda"}}}}, hidden: map[string]*vm{"x": nil}}, ""},
		{"a null table entry", panel{VMs: map[string]*vm{"b/c": nil, "a": {}}}, "/vms/b~1c"},
		{"a null list item", panel{VMs: map[string]*vm{"a": {Disks: []*disk{{"sda"}, nil}}}}, "/vms/a/disks/1"},
		{"first in key order", panel{VMs: map[string]*vm{"z": nil, "m": {Disks: []*disk{nil}}}}, "/vms/m/disks/0"},
	}
	for _, tc := range cases {
		ptr, found := NullObject(&tc.state)
		if found != (tc.want != "") || ptr != tc.want {
			t.Errorf("%s: NullObject = %q, %v; want %q", tc.name, ptr, found, tc.want)
		}
	}
}
