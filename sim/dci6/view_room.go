package dci6

import (
	"net/netip"
	"strings"
)

// viewRoom hands out the small parts of a page of server views (drive and
// switch port lists, id pointers, IPMI web URLs) from a few shared blocks:
// a page of 43 servers took over 150 allocations of a few dozen bytes
// each for them. One room serves one list answer and goes with it; a nil
// room allocates each part on its own (a single server's view).
//
// Every slice handed out is capped at its length, so an append to one
// view's list copies rather than writing into the next view's.
type viewRoom struct {
	disks block[DiskInfo]
	conns block[SwitchConnView]
	ids   block[int64]
	ips   block[IPView]
	// The pointed-to parts of a view: its OS template, owner and owner
	// email (strs also holds the template's tags).
	osRefs block[OSTemplateRef]
	owners block[OwnerView]
	strs   block[string]
	urls   strings.Builder
}

// firstBlock is how many parts of a kind a room's first block holds; each
// next block holds twice the last, so a page takes a few blocks and
// leaves at most about half of the last one unused.
const firstBlock = 8

// block is the unused rest of a room's last block of one kind of part.
type block[T any] struct {
	free []T
	last []T // the whole last block, for reuse
	size int // of the last block
}

// carve takes n zero parts from the block (a new, bigger one when it runs
// out). n = 0 is an empty list, not nil: the answer writes [] for it.
func carve[T any](b *block[T], n int) []T {
	if n == 0 {
		return []T{}
	}
	if len(b.free) < n {
		b.size = max(n, firstBlock, 2*b.size)
		b.free = make([]T, b.size)
		b.last = b.free
	}
	out := b.free[:n:n]
	b.free = b.free[n:]
	return out
}

func (r *viewRoom) diskInfos(n int) []DiskInfo {
	if r == nil {
		return make([]DiskInfo, n)
	}
	return carve(&r.disks, n)
}

func (r *viewRoom) switchConns(n int) []SwitchConnView {
	if r == nil {
		return make([]SwitchConnView, n)
	}
	return carve(&r.conns, n)
}

// idOrNil points at id, or is nil for 0 (null in the answer).
func (r *viewRoom) idOrNil(id int64) *int64 {
	switch {
	case id == 0:
		return nil
	case r == nil:
		p := new(int64) // not &id: id would go to the heap on every call
		*p = id
		return p
	}
	p := &carve(&r.ids, 1)[0]
	*p = id
	return p
}

// concat is a + b. In a room the strings of a page share the builder's
// storage: a string taken from a strings.Builder stays valid and unchanged
// however much is written after it.
func (r *viewRoom) concat(a, b string) string {
	if r == nil {
		return a + b
	}
	start := r.makeRoom(len(a) + len(b))
	r.urls.WriteString(a)
	r.urls.WriteString(b)
	return r.urls.String()[start:]
}

// addr is a.String(), from the room's storage (netip formats every
// address anew, an allocation per address of every server view).
func (r *viewRoom) addr(a netip.Addr) string {
	if r == nil || !a.IsValid() { // AppendTo writes "" for the zero Addr
		return a.String()
	}
	var tmp [64]byte
	return r.text(a.AppendTo(tmp[:0]))
}

// prefix is p.String(), from the room's storage.
func (r *viewRoom) prefix(p netip.Prefix) string {
	if r == nil || !p.IsValid() { // AppendTo writes "" for an invalid Prefix
		return p.String()
	}
	var tmp [64]byte
	return r.text(p.AppendTo(tmp[:0]))
}

// text is string(b), from the room's storage.
func (r *viewRoom) text(b []byte) string {
	start := r.makeRoom(len(b))
	r.urls.Write(b)
	return r.urls.String()[start:]
}

// makeRoom makes sure the builder holds n more bytes without growing and
// returns where they start.
func (r *viewRoom) makeRoom(n int) int {
	start := r.urls.Len()
	if r.urls.Cap()-start < n {
		// A fresh block, so the strings already taken keep theirs.
		grow := max(n, 256, 2*r.urls.Cap())
		r.urls = strings.Builder{}
		r.urls.Grow(grow)
		start = 0
	}
	return start
}

// osRef, owner and str are new(T), from the room when there is one.
func (r *viewRoom) osRef() *OSTemplateRef {
	if r == nil {
		return new(OSTemplateRef)
	}
	return &carve(&r.osRefs, 1)[0]
}

func (r *viewRoom) owner() *OwnerView {
	if r == nil {
		return new(OwnerView)
	}
	return &carve(&r.owners, 1)[0]
}

func (r *viewRoom) str() *string {
	if r == nil {
		return new(string)
	}
	return &carve(&r.strs, 1)[0]
}

// strings is a copy of s (empty, not nil, for none: the answer writes []).
func (r *viewRoom) strings(s []string) []string {
	if r == nil {
		return append([]string{}, s...)
	}
	out := carve(&r.strs, len(s))
	copy(out, s)
	return out
}

func (r *viewRoom) ipViews(n int) []IPView {
	if r == nil {
		return make([]IPView, n)
	}
	return carve(&r.ips, n)
}

// reuse hands the room's last blocks out again from their start, zeroed:
// for a caller done with every part taken so far (appendServerList, once
// a view is encoded). The strings of concat stay as they are (a builder's
// storage cannot be taken back), which is why they are few and small.
func (r *viewRoom) reuse() {
	reuseBlock(&r.disks)
	reuseBlock(&r.conns)
	reuseBlock(&r.ids)
	reuseBlock(&r.ips)
	reuseBlock(&r.osRefs)
	reuseBlock(&r.owners)
	reuseBlock(&r.strs)
}

// reuseBlock zeroes only the parts handed out since the block was new or
// last reused: clearing whole blocks of pointer-holding parts after every
// server was a twentieth of a list's time (write barriers included).
func reuseBlock[T any](b *block[T]) {
	clear(b.last[:len(b.last)-len(b.free)])
	b.free = b.last
}
