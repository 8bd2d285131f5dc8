package imserver

import (
	"maps"
	"testing"
)

// FuzzMergeCGI checks the in-place CGI reader against url.ParseQuery's:
// the same parameters and the same error, over a source merged on top of
// earlier parameters (a later source wins, first value of a key counts).
func FuzzMergeCGI(f *testing.F) {
	for _, s := range []string{
		"cmd=get_servers_status&sess=1d69a2ca5bbb423245438aabb0723f1f",
		"id=333&id=334&json=%7B%22id%22%3A333%7D", "a=1;b=2", "=x&&k&k=2", "%zz=1&a=%",
		"a+b=c+d&%E2%80%A8=%ff", "a=1&b=2&c=3&d=4&e=5&f=6&g=7&h=8&i=9&j=10&k=11&l=12&m=13&n=14&o=15&p=16&q=17",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		got, want := params{"id": "1", "cmd": "x"}, params{"id": "1", "cmd": "x"}
		gotErr := got.mergeCGI(raw)
		wantErr := want.mergeCGISlow(raw)
		if (gotErr == nil) != (wantErr == nil) || (gotErr != nil && gotErr.Error() != wantErr.Error()) {
			t.Fatalf("%q: error %v, url.ParseQuery's %v", raw, gotErr, wantErr)
		}
		if !maps.EqualFunc(got, want, func(a, b any) bool { return a == b }) {
			t.Fatalf("%q: got %v, url.ParseQuery gives %v", raw, got, want)
		}
	})
}
