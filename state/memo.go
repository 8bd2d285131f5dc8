package state

import (
	"bytes"
	"fmt"
	"sync/atomic"
)

// A world's memo keeps the bytes of its latest renderings (the answer to
// "GET this server, as this user") for as long as nothing can have changed
// them, so a client polling an object that does not change is answered
// without rendering it again. Nothing can have changed them while only
// reads ran: every transaction but a ViewScoped one (Do, DoScoped,
// Inspect) and every step that runs forgets them all, before it changes
// anything. So a memo is only ever as stale as a bug in a ViewScoped fn
// that writes what a memo renders; VerifyMemos (on in the tests of every
// panel that keeps memos) renders again on every hit and panics on a
// difference.
//
// A rendering must depend on the world's state alone, not on its clock:
// time passing without a step running changes no state, and does not
// forget memos (a real clock moves on every request).
type memo struct {
	entries [memoEntries]memoEntry
	next    int    // the entry the next kept rendering replaces
	hits    uint64 // answers given from a kept rendering, ever
}

type memoEntry struct {
	key any
	b   []byte
}

const (
	// memoEntries is how many renderings a world keeps (the objects a
	// client polls at once), and maxMemoBytes the longest one kept: a
	// world's memos stay within 32 KiB.
	memoEntries  = 8
	maxMemoBytes = 4 << 10
)

// VerifyMemos makes every memo hit render again and panic if the bytes
// differ: tests turn it on, so a stale memo fails them.
var VerifyMemos atomic.Bool

// changed forgets every kept rendering (something may have changed them).
func (m *memo) changed() {
	if m.entries[0].key == nil && m.next == 0 {
		return
	}
	*m = memo{hits: m.hits}
}

// MemoHits is how many answers the world gave from a kept rendering.
func (w *World) MemoHits() uint64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.memo.hits
}

// Memo returns the bytes render makes for key, the same bytes kept from an
// earlier call in this world when nothing has changed since. A rendering
// is kept only from a ViewScoped transaction (in any other, what fn
// changes after rendering would go unseen), when render returns non-nil
// bytes of at most 4 KiB and no error; nil bytes say "not memoized" and
// pass through. The returned bytes belong to the memo: never change them.
// key names everything the rendering depends on besides the world's
// state (the object, the caller).
func Memo[K comparable](tx *Tx, key K, render func() ([]byte, error)) ([]byte, error) {
	m := &tx.w.memo
	for i := range m.entries {
		// Asserted, not compared as interfaces: a hit boxes no key.
		if e := &m.entries[i]; e.key != nil {
			if k, ok := e.key.(K); !ok || k != key {
				continue
			}
			if VerifyMemos.Load() {
				verifyMemo(key, e.b, render)
			}
			m.hits++
			return e.b, nil
		}
	}
	b, err := render()
	if err != nil || b == nil || !tx.view || len(b) > maxMemoBytes {
		return b, err
	}
	m.entries[m.next] = memoEntry{key: key, b: b}
	m.next = (m.next + 1) % memoEntries
	return b, nil
}

func verifyMemo(key any, kept []byte, render func() ([]byte, error)) {
	fresh, err := render()
	if err != nil || !bytes.Equal(fresh, kept) {
		panic(fmt.Sprintf("state: stale memo for %v:\nkept:  %s\nfresh: %s (error %v)", key, kept, fresh, err))
	}
}
