package state

import "testing"

// BenchmarkJournalAdd records a typical entry into a full journal that
// counts against a shared memory bound, as a world's does in a registry.
func BenchmarkJournalAdd(b *testing.B) {
	j := NewJournal(1000)
	j.share(NewJournalMemory(1 << 20))
	e := Entry{World: "default", Panel: "dci6", Method: "GET", Path: "/api/dci/v3/server/4", Op: "getServer", Status: 200,
		Headers: map[string]string{"X-Xsrf-Token": "0123456789abcdef", "User-Agent": "billing/1.0"},
		Answer:  `{"id":4,"name":"srv4"}`, AnswerType: "application/json"}
	b.ReportAllocs()
	for b.Loop() {
		j.Add(e)
	}
}
