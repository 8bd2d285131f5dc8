package state

import "testing"

// BenchmarkCoverageAdd is what counting adds to a request: one lock and the
// keys of one answer (operation, status, code, fault, action).
func BenchmarkCoverageAdd(b *testing.B) {
	c := NewCoverage()
	keys := []CoverKey{
		{Panel: "dci6", Dim: CoverOp, Name: "/api/dci/v3/server"},
		{Panel: "dci6", Dim: CoverStatus, Name: "200"},
		{Panel: "dci6", Dim: CoverCode, Name: "3001"},
	}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			c.Add(keys...)
		}
	})
}
