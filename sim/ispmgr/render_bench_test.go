package ispmgr

import (
	"testing"

	"github.com/panelsim/panelsim/state"
)

// benchList is the user list of a world with 500 generated users, the
// document every render benchmark writes.
func benchList(b *testing.B) *Node {
	b.Helper()
	t := &testing.T{}
	w, err := newWorld(t, "version: 1\nseed: 7\nispmgr:\n  presets: [{name: p}]\n  users: [{name: root, password: secret, level: admin}]\n  generated_users: 500\n")
	if err != nil {
		b.Fatal(err)
	}
	var doc *Node
	_ = w.Do(func(tx *state.Tx) error {
		p := NewParams()
		p.ParseParams("func=user&authinfo=root:secret")
		doc = Call(tx, &Request{Mgr: mgrISP, Binary: "/ispmgr", Host: "https://panel.example.com:1500", IP: "127.0.0.1", Params: p})
		return nil
	})
	if doc.child("elem") == nil {
		b.Fatal("no elems in the benchmark list")
	}
	return doc
}

// BenchmarkRender writes a 500-element list in each out= format: the
// document-to-bytes cost of an answer, without HTTP or the model.
func BenchmarkRender(b *testing.B) {
	doc := benchList(b)
	for _, f := range []format{fmtXML, fmtDevel, fmtSJSON, fmtJSON, fmtJSONData, fmtText, fmtHTML} {
		b.Run(string(f), func(b *testing.B) {
			b.ReportAllocs()
			n := 0
			for i := 0; i < b.N; i++ {
				n = len(Render(doc, f))
			}
			b.SetBytes(int64(n))
		})
	}
}
