package state

// Bounds on what a client or a file can make a world hold. Everything a
// scenario, a state file or a control-plane call sizes is checked against
// these before anything is allocated, so no input can exhaust the process.
const (
	// MaxJournalSize is the largest journal a scenario may ask for: ten
	// times the default. Each entry keeps at most MaxJournalBody of body.
	MaxJournalSize = 100000
	// MaxFaultRules bounds a world's fault rule list: rules are evaluated
	// in order for every request, under the world's lock.
	MaxFaultRules = 1000
	// MaxJournalHeader bounds each journaled header value and
	// MaxJournalQuery the journaled query string; longer ones are cut and
	// the entry says so (Entry.Truncated).
	MaxJournalHeader = 4 << 10
	MaxJournalQuery  = 16 << 10
)
