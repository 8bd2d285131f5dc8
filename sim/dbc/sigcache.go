package dbc

import "sync"

// A signed DBC client sends the same (wallet, nonce, signature) triple
// again and again (the node accepts a nonce again unless the scenario
// rejects reused nonces), and each sr25519 check costs ~86 us. Whether a
// signature verifies depends on nothing but the triple, so the answer is
// remembered process-wide: replay, renter and threshold are still decided
// by the model under the world's lock, per request, exactly as before.

// sigCacheSize bounds the remembered triples (a few hundred bytes each), so
// a client sending fresh garbage signatures costs a bounded ~1 MB.
const sigCacheSize = 4096

// sigCache remembers verification outcomes, forgetting the oldest first.
type sigCache struct {
	mu    sync.Mutex
	known map[string]bool
	order []string // ring of the keys in known, oldest at next
	next  int
}

var verifiedSignatures = &sigCache{}

// verify is VerifySR25519 through the cache.
func (c *sigCache) verify(wallet, msg, sign string) bool {
	k := sigKey(wallet, msg, sign)
	c.mu.Lock()
	ok, hit := c.known[k]
	c.mu.Unlock()
	if hit {
		return ok
	}
	ok = VerifySR25519(wallet, msg, sign)
	c.remember(k, ok)
	return ok
}

func (c *sigCache) remember(k string, ok bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, dup := c.known[k]; dup {
		return // verified meanwhile by a concurrent request
	}
	if c.known == nil {
		c.known = make(map[string]bool, sigCacheSize)
	}
	if len(c.order) < sigCacheSize {
		c.order = append(c.order, k)
	} else {
		delete(c.known, c.order[c.next])
		c.order[c.next] = k
		c.next = (c.next + 1) % sigCacheSize
	}
	c.known[k] = ok
}

// len is the number of remembered triples.
func (c *sigCache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.known)
}
